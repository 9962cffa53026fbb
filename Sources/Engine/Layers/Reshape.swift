/// Views each example with another shape, keeping the batch dimension: (N, 784) → (N, 1, 28, 28)
/// with `Reshape(to: [1, 28, 28])`. No arithmetic, no parameters; backward views the gradient
/// back in the input's shape.
public final class Reshape: Layer {
    /// The shape of one example after the reshape (without the batch dimension).
    public let exampleShape: [Int]
    private var inputShape: [Int]?

    public init(to exampleShape: [Int]) {
        guard !exampleShape.isEmpty, exampleShape.allSatisfy({ $0 > 0 }) else {
            fatalError("Reshape: the example shape must have positive dimensions; got \(exampleShape)")
        }
        self.exampleShape = exampleShape
    }

    public var name: String { "reshape to \(exampleShape.map(String.init).joined(separator: "×"))" }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let perExample = exampleShape.reduce(1, *)
        guard let batch = inputShape.first, inputShape.dropFirst().reduce(1, *) == perExample else {
            fatalError("\(name): expected input (N, …) with \(perExample) values per example, got \(inputShape)")
        }
        return [batch] + exampleShape
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let shape = outputShape(for: x.shape)
        inputShape = x.shape
        return x.reshaped(shape)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let shape = inputShape else { fatalError("\(name): backward called before forward") }
        return dout.reshaped(shape)
    }
}

/// Flattens each example to a vector: (N, C, H, W) → (N, C·H·W), the bridge from convolutional
/// feature maps to fully connected layers.
public final class Flatten: Layer {
    private var inputShape: [Int]?

    public init() {}

    public var name: String { "flatten" }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        guard let batch = inputShape.first else { fatalError("\(name): expected input (N, …), got \(inputShape)") }
        return [batch, inputShape.dropFirst().reduce(1, *)]
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        inputShape = x.shape
        return x.reshaped(outputShape(for: x.shape))
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let shape = inputShape else { fatalError("\(name): backward called before forward") }
        return dout.reshaped(shape)
    }
}
