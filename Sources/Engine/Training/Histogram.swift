/// A one-line text histogram of a tensor's values, for looking at activations in a terminal:
/// `0.001 ▇█▅▃▂▁▁ 2.31` shows the spread from the smallest to the largest value.
/// `values` are the numbers to show (e.g. only the positive outputs of a ReLU). Give `range` to
/// draw several histograms on one common axis (the default is the values' own smallest…largest).
public func histogramLine(_ values: [Float], range: ClosedRange<Float>? = nil, bins: Int = 24) -> String {
    guard let low = range?.lowerBound ?? values.min(), let high = range?.upperBound ?? values.max(), high > low else {
        return values.isEmpty ? "(no values)" : "all \(shortNumber(values[0]))"
    }
    let counts = binCounts(values, range: low...high, bins: bins)
    let levels = Array(" ▁▂▃▄▅▆▇█")
    let top = counts.max()!
    let bars = counts.map { c in c == 0 ? " " : levels[max(1, (c * (levels.count - 1) + top - 1) / top)] }
    return "\(shortNumber(low)) \(String(bars)) \(shortNumber(high))"
}

/// How many of `values` fall in each of `bins` equal bins spanning `range` (values outside it
/// count in the first or last bin).
public func binCounts(_ values: [Float], range: ClosedRange<Float>, bins: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: bins)
    let width = range.upperBound - range.lowerBound
    let scale = width > 0 ? Float(bins) / width : 0
    for v in values { counts[max(0, min(bins - 1, Int((v - range.lowerBound) * scale)))] += 1 }
    return counts
}

func shortNumber(_ x: Float) -> String { String(format: "%.3g", Double(x)) }

import Foundation  // String(format:)
