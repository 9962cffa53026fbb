import Engine

/// One implementation of every exercise function: the learner's (Exercises), the reference
/// answers (Solutions), or a planted bug. The grader calls exercises only through this table, so
/// the same checks grade all three.
///
/// Each entry is a closure with the exercise function's parameters in the same order; the
/// builders (LearnerLayers' `Implementations.learner`, the test targets' tables) spell the
/// argument labels out, e.g. `table.linearForward = { linearForward(input: $0, weight: $1, bias: $2) }`.
/// An entry nobody filled in stops the program with a message naming it.
public struct Implementations: Sendable {
    public typealias Gradients = (input: Tensor, weight: Tensor, bias: Tensor)
    public typealias NormGradients = (input: Tensor, gamma: Tensor, beta: Tensor)
    /// A piece of a network as its two passes: forward(x) -> out, backward(dout, x) -> dx.
    public typealias Passes = (forward: (Tensor) -> Tensor, backward: (Tensor, Tensor) -> Tensor)

    // Chapter 01
    /// (f, x, step h) -> gradient
    public var numericalGradient: @Sendable (([Double]) -> Double, [Double], Double) -> [Double]
        = { _, _, _ in missing("numericalGradient") }
    /// (logits, labels) -> (loss, ∂loss/∂logits)
    public var softmaxCrossEntropy: @Sendable (Tensor, [Int]) -> (loss: Float, gradient: Tensor)
        = { _, _ in missing("softmaxCrossEntropyLoss") }
    /// (x, W, b) -> out
    public var linearForward: @Sendable (Tensor, Tensor, Tensor) -> Tensor = { _, _, _ in missing("linearForward") }
    /// (dout, x, W) -> (dx, dW, db)
    public var linearBackward: @Sendable (Tensor, Tensor, Tensor) -> Gradients = { _, _, _ in missing("linearBackward") }

    // Chapter 03
    /// (parameter, gradient, learning rate)
    public var sgdStep: @Sendable (inout Tensor, Tensor, Float) -> Void = { _, _, _ in missing("sgdStep") }
    /// (parameter, velocity, gradient, learning rate, momentum)
    public var momentumStep: @Sendable (inout Tensor, inout Tensor, Tensor, Float, Float) -> Void
        = { _, _, _, _, _ in missing("momentumStep") }
    /// (parameter, m, v, gradient, t, learning rate, β1, β2, ε)
    public var adamStep: @Sendable (inout Tensor, inout Tensor, inout Tensor, Tensor, Int, Float, Float, Float, Float) -> Void
        = { _, _, _, _, _, _, _, _, _ in missing("adamStep") }

    // Chapter 04: activations. Forward (x) -> out; backward (dout, x) -> dx.
    public var reluForward: @Sendable (Tensor) -> Tensor = { _ in missing("reluForward") }
    public var reluBackward: @Sendable (Tensor, Tensor) -> Tensor = { _, _ in missing("reluBackward") }
    public var sigmoidForward: @Sendable (Tensor) -> Tensor = { _ in missing("sigmoidForward") }
    public var sigmoidBackward: @Sendable (Tensor, Tensor) -> Tensor = { _, _ in missing("sigmoidBackward") }
    public var tanhForward: @Sendable (Tensor) -> Tensor = { _ in missing("tanhForward") }
    public var tanhBackward: @Sendable (Tensor, Tensor) -> Tensor = { _, _ in missing("tanhBackward") }
    /// (x, negative slope) -> out
    public var leakyReLUForward: @Sendable (Tensor, Float) -> Tensor = { _, _ in missing("leakyReLUForward") }
    /// (dout, x, negative slope) -> dx
    public var leakyReLUBackward: @Sendable (Tensor, Tensor, Float) -> Tensor = { _, _, _ in missing("leakyReLUBackward") }
    public var geluForward: @Sendable (Tensor) -> Tensor = { _ in missing("geluForward") }
    public var geluBackward: @Sendable (Tensor, Tensor) -> Tensor = { _, _ in missing("geluBackward") }

