import Foundation
import Testing

/// The error orders chapter 1 ("Checking a gradient") states, measured on f(x) = exp(x) at x = 0.5,
/// whose derivative is exp(0.5): a one-sided difference is off by O(h), a centred one by O(h²) until
/// rounding takes over, which in Float happens at a far larger h than in Double.
/// `swift test --filter DifferenceError` prints the table the chapter quotes.
@Suite("Numerical difference error orders")
struct DifferenceErrorTests {
    static let steps: [Double] = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7]

    static func oneSided(_ h: Double) -> Double { abs((exp(0.5 + h) - exp(0.5)) / h - exp(0.5)) / exp(0.5) }
    static func centred(_ h: Double) -> Double { abs((exp(0.5 + h) - exp(0.5 - h)) / (2 * h) - exp(0.5)) / exp(0.5) }
    static func centredFloat(_ h: Double) -> Double {
        let x: Float = 0.5, step = Float(h)
        let estimate = (exp(x + step) - exp(x - step)) / (2 * step)
        return abs(Double(estimate) - exp(0.5)) / exp(0.5)
    }

    @Test func errorOrders() {
        print("relative error of the derivative of exp at 0.5")
        print("h        one-sided (Double)  centred (Double)  centred (Float)")
        for h in Self.steps {
            print(String(format: "%-8.0e %-19.1e %-17.1e %.1e", h, Self.oneSided(h), Self.centred(h), Self.centredFloat(h)))
        }
        // Ten times smaller h: the one-sided error ten times smaller, the centred one a hundred times.
        let oneSidedRatio = Self.oneSided(1e-2) / Self.oneSided(1e-3)
        let centredRatio = Self.centred(1e-2) / Self.centred(1e-3)
        #expect(oneSidedRatio > 9 && oneSidedRatio < 11, "one-sided: \(oneSidedRatio)")
        #expect(centredRatio > 90 && centredRatio < 110, "centred: \(centredRatio)")
        // In Double the centred difference is best near h = 1e-5 (about ε^⅓) and worse at 1e-7.
        #expect(Self.centred(1e-5) < 1e-9 && Self.centred(1e-7) > Self.centred(1e-5))
        // In Float the best h is near 1e-3 (ε^⅓ ≈ 5e-3); at 1e-5 and below rounding ruins the estimate.
        #expect(Self.centredFloat(1e-3) < 1e-5 && Self.centredFloat(1e-5) > 1e-3 && Self.centredFloat(1e-6) > 1e-3)
    }
}
