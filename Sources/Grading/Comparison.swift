import Engine
import Foundation

/// Values the grader trusts, computed in Double: the exact result of a forward pass or an update
/// rule, or a centered-difference numerical gradient.
struct Expected {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "Expected: shape \(shape) vs \(values.count) values")
        self.shape = shape
        self.values = values
    }

    init(_ tensor: Tensor) { self.init(shape: tensor.shape, values: tensor.doubles) }

    static func scalar(_ value: Double) -> Expected { Expected(shape: [], values: [value]) }
}

/// What the expected values are, as the diagnostic names them.
enum ExpectedKind {
    case exact       // forward passes and update rules: "expected"
    case numerical   // gradients: "numerical" (centered differences in Double)
    case analytic    // the numerical-gradient exercise: "exact" derivative of a known function

    var label: String {
        switch self {
        case .exact: "expected"
        case .numerical: "numerical"
        case .analytic: "exact"
        }
    }
}

/// A wrong answer learners often give, computed so the diagnostic can say "this is exactly what
/// you get when …" instead of only "wrong".
struct KnownMistake {
    let description: String
    let values: [Double]
    /// Said instead of the comparison's hint when this mistake is recognized, for a mistake whose
    /// fix is not the formula the hint restates (an ε that differs between the passes).
    var hint: String? = nil
}

/// The relative error the checks use, |yours − expected| / max(|yours|, |expected|, floor): 0 when
/// equal, 1 or more when wildly off. The floor, 1% of the largest expected magnitude, keeps entries
/// that should be (nearly) zero from turning Float rounding into a huge relative error.
func largestRelativeError(_ yours: [Float], _ expected: [Double]) -> (error: Double, index: Int) {
    largestRelativeError(yours.map(Double.init), expected)
}

/// The same for Double results. `floorFraction` 1 makes it the error relative to the largest
/// expected magnitude, for results known to far more digits than Float holds.
/// `minimumFloor` raises the floor for a sum whose terms nearly cancel (see the convolution's db).
func largestRelativeError(_ yours: [Double], _ expected: [Double], floorFraction: Double = 1e-2,
                          minimumFloor: Double = 1e-6) -> (error: Double, index: Int) {
    let scale = expected.reduce(0) { max($0, abs($1)) }
    let floor = max(floorFraction * scale, minimumFloor)
    var worst = (error: 0.0, index: 0)
    for i in 0..<min(yours.count, expected.count) {
        let a = yours[i]
        guard a.isFinite else { return (.infinity, i) }
        let error = abs(a - expected[i]) / max(abs(a), abs(expected[i]), floor)
        if error > worst.error { worst = (error, i) }
    }
    return worst
}

/// "[3, 1]" for flat index 10 of shape [4, 3].
func formatIndex(_ flat: Int, _ shape: [Int]) -> String {
    guard !shape.isEmpty else { return "" }
    var rest = flat
    var parts = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        parts[axis] = rest % max(shape[axis], 1)
        rest /= max(shape[axis], 1)
    }
    return "[" + parts.map(String.init).joined(separator: ", ") + "]"
}

func formatNumber(_ x: Double) -> String { String(format: "%.6g", x) }

/// "1e-3" for 0.001: a tolerance as the diagnostics state it next to an error.
func formatTolerance(_ tolerance: Double) -> String {
    let exponent = Int(log10(tolerance).rounded())
    return abs(pow(10, Double(exponent)) / tolerance - 1) < 1e-9 ? "1e\(exponent)" : String(format: "%.2g", tolerance)
}
func formatShape(_ shape: [Int]) -> String { "(" + shape.map(String.init).joined(separator: ", ") + ")" }

/// The grading of one exercise on one random case: how each output compared with the values the
/// grader trusts. `finish()` throws a `GradingFailure` describing every output when any is wrong.
struct CaseReport {
    let exercise: String
    let setup: String
    private(set) var lines: [String] = []
    private(set) var failures: [String] = []
    /// The name of each failed output ("out (forward)", "dx (∂loss/∂x)"), in order.
    private(set) var failedOutputs: [String] = []

