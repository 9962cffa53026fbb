/// A model's table: each layer's output shape and parameter count, the arithmetic of the
/// chapter made visible. Image shapes are shown the way the 2017 tutorial wrote them, H×W×C.
extension Sequential {
    /// The table for inputs of `exampleShape` (one example, without the batch dimension).
    public func summary(inputShape exampleShape: [Int]) -> String {
        var rows: [(String, String, String)] = [("input", Self.describe(exampleShape), "")]
        var shape = [1] + exampleShape
        for layer in layers {
            shape = layer.outputShape(for: shape)
            let count = layer.parameterCount
            rows.append((layer.name, Self.describe(Array(shape.dropFirst())), count == 0 ? "" : Self.grouped(count)))
        }
        rows.append(("total", "", Self.grouped(parameterCount)))
        let width0 = max(5, rows.map(\.0.count).max() ?? 0), width1 = max(12, rows.map(\.1.count).max() ?? 0)
        let width2 = max(10, rows.map(\.2.count).max() ?? 0)
        func line(_ a: String, _ b: String, _ c: String) -> String {
            let text = a.padding(toLength: width0 + 2, withPad: " ", startingAt: 0)
                + b.padding(toLength: width1 + 2, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: max(0, width2 - c.count)) + c
            return String(text.reversed().drop { $0 == " " }.reversed())   // no trailing spaces
        }
        var lines = [line("layer", "output shape", "parameters")]
        lines.append(String(repeating: "-", count: width0 + width1 + width2 + 4))
        for (i, row) in rows.enumerated() {
            if i == rows.count - 1 { lines.append(String(repeating: "-", count: width0 + width1 + width2 + 4)) }
            lines.append(line(row.0, row.1, row.2))
        }
        return lines.joined(separator: "\n")
    }

    /// (C, H, W) as "H×W×C"; anything else as its dimensions joined by ×.
    static func describe(_ exampleShape: [Int]) -> String {
        let dims = exampleShape.count == 3 ? [exampleShape[1], exampleShape[2], exampleShape[0]] : exampleShape
        return dims.map(String.init).joined(separator: "×")
    }

    /// 3274634 as "3,274,634".
    public static func grouped(_ n: Int) -> String {
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 { digits.insert(",", at: i); i -= 3 }
        return String(digits)
    }
}
