import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Engine

/// An SVG file parsed as XML (a file that does not parse fails the test), with the lookups the
/// figure tests need.
struct ParsedSVG {
    let root: XMLElement

    init(_ text: String) throws {
        let document = try XMLDocument(xmlString: text, options: [])
        root = try #require(document.rootElement())
        #expect(root.name == "svg")
    }

    /// Every element named `name` (and of class `className`, if given), in document order.
    func elements(_ name: String, class className: String? = nil) -> [XMLElement] {
        var found: [XMLElement] = []
        func visit(_ element: XMLElement) {
            if element.name == name && (className == nil || element.value("class") == className) {
                found.append(element)
            }
            for child in element.children ?? [] { if let child = child as? XMLElement { visit(child) } }
        }
        visit(root)
        return found
    }
}

extension XMLElement {
    /// An attribute's value (found by name: on Linux, `attribute(forName:)` misses them in a namespaced document).
    func value(_ attribute: String) -> String? { attributes?.first { $0.name == attribute }?.stringValue }
    func numbers(_ attribute: String) -> [Double] {
        (value(attribute) ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
    }
}

/// The data values of a line chart's polyline, read back through the plot's axes (`chart`: which
/// of the file's charts, when several have a series of that name).
func polylineValues(_ svg: ParsedSVG, series: String, chart: Int = 0) throws -> [(x: Double, y: Double)] {
    let named = svg.elements("polyline", class: "series").filter { $0.value("data-series") == series }
    let polyline = try #require(named.dropFirst(chart).first, "no polyline for series '\(series)' in chart \(chart)")
    let plot = try #require(svg.elements("g", class: "plot").first { $0.children?.contains { $0 === polyline } == true })
    let (x, y) = (plot.numbers("data-x"), plot.numbers("data-y"))   // low high firstPixel lastPixel
    func value(_ pixel: Double, _ a: [Double]) -> Double { a[0] + (pixel - a[2]) / (a[3] - a[2]) * (a[1] - a[0]) }
    let pixels = polyline.numbers("points")
    return stride(from: 0, to: pixels.count, by: 2).map { (value(pixels[$0], x), value(pixels[$0 + 1], y)) }
}

@Suite("Figures")
struct FigureTests {
    @Test func lineChartHoldsEveryPointAndItsValue() throws {
        let steps = (1...50).map(Double.init)
        let losses = steps.map { 2.3 * exp(-$0 / 10) + 0.3 }
        let chart = LineChart(title: "Loss & <accuracy>", xLabel: "step", yLabel: "loss", series: [
            .init("training", points: zip(steps, losses).map { ($0, $1) }, color: 0),
            .init("validation", points: [(10, 0.9), (50, 0.95)], style: .dots, color: 1),
        ])
        let svg = try ParsedSVG(chart.svg())
        let values = try polylineValues(svg, series: "training")
        #expect(values.count == 50)
        for (point, (step, loss)) in zip(values, zip(steps, losses)) {
            #expect(abs(point.x - step) < 0.05 && abs(point.y - loss) < 0.005, "\(point) vs (\(step), \(loss))")
        }
        let dots = svg.elements("circle").compactMap { $0.elements(forName: "title").first?.stringValue }
        #expect(dots == ["validation, step 10: 0.9", "validation, step 50: 0.95"])
        #expect(svg.elements("text").contains { $0.stringValue == "Loss & <accuracy>" })   // escaped, and read back
    }

    @Test func ticksAreRoundAndCoverTheData() {
        let axis = Axis(covering: 0.13, 0.92, pixels: 0, 100, tickCount: 5)
        #expect(axis.ticks.first! <= 0.13 && axis.ticks.last! >= 0.92)
        #expect(axis.ticks.allSatisfy { abs($0 * 5 - ($0 * 5).rounded()) < 1e-9 })   // steps of 0.2
        #expect(Axis.niceStep(0.13) == 0.2 && Axis.niceStep(170) == 200 && Axis.niceStep(1) == 1)
        #expect(axis.position(axis.low) == 0 && axis.position(axis.high) == 100)
    }

