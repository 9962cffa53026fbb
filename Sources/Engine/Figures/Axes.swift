import Foundation

/// One axis of a chart: a linear map from data values to pixels, with round tick values.
public struct Axis: Sendable {
    /// The data range shown (widened to whole ticks by `init(covering:…)`).
    public let low: Double
    public let high: Double
    /// The pixels it spans; for a vertical axis `start` is the bottom (so `start > end`).
    public let start: Double
    public let end: Double
    public let ticks: [Double]

    /// An axis over `low…high`, widened outward to the nearest ticks of `niceTicks`.
    public init(covering low: Double, _ high: Double, pixels start: Double, _ end: Double, tickCount: Int = 5) {
        let (low, high) = high > low ? (low, high) : (low - 0.5, low + 0.5)   // a flat series still gets an axis
        let step = Axis.niceStep((high - low) / Double(max(1, tickCount)))
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        self.start = start
        self.end = end
        ticks = stride(from: self.low, through: self.high + step / 2, by: step).map { ($0 / step).rounded() * step }
    }

    /// The pixel position of value `v`.
    public func position(_ v: Double) -> Double { start + (v - low) / (high - low) * (end - start) }

    /// 1, 2 or 5 times a power of ten, the smallest such step at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let power = pow(10, (log10(rough)).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough * (1 - 1e-9) } ?? 10 * power
    }
}

/// A tick label: "0.25", "1,000", "1e-05".
func tickLabel(_ v: Double) -> String {
    if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e6) { return String(format: "%.0e", v) }
    if v == v.rounded() { return Int(v).formatted() }
    return String(format: "%g", (v * 1e6).rounded() / 1e6)
}

extension SVGDocument {
    /// Draws the frame of a chart: light grid lines at the ticks, tick labels, the axis labels
    /// and a title above.
    mutating func drawFrame(x: Axis, y: Axis, title: String, xLabel: String, yLabel: String) {
        for tick in x.ticks {
            let px = x.position(tick)
            line(from: (px, y.start), to: (px, y.end), stroke: "#e4e4e4")
            text(tickLabel(tick), x: px, y: y.start + 15, size: 10, anchor: .middle)
        }
        for tick in y.ticks {
            let py = y.position(tick)
            line(from: (x.start, py), to: (x.end, py), stroke: "#e4e4e4")
            text(tickLabel(tick), x: x.start - 5, y: py + 3.5, size: 10, anchor: .end)
        }
        rect(x: x.start, y: y.end, width: x.end - x.start, height: y.start - y.end, fill: "none", stroke: "#888")
        text(title, x: (x.start + x.end) / 2, y: y.end - 10, size: 13, anchor: .middle, attributes: "font-weight=\"bold\"")
        text(xLabel, x: (x.start + x.end) / 2, y: y.start + 32, size: 11, anchor: .middle)
        let middle = (y.start + y.end) / 2
        text(yLabel, x: x.start - 40, y: middle, size: 11, anchor: .middle,
             attributes: "transform=\"rotate(-90 \(svgNumber(x.start - 40)) \(svgNumber(middle)))\"")
    }
}
