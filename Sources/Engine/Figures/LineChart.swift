/// A chart of one or more named series against a common x axis, with a legend underneath:
/// training curves, accuracy against steps.
///
/// A `.line` series is one `<polyline class="series" data-series="name">`, a `.dots` series
/// one `<circle>` per point with the value in its tooltip. The plot's `<g class="plot">` carries
/// its axes as `data-x` / `data-y` = "low high firstPixel lastPixel", so a reader (or a test) can
/// turn any point back into data values.
public struct LineChart {
    public enum Style: Sendable { case line, dots }

    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        /// An index into the palette; series with the same color belong together (a network's
        /// training line and its validation dots).
        public var color: Int

        public init(_ name: String, points: [(x: Double, y: Double)], style: Style = .line, color: Int) {
            self.name = name
            self.points = points
            self.style = style
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// The values the y axis covers (default: every point's). Points outside are clipped from
    /// the picture but stay in the file.
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    /// A y range that leaves out the first `fraction` of the x range of the line series (where
    /// training curves fall steeply), so the rest is drawn large; dots always count.
    public func rangeAfterStart(_ fraction: Double = 0.1) -> ClosedRange<Double>? {
        let xs = series.flatMap(\.points).map(\.x)
        guard let first = xs.min(), let last = xs.max() else { return nil }
        let from = first + fraction * (last - first)
        let ys = series.flatMap { one in one.points.filter { one.style == .dots || $0.x >= from }.map(\.y) }
        guard let low = ys.min(), let high = ys.max() else { return nil }
        return low...high
    }

    /// The chart alone, as a standalone SVG file.
    public func svg(width: Double = 640, height: Double = 360) -> String {
        var document = SVGDocument(width: width, height: height)
        draw(into: &document, x: 0, y: 0, width: width, height: height)
        return document.text
    }

    /// Draws the chart into the box at (x, y) of `document`: the plot, and the legend below it.
    public func draw(into document: inout SVGDocument, x: Double, y: Double, width: Double, height: Double) {
        let entryWidth = min(width - 70, 30 + 6.2 * Double(series.map(\.name.count).max() ?? 0))
        let perRow = max(1, Int((width - 60) / entryWidth))
        let legendHeight = 18 * Double((series.count + perRow - 1) / perRow)
        let points = series.flatMap(\.points)
        let xs = points.map(\.x), ys = points.map(\.y)
        let horizontal = Axis(covering: xs.min() ?? 0, xs.max() ?? 1, pixels: x + 60, x + width - 15, tickCount: 5)
        let vertical = Axis(covering: yRange?.lowerBound ?? ys.min() ?? 0, yRange?.upperBound ?? ys.max() ?? 1, pixels: y + height - 45 - legendHeight, y + 30, tickCount: 5)
        document.drawFrame(x: horizontal, y: vertical, title: title, xLabel: xLabel, yLabel: yLabel)

        let axes = [horizontal, vertical].map { a in [a.low, a.high, a.start, a.end].map(dataNumber).joined(separator: " ") }
        let clip = "clip-\(Int(x))-\(Int(y))"                  // unique per chart in the document
        document.add("<clipPath id=\"\(clip)\"><rect x=\"\(svgNumber(horizontal.start - 4))\" y=\"\(svgNumber(vertical.end - 4))\" "
            + "width=\"\(svgNumber(horizontal.end - horizontal.start + 8))\" height=\"\(svgNumber(vertical.start - vertical.end + 8))\"/></clipPath>")
        document.add("<g class=\"plot\" clip-path=\"url(#\(clip))\" data-x=\"\(axes[0])\" data-y=\"\(axes[1])\">")
        for one in series {
            let color = seriesColors[one.color % seriesColors.count]
            let name = "data-series=\"\(xmlEscaped(one.name))\""
            let pixels = one.points.map { (horizontal.position($0.x), vertical.position($0.y)) }
            switch one.style {
            case .line:
                let list = pixels.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " ")
                document.add("<polyline class=\"series\" \(name) points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" "
                    + "stroke-width=\"1.5\" stroke-linejoin=\"round\"/>")
            case .dots:
                document.add("<g class=\"dots\" \(name)>")
                for (point, pixel) in zip(one.points, pixels) {
                    document.circle(x: pixel.0, y: pixel.1, radius: 3.5, fill: color, attributes: "stroke=\"#fff\"",
                                    title: "\(one.name), step \(dataNumber(point.x)): \(dataNumber(point.y))")
                }
                document.add("</g>")
            }
        }
        document.add("</g>")
        for (index, one) in series.enumerated() {
            let color = seriesColors[one.color % seriesColors.count]
            // The legend entry, under the axis label: a short line or a dot, and the name.
            let lx = x + 60 + entryWidth * Double(index % perRow)
            let ly = vertical.start + 50 + 18 * Double(index / perRow)
            if one.style == .line {
                document.line(from: (lx, ly), to: (lx + 18, ly), stroke: color, width: 2)
            } else {
                document.circle(x: lx + 9, y: ly, radius: 3.5, fill: color)
            }
            document.text(one.name, x: lx + 24, y: ly + 4, size: 11)
        }
    }
}
