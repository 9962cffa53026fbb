// Layers that run the learner's own forward and backward passes (Exercises/) inside the engine's
// Layer protocol.
//
// Training steps (mode .training) run the learner's code, forward and backward. Evaluation passes
// run the engine's layer on the same weights: plain loops take about an hour over 10,000 test
// images in lesson 04, and the learner's code has already passed the check that it computes the
// same function.
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

    /// A layer with the given initial weights (in, out) and biases (out).
    public init(weight: Tensor, bias: Tensor, code: Implementations) {
        self.weight = Parameter("weight", weight)
        self.bias = Parameter("bias", bias)
        self.code = code
    }

    public var name: String { "your linear \(weight.value.shape[0])→\(weight.value.shape[1])" }
    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training else {
            return Linear(weight: weight.value, bias: bias.value).forward(x, mode: mode)   // the engine's, same weights
        }
        input = x
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
        guard mode == .training else { return ReLU().forward(x, mode: mode) }   // the engine's
        input = x
        return code.reluForward(x)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        return code.reluBackward(dout, x)
    }
}

/// A convolution computed by `conv2dForward`/`conv2dBackward` from Exercises/04-Convolution.swift.
public final class LearnerConv2D: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let stride: Int
    public let padding: Int
    private var input: Tensor?
    private let code: Implementations

    /// Filters (F, C, K, K) and biases (F).
    public init(weight: Tensor, bias: Tensor, stride: Int, padding: Int, code: Implementations) {
        self.weight = Parameter("weight", weight)
        self.bias = Parameter("bias", bias)
        self.stride = stride
        self.padding = padding
        self.code = code
    }

    public var name: String {
        let s = weight.value.shape
        return "your conv \(s[2])×\(s[3]) \(s[1])→\(s[0])" + (stride == 1 ? "" : " stride \(stride)") + " padding \(padding)"
    }
    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training else {                                   // the engine's, same weights
            return Conv2D(weight: weight.value, bias: bias.value, stride: stride, padding: padding).forward(x, mode: mode)
        }
        input = x
        return code.conv2dForward(x, weight.value, bias.value, stride, padding)   // (N, F, OH, OW)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        let gradients = code.conv2dBackward(dout, x, weight.value, stride, padding)
        weight.gradient.add(gradients.weight)
        bias.gradient.add(gradients.bias)
        return gradients.input
    }
}

/// Max-pooling computed by `maxPoolForward`/`maxPoolBackward` from Exercises/04-MaxPooling.swift.
public final class LearnerMaxPool2D: Layer {
    public let size: Int
    public let stride: Int
    private var input: Tensor?
    private let code: Implementations

    public init(size: Int, stride: Int, code: Implementations) {
        self.size = size
        self.stride = stride
        self.code = code
    }

    public var name: String { "your maxpool \(size)×\(size)" + (stride == size ? "" : " stride \(stride)") }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training else { return MaxPool2D(size: size, stride: stride).forward(x, mode: mode) }   // the engine's
        input = x
        return code.maxPoolForward(x, size, stride)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        return code.maxPoolBackward(dout, x, size, stride)
    }
}

/// Inverted dropout computed by `dropoutForward`/`dropoutBackward` from Exercises/05-Dropout.swift.
/// The layer draws the random 0/1 mask (each unit kept with probability p); the learner's code
/// applies it. In evaluation mode the layer does nothing.
public final class LearnerDropout: Layer {
    public let keepProbability: Float
    private var rng: RandomSource
    private var mask: Tensor?
    private let code: Implementations

    public init(keepProbability: Float, seed: UInt64, code: Implementations) {
        self.keepProbability = keepProbability
        self.rng = RandomSource(seed: seed ^ 0xD809_5A17_C3E1_0B4F)
        self.code = code
    }

    public var name: String { "your dropout keep \(keepProbability)" }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training, keepProbability < 1 else {
            mask = nil
            return x
        }
        var m = Tensor(zeros: x.shape)
        for i in 0..<m.count where rng.uniform() < keepProbability { m.scalars[i] = 1 }
        mask = m
        return code.dropoutForward(x, m, keepProbability)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let m = mask else { return dout }            // evaluation mode, or p = 1: nothing was dropped
        return code.dropoutBackward(dout, m, keepProbability)
    }
}
