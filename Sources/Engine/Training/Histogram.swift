/// A one-line text histogram of a tensor's values, for looking at activations in a terminal:
/// `0.001 ▇█▅▃▂▁▁ 2.31` shows the spread from the smallest to the largest value.
/// `values` are the numbers to show (e.g. only the positive outputs of a ReLU).
public func histogramLine(_ values: [Float], bins: Int = 24) -> String {
    guard let low = values.min(), let high = values.max(), high > low else {
        return values.isEmpty ? "(no values)" : "all \(shortNumber(values[0]))"
    }
    var counts = [Int](repeating: 0, count: bins)
    let scale = Float(bins) / (high - low)
    for v in values { counts[min(bins - 1, Int((v - low) * scale))] += 1 }
    let levels = Array(" ▁▂▃▄▅▆▇█")
    let top = counts.max()!
    let bars = counts.map { c in c == 0 ? " " : levels[max(1, (c * (levels.count - 1) + top - 1) / top)] }
    return "\(shortNumber(low)) \(String(bars)) \(shortNumber(high))"
}

func shortNumber(_ x: Float) -> String { String(format: "%.3g", Double(x)) }

import Foundation  // String(format:)