    // Chapter 04: convolution and pooling
    /// (x, w, b, stride, padding) -> out
    public var conv2dForward: @Sendable (Tensor, Tensor, Tensor, Int, Int) -> Tensor = { _, _, _, _, _ in missing("conv2dForward") }
    /// (dout, x, w, stride, padding) -> (dx, dw, db)
    public var conv2dBackward: @Sendable (Tensor, Tensor, Tensor, Int, Int) -> Gradients
        = { _, _, _, _, _ in missing("conv2dBackward") }
    /// (x, size, stride) -> out
    public var maxPoolForward: @Sendable (Tensor, Int, Int) -> Tensor = { _, _, _ in missing("maxPoolForward") }
    /// (dout, x, size, stride) -> dx
    public var maxPoolBackward: @Sendable (Tensor, Tensor, Int, Int) -> Tensor = { _, _, _, _ in missing("maxPoolBackward") }

    // Chapter 05
    /// (x, mask, keep probability) -> out
    public var dropoutForward: @Sendable (Tensor, Tensor, Float) -> Tensor = { _, _, _ in missing("dropoutForward") }
    /// (dout, mask, keep probability) -> dx
    public var dropoutBackward: @Sendable (Tensor, Tensor, Float) -> Tensor = { _, _, _ in missing("dropoutBackward") }

    // Chapter 06
    /// (shape, rng) -> weights
    public var kaimingNormal: @Sendable ([Int], inout RandomSource) -> Tensor = { _, _ in missing("kaimingNormal") }

    // Chapter 07. Forward (x, γ, β, ε) -> out; backward (dout, x, γ, ε) -> (dx, dγ, dβ).
    public var batchNormForward: @Sendable (Tensor, Tensor, Tensor, Float) -> Tensor = { _, _, _, _ in missing("batchNormForward") }
    public var batchNormBackward: @Sendable (Tensor, Tensor, Tensor, Float) -> NormGradients
        = { _, _, _, _ in missing("batchNormBackward") }
    public var layerNormForward: @Sendable (Tensor, Tensor, Tensor, Float) -> Tensor = { _, _, _, _ in missing("layerNormForward") }
    public var layerNormBackward: @Sendable (Tensor, Tensor, Tensor, Float) -> NormGradients
        = { _, _, _, _ in missing("layerNormBackward") }
    /// (x, γ, β, running mean, running variance, ε) -> out
    public var batchNormEvaluationForward: @Sendable (Tensor, Tensor, Tensor, Tensor, Tensor, Float) -> Tensor
        = { _, _, _, _, _, _ in missing("batchNormEvaluationForward") }
    /// (running mean, running variance, x, momentum), the running averages updated in place
    public var batchNormUpdateRunningStatistics: @Sendable (inout Tensor, inout Tensor, Tensor, Float) -> Void
        = { _, _, _, _ in missing("batchNormUpdateRunningStatistics") }
    /// (x, branch, projection or nil for the identity) -> out
    public var residualBlockForward: @Sendable (Tensor, Passes, Passes?) -> Tensor = { _, _, _ in missing("residualBlockForward") }
    /// (dout, x, branch, projection or nil) -> dx
    public var residualBlockBackward: @Sendable (Tensor, Tensor, Passes, Passes?) -> Tensor
        = { _, _, _, _ in missing("residualBlockBackward") }
    /// (x) -> out; (dout, x) -> dx
    public var globalAveragePoolForward: @Sendable (Tensor) -> Tensor = { _ in missing("globalAveragePoolForward") }
    public var globalAveragePoolBackward: @Sendable (Tensor, Tensor) -> Tensor = { _, _ in missing("globalAveragePoolBackward") }

    // Chapter 08
    /// (image (C, H, W), padding, top, left) -> shifted image
    public var shift: @Sendable (Tensor, Int, Int, Int) -> Tensor = { _, _, _, _ in missing("shift") }
    /// (image (C, H, W)) -> mirrored image
    public var horizontalFlip: @Sendable (Tensor) -> Tensor = { _ in missing("horizontalFlip") }
    /// (logits of each copy, each (N, classes)) -> averaged probabilities (N, classes)
    public var testTimeAugmentation: @Sendable ([Tensor]) -> Tensor = { _ in missing("testTimeAugmentation") }

    public init() {}
}

private func missing(_ name: String) -> Never {
    fatalError("Implementations.\(name) was not filled in (see Implementations.swift)")
}
