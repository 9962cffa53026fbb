import Foundation

/// The figures a lesson draws into its run folder, each from the same numbers the run prints.
/// The drawing itself is the Figures module's; these only pick the numbers out of a model, an
/// evaluation or the metrics.
extension RunFolder {
    /// `confusion.svg` (counts of true class × predicted class) and `mistakes.svg` (the most
    /// confidently wrong images, captioned true → predicted and the confidence). A lesson that
    /// trains several networks names them apart with `prefix` ("plain-" → plain-confusion.svg).
    public func drawClassification(_ evaluation: Evaluation, on set: ImageSet, setName: String = "test", mistakes: Int = 24,
                                   prefix: String = "") {
        guard path != nil else { return }
        let classes = 10, names = (0..<classes).map(String.init)
        let counts = evaluation.confusionMatrix(classes: classes)
        write(prefix + "confusion.svg", HeatMap(
            title: "Confusion matrix, \(set.count.formatted()) \(setName) images (accuracy \(evaluation.accuracy.formatted(places: 4)))",
            rowTitle: "true class", columnTitle: "predicted class", rowLabels: names, columnLabels: names,
            values: counts.map { $0.map(Double.init) }).svg())

        let worst = evaluation.mostConfidentMistakes(mistakes)
        let images = worst.map { index in
            GrayImage(width: set.columns, height: set.rows,
                      levels: Array(set.pixels[(index * set.imageSize)..<((index + 1) * set.imageSize)]))
        }
        let captions = worst.map { "\(evaluation.labels[$0]) → \(evaluation.predictions[$0]), \(String(format: "%.1f", 100 * evaluation.confidences[$0]))%" }
        write(prefix + "mistakes.svg", ImageGrid(
            title: "The \(worst.count) most confidently wrong \(setName) images (true → predicted, confidence)",
            images: images, captions: captions, columns: 8, scale: 2).svg())
    }

    /// `name` (e.g. "augmented.svg"): a batch of images (N, height·width), values 0 (black) … 1
    /// (white), in a grid with optional captions.
    public func drawImages(_ name: String, title: String, batch: Tensor, width: Int = 28, height: Int = 28,
                           captions: [String] = [], columns: Int = 8) {
        guard path != nil else { return }
        let size = width * height
        let images = (0..<(batch.count / size)).map { i in
            GrayImage(width: width, height: height, values: Array(batch.scalars[(i * size)..<((i + 1) * size)]), range: 0...1)
        }
        write(name, ImageGrid(title: title, images: images, captions: captions, columns: columns, scale: 2).svg())
    }

    /// `templates.svg`: each column of a linear layer's weights (in, out) as an image, the
    /// pixels that vote for that class white and those against it black.
    public func drawTemplates(_ weight: Tensor, imageWidth: Int = 28, imageHeight: Int = 28) {
        guard path != nil else { return }
        let (inputs, outputs) = (weight.shape[0], weight.shape[1])
        let images = (0..<outputs).map { j in
            symmetricImage(width: imageWidth, height: imageHeight, values: (0..<inputs).map { weight.scalars[$0 * outputs + j] })
        }
        write("templates.svg", ImageGrid(title: "The \(outputs) learned templates (white: votes for the class, black: against)",
                                         images: images, captions: (0..<outputs).map(String.init), columns: outputs, scale: 3).svg())
    }

