import Engine
import Foundation

/// Elementwise activations: the forward pass against the function computed in Double, the backward
/// pass against the numerical gradient of Σ dout ⊙ f(x) with a random dout.
enum Chapter04ActivationChecks {
    struct Activation {
        let title: String
        var slopeNote = ""
        let function: (Double) -> Double
        let forward: (Tensor) -> Tensor
        let backward: (Tensor, Tensor) -> Tensor
        let forwardHint: String
        let backwardHint: String
        /// Wrong backward passes learners often write: (x, dout, numerical dx) -> mistakes.
        var mistakes: (_ x: [Double], _ dout: [Double], _ numerical: [Double]) -> [KnownMistake] = { _, _, _ in [] }
        /// Keep inputs away from a kink at 0.
        var hasKinkAtZero = false
        var scale: Float = 2
    }

    static func randomShape(_ rng: inout RandomSource) -> [Int] {
        switch rng.int(1...3) {
        case 1: [rng.int(8...40)]
        case 2: [rng.int(2...6), rng.int(3...8)]
        default: [rng.int(1...2), rng.int(1...3), rng.int(2...4), rng.int(2...4)]
        }
    }

    static func check(_ a: Activation, _ rng: inout RandomSource) throws(GradingFailure) {
        let shape = randomShape(&rng)
        var x = a.hasKinkAtZero ? rng.tensorAwayFromZero(shape, scale: a.scale) : rng.tensor(shape, scale: a.scale)
        x.scalars[0] = -abs(x.scalars[0])                 // both signs, always
        x.scalars[x.count - 1] = abs(x.scalars[x.count - 1])
        let dout = rng.tensor(shape)
        var report = CaseReport(a.title, setup: "x \(formatShape(shape)) ~ N(0, \(a.scale)²)"
            + (a.hasKinkAtZero ? " kept 0.05 away from 0" : "") + a.slopeNote + ", random upstream gradient dout")
        let out = try report.call("forward pass", inputs: [("x", x)]) { a.forward(x) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: shape, values: x.doubles.map(a.function)),
                       kind: .exact, hint: a.forwardHint)
        try report.finish()
        let dx = try report.call("backward pass", inputs: [("dout", dout), ("x", x)]) { a.backward(dout, x) }
        let numerical = Reference.gradients(of: { $0[0].map(a.function) }, at: [x.doubles], upstream: dout.doubles)[0]
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: shape, values: numerical),
                       hint: a.backwardHint, mistakes: a.mistakes(x.doubles, dout.doubles, numerical))
        try report.finish()
    }

    /// f′(x) alone, without the upstream gradient: the most common slip in every backward pass.
    static func forgotUpstream(_ derivative: @escaping (Double) -> Double) -> ([Double], [Double], [Double]) -> [KnownMistake] {
        { x, _, _ in [KnownMistake(description: "you return f′(x) without multiplying by dout", values: x.map(derivative))] }
    }

    static func relu(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try check(Activation(
            title: "ReLU", function: { max(0, $0) }, forward: code.reluForward, backward: code.reluBackward,
            forwardHint: "max(0, x), element by element.",
            backwardHint: "dx = dout where x > 0, 0 elsewhere: the gradient passes through the units that were on.",
            mistakes: { x, dout, numerical in
                forgotUpstream({ $0 > 0 ? 1 : 0 })(x, dout, numerical)
                    + [KnownMistake(description: "you pass dout through everywhere, even where x ≤ 0", values: dout)]
            },
            hasKinkAtZero: true), &rng)
    }

    static func sigmoid(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try check(Activation(
            title: "Sigmoid", function: Reference.sigmoid, forward: code.sigmoidForward, backward: code.sigmoidBackward,
            forwardHint: "1 / (1 + exp(−x)).",
            backwardHint: "dx = dout · σ(x)·(1 − σ(x)), with σ(x) the forward output, not x.",
            mistakes: { x, dout, numerical in
                forgotUpstream({ Reference.sigmoid($0) * (1 - Reference.sigmoid($0)) })(x, dout, numerical)
                    + [KnownMistake(description: "you use x where σ(x) belongs: dout·x·(1 − x)",
                                    values: zip(x, dout).map { $1 * $0 * (1 - $0) })]
            }), &rng)
    }

    static func tanh(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try check(Activation(
            title: "Tanh", function: Foundation.tanh, forward: code.tanhForward, backward: code.tanhBackward,
            forwardHint: "Foundation's tanh, element by element.",
            backwardHint: "dx = dout · (1 − tanh(x)²).",
            mistakes: { x, dout, numerical in
                forgotUpstream({ 1 - Foundation.tanh($0) * Foundation.tanh($0) })(x, dout, numerical)
                    + [KnownMistake(description: "you square x instead of tanh(x): dout·(1 − x²)",
                                    values: zip(x, dout).map { $1 * (1 - $0 * $0) })]
            }, scale: 1.5), &rng)
    }

    static func leakyReLU(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let slope = rng.uniform(0.01, 0.3)
        try check(Activation(
            title: "Leaky ReLU", slopeNote: ", negative slope \(slope)",
            function: { $0 > 0 ? $0 : Double(slope) * $0 },
            forward: { code.leakyReLUForward($0, slope) }, backward: { code.leakyReLUBackward($0, $1, slope) },
            forwardHint: "x where x > 0, negativeSlope·x where x ≤ 0.",
            backwardHint: "dx = dout where x > 0, negativeSlope·dout where x ≤ 0.",
            mistakes: { x, dout, _ in
                [KnownMistake(description: "the negative side gets no gradient (the plain ReLU backward)",
                              values: zip(x, dout).map { $0 > 0 ? $1 : 0 })]
            },
            hasKinkAtZero: true), &rng)
    }

    static func gelu(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try check(Activation(
            title: "GELU", function: Reference.gelu, forward: code.geluForward, backward: code.geluBackward,
            forwardHint: "x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)), the exact form (Foundation's erf).",
            backwardHint: "dx = dout · (Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π): the product rule on x·Φ(x).",
            mistakes: { x, dout, _ in
                [KnownMistake(description: "you leave out the x·φ(x) term of the product rule",
                              values: zip(x, dout).map { $1 * Reference.normalCDF($0) })]
            }), &rng)
    }
}
