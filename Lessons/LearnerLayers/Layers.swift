// Layers that run the learner's own forward and backward passes (Exercises/) inside the engine's
// Layer protocol, sharing their parameters with the engine layers they replace.
import Engine
import Grading

/// A linear layer computed by `linearForward`/`linearBackward` from Exercises/01-Linear.swift.
public final class LearnerLinear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?
    private let code: Implementations

    /// Takes over `linear`'s parameters (the same objects, so the optimizer sees no difference).
    public init(replacing linear: Linear, code: Implementations) {
        weight = linear.weight
        bias = linear.bias
        self.code = code
    }

    public var name: String { "your linear \(weight.value.shape[0])→\(weight.value.shape[1])" }
    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        if mode == .training { input = x }
        return code.linearForward(x, weight.value, bias.value)          // (N, out)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        let gradients = code.linearBackward(dout, x, weight.value)
        weight.gradient.add(gradients.weight)                              // backward adds into gradients
        bias.gradient.add(gradients.bias)
        return gradients.input
    }
}

/// ReLU computed by `reluForward`/`reluBackward` from Exercises/04-Activations.swift.
public final class LearnerReLU: Layer {
    private var input: Tensor?
    private let code: Implementations

    public init(code: Implementations) { self.code = code }

    public var name: String { "your relu" }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        if mode == .training { input = x }
        return code.reluForward(x)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        return code.reluBackward(dout, x)
    }
}