    /// `filters.svg`: the first convolution's filters (Cout, Cin, K, K), one image per filter
    /// and input channel, mid-grey at zero.
    public func drawFirstFilters(of model: Sequential) {
        guard path != nil, let weight = convolutions(in: model).first?.weight else { return }
        let (count, channels, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let images = (0..<(count * channels)).map { i in
            symmetricImage(width: kw, height: kh, values: Array(weight.scalars[(i * kh * kw)..<((i + 1) * kh * kw)]))
        }
        write("filters.svg", ImageGrid(title: "The \(images.count) learned \(kh)×\(kw) filters of the first convolution",
                                       images: images, columns: 8, scale: 60 / Double(max(kh, kw))).svg())
    }

    /// `feature-maps-1.svg`, `feature-maps-2.svg`: what the first two convolutions (after their
    /// ReLU) make of one image, one grey map per channel, white where the channel responds.
    public func drawFeatureMaps(of model: Sequential, image: Tensor, label: Int) {
        guard path != nil else { return }
        var x = image                                           // (1, 784)
        var seen = 0
        for (index, layer) in model.layers.enumerated() {
            x = layer.forward(x, mode: .evaluation)
            let afterConvolution = index > 0 && model.layers[index - 1].parameters.first?.value.rank == 4
            guard afterConvolution, x.rank == 4 else { continue }
            seen += 1                                           // x is (1, C, H, W)
            let (channels, h, w) = (x.shape[1], x.shape[2], x.shape[3])
            let maps = (0..<channels).map { c in
                GrayImage(width: w, height: h, values: Array(x.scalars[(c * h * w)..<((c + 1) * h * w)]),
                          range: 0...max(1e-6, x.scalars[(c * h * w)..<((c + 1) * h * w)].max()!))
            }
            write("feature-maps-\(seen).svg", ImageGrid(
                title: "A test \(label) after convolution \(seen) and ReLU: \(channels) maps of \(w)×\(h)",
                images: maps, columns: channels > 32 ? 16 : 8, scale: 56 / Double(w)).svg())
            if seen == 2 { break }
        }
    }

    /// `comparison.svg`: this run's accuracy curves next to those of the run in `otherFolder`
    /// (e.g. with and without dropout), read back from its metrics.csv. A folder without one is
    /// a warning, and no comparison.
    public func drawComparison(with otherFolder: String) {
        guard path != nil else { return }
        let other: [MetricsRow]
        do {
            other = try MetricsRow.read((otherFolder as NSString).appendingPathComponent("metrics.csv"))
        } catch {
            return warn("no comparison.svg: cannot read the metrics of \(otherFolder) (\(reason(error)))")
        }
        let otherSeries = Dictionary(grouping: other, by: \.series).sorted { $0.key < $1.key }
        let mine = logs.map { ($0.series, $0.rows) }
        let all = mine + otherSeries.map { ($0.key, $0.value) }
        // The chart, and under it each run's final evaluations in words (their dots overlap at the last step).
        var document = SVGDocument(width: 720, height: 400 + 20 * Double(all.count) + 10)
        accuracyChart(all, title: "Accuracy of the two runs").draw(into: &document, x: 0, y: 0, width: 720, height: 400)
        for (i, (series, rows)) in all.enumerated() {
            let final = [("training set (evaluation mode)", \MetricsRow.trainingSetAccuracy), ("validation", \.validationAccuracy), ("test", \.testAccuracy)]
                .compactMap { name, value in rows.last { $0[keyPath: value] != nil }.map { "\(name) \(dataNumber($0[keyPath: value]!))" } }
            document.text("\(series.isEmpty ? "run \(i + 1)" : series), at the end: " + final.joined(separator: ", "),
                          x: 60, y: 410 + 20 * Double(i), size: 12, attributes: "class=\"final\"")
        }
        write("comparison.svg", document.text)
    }

    private func convolutions(in model: Sequential) -> [(layer: any Layer, weight: Tensor)] {
        model.layers.compactMap { layer in layer.parameters.first.flatMap { $0.value.rank == 4 ? (layer, $0.value) : nil } }
    }
}

/// Values as grey levels with zero at mid-grey: the largest magnitude is white (positive) or black.
private func symmetricImage(width: Int, height: Int, values: [Float]) -> GrayImage {
    let largest = max(values.map(abs).max() ?? 0, 1e-12)
    return GrayImage(width: width, height: height, values: values, range: -largest...largest)
}

/// The curves of one or more training logs: the loss on the left, the accuracy on the right.
/// Training values are the means of the batches since the previous row (the smoothed curve);
/// evaluations are dots.
func trainingCurves(_ logs: [(series: String, rows: [MetricsRow])]) -> String {
    var document = SVGDocument(width: 1000, height: 400)
    var loss = LineChart(title: "Training loss", xLabel: "step", yLabel: "cross-entropy loss",
                         series: logs.enumerated().map { i, log in
        .init(label(log.series, "training batches, running mean"), points: log.rows.map { (Double($0.step), $0.meanLoss) }, color: 4 * i)
    })
    loss.yRange = loss.rangeAfterStart()                 // the first steep steps run off the top
    loss.draw(into: &document, x: 0, y: 0, width: 480, height: 400)
    accuracyChart(logs, title: "Accuracy").draw(into: &document, x: 500, y: 0, width: 500, height: 400)
    return document.text
}

private func accuracyChart(_ logs: [(series: String, rows: [MetricsRow])], title: String) -> LineChart {
    var chart = LineChart(title: title, xLabel: "step", yLabel: "accuracy")
    for (i, log) in logs.enumerated() {
        chart.series.append(.init(label(log.series, "training batches, running mean"),
                                  points: log.rows.map { (Double($0.step), $0.meanAccuracy) }, color: 4 * i))
        let evaluations: [(String, KeyPath<MetricsRow, Double?>)] = [
            ("validation", \.validationAccuracy), ("test", \.testAccuracy), ("training set, evaluation mode", \.trainingSetAccuracy)]
        for (k, (name, value)) in evaluations.enumerated() {
            let points = log.rows.compactMap { row in row[keyPath: value].map { (Double(row.step), $0) } }
            if !points.isEmpty { chart.series.append(.init(label(log.series, name), points: points, style: .dots, color: 4 * i + k + 1)) }
        }
    }
    chart.yRange = chart.rangeAfterStart()                  // the first steep steps run off the bottom
    return chart
}

private func label(_ series: String, _ what: String) -> String { series.isEmpty ? what : "\(series): \(what)" }
