/// Rows of text as aligned columns under a header and a rule, e.g. a lesson's closing comparison:
///
///     run        training accuracy  test accuracy
///     -------------------------------------------
///     plain      1.0000             0.9561
public func textTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = (0..<header.count).map { column in all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        let text = cells.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined()
        return String(text.reversed().drop { $0 == " " }.reversed())
    }
    let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
}
