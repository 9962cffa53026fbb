import Foundation  // sqrt

/// How a layer's weights or biases start out.
///
/// Scale matters: each layer multiplies its input's variance by about fanIn · Var(w). Too small
/// and the signal (and its gradient) shrinks layer after layer; too large and it blows up.
/// fan-in is the number of inputs each output sums over (`in` for a linear layer, Cin·K·K for a
/// convolution); fan-out the number of outputs each input feeds (`out`, Cout·K·K).
public enum Initializer: Sendable, Equatable {
    case zeros
    /// Every value the same (the 2017 tutorial's biases: 0.1, so ReLUs start active).
    case constant(Float)
    /// N(0, std²).
    case normal(standardDeviation: Float)
    /// N(0, std²) redrawn beyond two standard deviations (the 2017 tutorial's weights: std 0.1).
    case truncatedNormal(standardDeviation: Float)
    /// Xavier/Glorot: U(−a, a) with a = √(6 / (fanIn + fanOut)), so Var = 2 / (fanIn + fanOut).
    case xavierUniform
    /// Xavier/Glorot: N(0, 2 / (fanIn + fanOut)).
    case xavierNormal
    /// Kaiming/He for ReLU networks: N(0, 2 / fanIn). ReLU zeroes half its inputs, halving the
    /// variance; the factor 2 puts it back.
    case kaimingNormal
    /// Kaiming/He: U(−a, a) with a = √(6 / fanIn), the same variance 2 / fanIn.
    case kaimingUniform

    /// A tensor of `shape` drawn from this initializer.
    public func tensor(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomSource) -> Tensor {
        let fanIn = Float(max(fanIn, 1)), fanOut = Float(max(fanOut, 1))
        switch self {
        case .zeros:
            return Tensor(zeros: shape)
        case .constant(let value):
            return Tensor(repeating: value, shape: shape)
        case .normal(let std):
            return Tensor(normal: shape, standardDeviation: std, rng: &rng)
        case .truncatedNormal(let std):
            return Tensor(truncatedNormal: shape, standardDeviation: std, rng: &rng)
        case .xavierUniform:
            let a = sqrt(6 / (fanIn + fanOut))
            return Tensor(uniform: shape, low: -a, high: a, rng: &rng)
        case .xavierNormal:
            return Tensor(normal: shape, standardDeviation: sqrt(2 / (fanIn + fanOut)), rng: &rng)
        case .kaimingNormal:
            return Tensor(normal: shape, standardDeviation: sqrt(2 / fanIn), rng: &rng)
        case .kaimingUniform:
            let a = sqrt(6 / fanIn)
            return Tensor(uniform: shape, low: -a, high: a, rng: &rng)
        }
    }
}

extension Linear {
    /// A fully connected layer with freshly initialized weights (in, out) and biases (out).
    public convenience init(inputs: Int, outputs: Int, weights: Initializer, biases: Initializer = .zeros,
                            rng: inout RandomSource) {
        self.init(weight: weights.tensor([inputs, outputs], fanIn: inputs, fanOut: outputs, rng: &rng),
                  bias: biases.tensor([outputs], fanIn: inputs, fanOut: outputs, rng: &rng))
    }
}