    init(_ exercise: String, setup: String) {
        self.exercise = exercise
        self.setup = setup
        Isolation.note("case: " + setup)
    }

    /// The default tolerance on the largest relative error. Float rounding in a correct answer
    /// stays below 1e-4 on these sizes (measured over many seeds by the GradingTests suites).
    static let tolerance = 1e-3

    /// Compares one output. `name` says what it is, e.g. "dW (∂loss/∂W)".
    mutating func compare(_ name: String, yours: Tensor, expected: Expected, kind: ExpectedKind = .numerical,
                          hint: String, mistakes: [KnownMistake] = [], tolerance: Double = CaseReport.tolerance,
                          minimumFloor: Double = 1e-6) {
        compare(name, yours: yours.doubles, shape: yours.shape, expected: expected, kind: kind, hint: hint,
                mistakes: mistakes, tolerance: tolerance, minimumFloor: minimumFloor)
    }

    mutating func compare(_ name: String, yours values: [Double], shape: [Int], expected: Expected,
                          kind: ExpectedKind = .numerical, hint: String, mistakes: [KnownMistake] = [],
                          tolerance: Double = CaseReport.tolerance, floorFraction: Double = 1e-2, minimumFloor: Double = 1e-6) {
        guard shape == expected.shape else {
            var message = "\(name) has shape \(shape); expected \(expected.shape)"
            if shape == expected.shape.reversed() { message += " (transposed?)" }
            fail(name, summary: message, detail: [], hint: hint)
            return
        }
        let (error, index) = largestRelativeError(values, expected.values, floorFraction: floorFraction, minimumFloor: minimumFloor)
        let at = formatIndex(index, expected.shape)
        if error <= tolerance {
            ErrorLog.shared.record(exercise, error / tolerance)
            pass("\(name): largest relative error \(String(format: "%.1e", error)), allowed \(formatTolerance(tolerance))")
            return
        }
        let value = values[index]
        var summary: String
        if !value.isFinite {
            summary = "\(name) is \(value)\(at.isEmpty ? "" : " at \(at)") (\(kind.label) \(formatNumber(expected.values[index])))"
        } else {
            summary = "\(name): largest relative error \(String(format: "%.2g", error)) (allowed \(formatTolerance(tolerance)))"
                + "\(at.isEmpty ? "" : " at \(at)"): "
                + "yours \(formatNumber(value)), \(kind.label) \(formatNumber(expected.values[index]))"
        }
        var detail: [String] = []
        let mistake = mistakes.first {
            $0.values.count == values.count
                && largestRelativeError(values, $0.values, floorFraction: floorFraction, minimumFloor: minimumFloor).error <= tolerance
        }
        if let mistake { detail.append("This is exactly what you get when \(mistake.description).") }
        if !value.isFinite { summary += " (an overflow or a division by zero?)" }
        fail(name, summary: summary, detail: detail, hint: mistake?.hint ?? hint)
    }

    /// Compares a single number (a loss).
    mutating func compare(_ name: String, yours: Float, expected: Double, kind: ExpectedKind = .exact,
                          hint: String, mistakes: [KnownMistake] = []) {
        compare(name, yours: Tensor(shape: [], scalars: [yours]), expected: .scalar(expected), kind: kind,
                hint: hint, mistakes: mistakes)
    }

    /// Records a failed check that is not a tensor comparison (statistics, determinism, …).
    mutating func fail(_ name: String, summary: String, detail: [String] = [], hint: String) {
        failures.append(summary)
        failedOutputs.append(name)
        lines.append("✗ " + summary)
        for line in detail { lines.append("    " + line) }
        lines.append("    Hint: " + hint)
    }