    @Test func heatMapHasOneCellPerPairWithItsCount() throws {
        let counts: [[Double]] = (0..<10).map { (i: Int) -> [Double] in
            (0..<10).map { (j: Int) -> Double in Double(i == j ? 900 + i : i * 10 + j) }
        }
        let names = (0..<10).map(String.init)
        let svg = try ParsedSVG(HeatMap(title: "confusion", rowTitle: "true", columnTitle: "predicted",
                                        rowLabels: names, columnLabels: names, values: counts).svg())
        let cells = svg.elements("rect", class: "cell")
        #expect(cells.count == 100)
        let labels = svg.elements("text", class: "cell-label").map { Double($0.stringValue ?? "") }
        for (cell, label) in zip(cells, labels) {
            let (i, j) = (Int(cell.value("data-row")!)!, Int(cell.value("data-column")!)!)
            #expect(label == counts[i][j])
        }
    }

    @Test func imageGridEmbedsEveryImageExactly() throws {
        var rng = RandomSource(seed: 3)
        let images = (0..<7).map { _ in
            GrayImage(width: 5, height: 4, levels: (0..<20).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let svg = try ParsedSVG(ImageGrid(title: "filters", images: images, captions: (0..<7).map { "f\($0)" }, columns: 4).svg())
        let tiles = svg.elements("image", class: "tile")
        #expect(tiles.count == 7)
        #expect(svg.elements("text", class: "caption").map(\.stringValue) == (0..<7).map { "f\($0)" })
        for (tile, image) in zip(tiles, images) {
            let uri = try #require(tile.value("href"))
            let png = try #require(Data(base64Encoded: String(uri.dropFirst("data:image/png;base64,".count))))
            #expect(try decodeGrayPNG([UInt8](png)) == image)
        }
    }

    @Test func grayImageMapsARangeToBlackAndWhite() {
        let image = GrayImage(width: 3, height: 1, values: [-1, 0, 1], range: -1...1)
        #expect(image.levels == [0, 128, 255])
        #expect(GrayImage(width: 2, height: 1, values: [0, 2], inverted: true).levels == [255, 0])
    }

    @Test func histogramGridSharesOneRangePerRowAndCountsEveryValue() throws {
        let small: [Float] = (0..<100).map { Float($0) / 100 }, large = small.map { $0 * 50 }
        let grid = HistogramGrid(title: "h", rows: [.init("row", panels: [("a", small), ("b", large)])], bins: 10)
        let svg = try ParsedSVG(grid.svg())
        let panels = svg.elements("g", class: "panel")
        #expect(panels.count == 2)
        #expect(panels.allSatisfy { $0.numbers("data-range") == [0, 49.5] })
        for panel in panels {
            let bars = panel.elements(forName: "rect").filter { $0.value("class") == "bar" }
            #expect(bars.compactMap { Int($0.elements(forName: "title").first?.stringValue ?? "") }.reduce(0, +) == 100)
        }
        // The small values all fall in the first bin of the common axis.
        #expect(binCounts(small, range: 0...49.5, bins: 10) == [100, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func textHistogramOnACommonAxis() {
        #expect(histogramLine([0, 1, 1, 2], bins: 4) == "0 ▄ █▄ 2")
        #expect(histogramLine([0, 1, 1, 2], range: 0...8, bins: 4) == "0 █▃   8")
    }
}

/// Reads back the PNG that `GrayImage.png()` writes, checking the signature and every chunk's CRC.
func decodeGrayPNG(_ bytes: [UInt8]) throws -> GrayImage {
    #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    func uint32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    var position = 8, width = 0, height = 0, compressed: [UInt8] = []
    while position < bytes.count {
        let length = uint32(position)
        let typeAndData = Array(bytes[(position + 4)..<(position + 8 + length)])
        #expect(UInt32(uint32(position + 8 + length)) == CRC32.checksum(typeAndData))
        let type = String(decoding: typeAndData.prefix(4), as: UTF8.self), data = Array(typeAndData.dropFirst(4))
        if type == "IHDR" {
            (width, height) = (uint32(position + 8), uint32(position + 12))
            #expect(Array(data.suffix(5)) == [8, 0, 0, 0, 0])
        }
        if type == "IDAT" { compressed += data }
        position += 12 + length
    }
    let raw = try inflateRaw(Array(compressed.dropFirst(2).dropLast(4)))   // zlib: 2-byte header, Adler-32 after
    #expect(raw.count == height * (width + 1))
    let stride = width + 1                       // each row: its filter byte, then the pixels
    let levels: [UInt8] = (0..<height).flatMap { (row: Int) -> ArraySlice<UInt8> in raw[(row * stride + 1)..<((row + 1) * stride)] }
    return GrayImage(width: width, height: height, levels: levels)
}

@Suite("Run folder")
struct RunFolderTests {
    /// Two networks trained in one process (as lesson 07 does): one metrics file with both series,
    /// one curves figure with a line per network, each point a row of the file.
    @Test func severalTrainingLogsShareOneFolder() throws {
        let folder = try makeTemporaryFolder("series")
        defer { try? FileManager.default.removeItem(at: folder) }
        let options = try LessonOptions.parse(["--run-dir", folder.path, "--steps", "30", "--log-every", "10"], program: "p",
                                              defaults: LessonDefaults(steps: 30, batchSize: 4, learningRate: 0.1, logEvery: 10))
        let run = RunFolder(options)
        for (name, offset) in [("plain", Float(0)), ("residual", Float(0.5))] {
            let log = TrainingLog(options, series: name, run: run)
            for step in 1...30 { log.record(step: step, loss: 2 / Float(step) + offset, accuracy: Float(step) / 40) }
            log.record(validationAccuracy: 0.5 + offset / 10)
            log.finish()
        }
        run.drawImages("samples.svg", title: "samples", batch: Tensor(repeating: 0.5, shape: [5, 784]))
        // One network's classification, named apart: 3 test images, one of them wrong.
        let set = ImageSet(pixels: [UInt8](repeating: 0, count: 3 * 784), labels: [1, 2, 3], rows: 28, columns: 28)
        run.drawClassification(Evaluation(accuracy: 2 / 3, loss: 0.5, predictions: [1, 2, 7], confidences: [0.9, 0.8, 0.7],
                                          labels: [1, 2, 3]), on: set, prefix: "plain-")
        run.close()
        let confusion = try ParsedSVG(String(contentsOf: folder.appendingPathComponent("plain-confusion.svg"), encoding: .utf8))
        let counts = confusion.elements("text", class: "cell-label").compactMap { Int($0.stringValue ?? "") }
        #expect(counts.count == 100 && counts[11] == 1 && counts[22] == 1 && counts[37] == 1 && counts.reduce(0, +) == 3)
        let mistakes = try ParsedSVG(String(contentsOf: folder.appendingPathComponent("plain-mistakes.svg"), encoding: .utf8))
        #expect(mistakes.elements("text", class: "caption").map(\.stringValue) == ["3 → 7, 70.0%"])

        let rows = try MetricsRow.read(folder.appendingPathComponent("metrics.csv").path)
        #expect(rows.map(\.series) == Array(repeating: "plain", count: 30) + Array(repeating: "residual", count: 30))   // a row a step
        #expect(rows.filter { $0.validationAccuracy != nil }.map(\.step) == [30, 30])
        #expect(rows.filter { $0.series == "plain" }.map(\.step) == Array(1...30))
        #expect(abs(rows[29].meanLoss - (21...30).map { 2 / Double($0) }.reduce(0, +) / 10) < 1e-5)   // the last 10 batches
        let curves = try ParsedSVG(String(contentsOf: folder.appendingPathComponent("curves.svg"), encoding: .utf8))
        for name in ["plain", "residual"] {
            let points = try polylineValues(curves, series: "\(name): training batches, running mean")
            let mine = rows.filter { $0.series == name }
            #expect(points.count == mine.count)
            for (point, row) in zip(points, mine) { #expect(abs(point.y - row.meanLoss) < 0.01 * max(1, row.meanLoss)) }
        }
        let samples = try ParsedSVG(String(contentsOf: folder.appendingPathComponent("samples.svg"), encoding: .utf8))
        #expect(samples.elements("image", class: "tile").count == 5)
    }
}
