/// A grid of colored cells with a number in each: a confusion matrix (rows: the true class,
/// columns: the predicted one). Darker blue is a larger value.
///
/// Every cell is one `<rect class="cell" data-row="i" data-column="j">` followed by its label.
public struct HeatMap {
    public var title: String
    public var rowTitle: String
    public var columnTitle: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// rows × columns values; `cellLabels` the same shape (default: the values, as whole numbers).
    public var values: [[Double]]
    public var cellLabels: [[String]]?

    public init(title: String, rowTitle: String, columnTitle: String, rowLabels: [String], columnLabels: [String],
                values: [[Double]], cellLabels: [[String]]? = nil) {
        guard values.count == rowLabels.count, values.allSatisfy({ $0.count == columnLabels.count }) else {
            fatalError("HeatMap: \(values.count) rows of values for \(rowLabels.count) row labels and \(columnLabels.count) columns")
        }
        self.title = title
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.cellLabels = cellLabels
    }

    public func svg(cellSize: Double = 40) -> String {
        let left = 70.0, top = 60.0
        let width = left + cellSize * Double(columnLabels.count) + 20
        let height = top + cellSize * Double(rowLabels.count) + 20
        var document = SVGDocument(width: width, height: height)
        document.text(title, x: width / 2, y: 20, size: 13, anchor: .middle, attributes: "font-weight=\"bold\"")
        document.text(columnTitle, x: left + cellSize * Double(columnLabels.count) / 2, y: 38, size: 11, anchor: .middle)
        let middle = top + cellSize * Double(rowLabels.count) / 2
        document.text(rowTitle, x: 18, y: middle, size: 11, anchor: .middle,
                      attributes: "transform=\"rotate(-90 18 \(svgNumber(middle)))\"")
        let largest = values.joined().max() ?? 1
        for (j, label) in columnLabels.enumerated() {
            document.text(label, x: left + cellSize * (Double(j) + 0.5), y: top - 6, size: 11, anchor: .middle)
        }
        for (i, row) in values.enumerated() {
            let y = top + cellSize * Double(i)
            document.text(rowLabels[i], x: left - 8, y: y + cellSize / 2 + 4, size: 11, anchor: .end)
            for (j, value) in row.enumerated() {
                let x = left + cellSize * Double(j)
                // Square-root scale, so the few hundred mistakes show next to thousands of hits.
                let shade = largest > 0 ? (max(0, value) / largest).squareRoot() : 0
                document.rect(x: x, y: y, width: cellSize, height: cellSize, fill: blue(shade), stroke: "#fff",
                              attributes: "class=\"cell\" data-row=\"\(i)\" data-column=\"\(j)\"")
                let label = cellLabels?[i][j] ?? (value == value.rounded() ? String(Int(value)) : dataNumber(value))
                document.text(label, x: x + cellSize / 2, y: y + cellSize / 2 + 4, size: cellSize / 3.6, anchor: .middle,
                              attributes: "class=\"cell-label\" fill=\"\(shade > 0.6 ? "#fff" : "#222")\"")
            }
        }
        return document.text
    }
}

/// White (0) to dark blue (1).
private func blue(_ t: Double) -> String {
    let r = Int(247 - t * (247 - 8)), g = Int(251 - t * (251 - 48)), b = Int(255 - t * (255 - 107))
    return "rgb(\(r),\(g),\(b))"
}
