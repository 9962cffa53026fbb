/// Rows of small histograms (the panels of a row share one x axis): how a quantity's spread
/// changes along a row, e.g. one panel per layer, one row per initialization.
///
/// Every bar is one `<rect class="bar">` whose tooltip is its count; each panel is a
/// `<g class="panel">` whose `data-range` is the row's common range.
public struct HistogramGrid {
    public struct Row {
        public var label: String
        public var panels: [(title: String, values: [Float])]
        public init(_ label: String, panels: [(title: String, values: [Float])]) {
            self.label = label
            self.panels = panels
        }
        /// The smallest and largest value of all the row's panels.
        public var commonRange: ClosedRange<Float> {
            let all = panels.flatMap(\.values)
            return (all.min() ?? 0)...(all.max() ?? 1)
        }
    }

    public var title: String
    public var rows: [Row]
    public var bins: Int

    public init(title: String, rows: [Row], bins: Int = 30) {
        self.title = title
        self.rows = rows
        self.bins = bins
    }

    public func svg(panelWidth: Double = 130, panelHeight: Double = 60) -> String {
        let labelWidth = 20 + 6 * Double(rows.map(\.label.count).max() ?? 0), gap = 12.0, rowHeight = panelHeight + 44
        let columns = rows.map(\.panels.count).max() ?? 0
        let width = labelWidth + Double(columns) * (panelWidth + gap) + 8
        var document = SVGDocument(width: width, height: 36 + Double(rows.count) * rowHeight)
        document.text(title, x: width / 2, y: 20, size: 13, anchor: .middle, attributes: "font-weight=\"bold\"")
        for (r, row) in rows.enumerated() {
            let top = 44 + Double(r) * rowHeight
            document.text(row.label, x: labelWidth - 10, y: top + panelHeight / 2 + 4, size: 11, anchor: .end)
            let range = row.commonRange
            for (c, panel) in row.panels.enumerated() {
                let left = labelWidth + Double(c) * (panelWidth + gap)
                document.add("<g class=\"panel\" data-range=\"\(dataNumber(Double(range.lowerBound))) \(dataNumber(Double(range.upperBound)))\">")
                document.text(panel.title, x: left + panelWidth / 2, y: top - 4, size: 10, anchor: .middle)
                document.rect(x: left, y: top, width: panelWidth, height: panelHeight, fill: "#f6f6f6")
                let counts = binCounts(panel.values, range: range, bins: bins)
                let tallest = Double(counts.max() ?? 1), barWidth = panelWidth / Double(bins)
                for (b, count) in counts.enumerated() where count > 0 {
                    let height = max(1, panelHeight * Double(count) / tallest)
                    document.rect(x: left + Double(b) * barWidth, y: top + panelHeight - height, width: barWidth, height: height,
                                  fill: seriesColors[0], attributes: "class=\"bar\"", title: String(count))
                }
                document.text(shortNumber(range.lowerBound), x: left, y: top + panelHeight + 12, size: 9)
                document.text(shortNumber(range.upperBound), x: left + panelWidth, y: top + panelHeight + 12, size: 9, anchor: .end)
                document.add("</g>")
            }
        }
        return document.text
    }
}