    /// Calls the learner's code and fails the case at once, naming `what` ("forward pass"), if it
    /// changed any of `inputs` (by writing through a pointer into their storage): the expected
    /// values are computed from the inputs, and in a network the next layer still reads them.
    mutating func call<T>(_ what: String, inputs: [(name: String, tensor: Tensor)], _ body: () -> T) throws(GradingFailure) -> T {
        let before = inputs.map { $0.tensor.scalars.map(\.bitPattern) }      // the values, not a second view of the storage
        let result = body()
        for (input, original) in zip(inputs, before) {
            guard let index = original.indices.first(where: { input.tensor.scalars[$0].bitPattern != original[$0] }) else { continue }
            let at = formatIndex(index, input.tensor.shape)
            fail(what, summary: "your \(what) changed its input \(input.name)\(at.isEmpty ? "" : " at \(at)") "
                     + "(\(formatNumber(Double(Float(bitPattern: original[index])))) before the call, "
                     + "\(formatNumber(Double(input.tensor.scalars[index]))) after)",
                 hint: "write your results into a new tensor (`var out = x` copies x the moment you write to out); writing "
                     + "through a pointer into \(input.name)'s storage changes the caller's \(input.name), which the next "
                     + "layer and the backward pass still read.")
            try finish()
        }
        return result
    }

    /// True while nothing has failed.
    var isClean: Bool { failures.isEmpty }

    mutating func pass(_ line: String) {
        lines.append("✓ " + line)
        Isolation.note("✓ " + line)
    }

    /// Throws when any output was wrong, with every output's line so the learner sees what is right too.
    func finish() throws(GradingFailure) {
        guard let first = failures.first else { return }
        let more = failures.count > 1 ? " (and \(failures.count - 1) more)" : ""
        throw GradingFailure(summary: first + more, failedOutput: failedOutputs[0],
                             details: (["\(exercise), on a random case: \(setup)"] + lines.map { "  " + $0 })
                                .joined(separator: "\n"))
    }
}

/// The largest error a passing comparison reached, per exercise, as a fraction of its tolerance:
/// how much room a correct answer leaves (the GradingTests print it for the reference answers).
final class ErrorLog: @unchecked Sendable {
    static let shared = ErrorLog()
    private let lock = NSLock()
    private var largest: [String: Double] = [:]

    func record(_ exercise: String, _ fractionOfTolerance: Double) {
        lock.withLock { largest[exercise] = max(largest[exercise] ?? 0, fractionOfTolerance) }
    }

    var snapshot: [String: Double] { lock.withLock { largest } }
}

/// A wrong answer, described for the learner: a one-line summary and the full diagnostic.
public struct GradingFailure: Error, Sendable {
    public var summary: String
    /// The first output that was wrong, e.g. "out (forward)": says which function has the bug.
    public var failedOutput: String
    public var details: String
}

extension Tensor {
    /// The elements as Doubles, for reference computations.
    var doubles: [Double] { scalars.map(Double.init) }
}

extension RandomSource {
    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + integer(below: range.count) }

    /// A tensor of N(0, scale²) draws.
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(normal: shape, standardDeviation: scale, rng: &self)
    }

    /// A tensor of N(0, scale²) draws moved at least `margin` away from zero, for functions with a
    /// kink at 0 (ReLU), where a centered difference straddling the kink would be meaningless.
    mutating func tensorAwayFromZero(_ shape: [Int], scale: Float = 1, margin: Float = 0.05) -> Tensor {
        var t = tensor(shape, scale: scale)
        for i in 0..<t.count { t.scalars[i] += t.scalars[i] < 0 ? -margin : margin }
        return t
    }
}

/// Cases graded from simple to hard, like the rungs of a ladder: when one fails, its diagnostic
/// also names the simpler rungs that passed ("identity shortcut passes; projection shortcut
/// fails"), which tells the learner where the mistake is before they read a number.
struct Ladder {
    private(set) var passed: [String] = []

    /// Grades one rung; a failure is re-thrown with the rungs below it named.
    mutating func rung(_ name: String, _ rng: inout RandomSource,
                       _ grade: (inout RandomSource) throws(GradingFailure) -> Void) throws(GradingFailure) {
        do {
            try grade(&rng)
        } catch {
            guard !passed.isEmpty else { throw error }
            var failure = error
            failure.summary += passed.count == 1 ? " (\(passed[0]) passes; \(name) fails)"
                : " (the \(passed.count) simpler cases pass; \(name) fails)"
            failure.details += "\n  Simpler cases that pass: \(passed.joined(separator: "; ")); the first that fails: \(name)."
            throw failure
        }
        passed.append(name)
    }
}
