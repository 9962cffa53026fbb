/// Whether a forward pass is for training (dropout active, inputs cached for backward)
/// or for evaluation (deterministic, nothing kept).
public enum Mode: Sendable {
    case training
    case evaluation
}

/// A learnable tensor and the gradient of the loss with respect to it.
///
/// A class, not a struct, because identity matters: the layer that uses the weights, and the
/// optimizer that updates them and keeps per-parameter state (momentum, Adam's moments), must
/// refer to the same object.
public final class Parameter {
    public let name: String
    public var value: Tensor
    /// ∂loss/∂value, the same shape as `value`. Backward passes add into it; `zeroGradient()` clears it.
    public var gradient: Tensor { didSet { gradientIsZero = false } }
    /// True while `gradient` is known to hold only zeros (after `zeroGradient()`, or an Adam step,
    /// which clears the gradients as it reads them): clearing it again is then skipped. Any change
    /// to `gradient` sets it back to false.
    public internal(set) var gradientIsZero = true

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }

    public func zeroGradient() {
        guard !gradientIsZero else { return }
        gradient.zero()
        gradientIsZero = true
    }
}

/// One step of a network: a forward pass and the matching backward pass.
///
/// `forward` computes the output and keeps what backward will need (the "cache").
/// `backward` receives ∂loss/∂output, adds ∂loss/∂parameter into each parameter's gradient
/// (accumulating, as llm.c does), and returns ∂loss/∂input.
public protocol Layer: AnyObject {
    /// A short description for model summaries, e.g. "linear 784→10".
    var name: String { get }
    /// The learnable parameters (empty for ReLU, pooling, …).
    var parameters: [Parameter] { get }
    func forward(_ input: Tensor, mode: Mode) -> Tensor
    func backward(_ outputGradient: Tensor) -> Tensor
    /// The shape `forward` returns for an input of shape `inputShape` (batch dimension included).
    /// The default runs an evaluation-mode forward pass on zeros; the engine's layers compute it.
    func outputShape(for inputShape: [Int]) -> [Int]
}

extension Layer {
    public var parameters: [Parameter] { [] }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        forward(Tensor(zeros: inputShape), mode: .evaluation).shape
    }

    /// Clears the gradients of every parameter (call before each backward pass).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The total number of learnable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Layers applied one after another; backward runs them in reverse.
public final class Sequential: Layer {
    public var layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var name: String { "sequential (\(layers.count) layers)" }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        layers.reduce(input) { $1.forward($0, mode: mode) }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        layers.reversed().reduce(outputGradient) { $1.backward($0) }
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        layers.reduce(inputShape) { $1.outputShape(for: $0) }
    }
}
