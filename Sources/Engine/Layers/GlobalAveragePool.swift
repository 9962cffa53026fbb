/// Global average pooling: each feature map becomes its mean, (N, C, H, W) → (N, C). No
/// parameters. It replaces flattening before the classifier: whatever the image size, the last
/// stage's C channels become C features, and the fully connected layer after it stays small.
///
///   out[n, c] = Σ_{y, x} x[n, c, y, x] / (H·W)
///   backward: every position of plane (n, c) receives dout[n, c] / (H·W)
public final class GlobalAveragePool: Layer {
    private var inputShape: [Int]?

    public init() {}

    public var name: String { "global average pool" }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        guard inputShape.count == 4, inputShape[2] > 0, inputShape[3] > 0 else {
            fatalError("\(name): expected input (N, C, H, W), got \(inputShape)")
        }
        return [inputShape[0], inputShape[1]]
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let shape = outputShape(for: x.shape), area = x.shape[2] * x.shape[3]
        inputShape = mode == .training ? x.shape : nil
        return Tensor(uninitializedShape: shape) { out in
            x.scalars.withUnsafeBufferPointer { x in
                for plane in 0..<out.count {   // plane = n·C + c
                    var sum: Float = 0
                    for i in 0..<area { sum += x[plane * area + i] }
                    out[plane] = sum / Float(area)
                }
            }
        }
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let shape = inputShape else { fatalError("\(name): backward called without a training-mode forward pass") }
        guard dout.shape == [shape[0], shape[1]] else {
            fatalError("\(name): expected output gradient \([shape[0], shape[1]]), got \(dout.shape)")
        }
        let area = shape[2] * shape[3]
        return Tensor(uninitializedShape: shape) { dx in
            dout.scalars.withUnsafeBufferPointer { dy in
                for plane in 0..<dy.count {
                    let share = dy[plane] / Float(area)
                    for i in 0..<area { dx[plane * area + i] = share }
                }
            }
        }
    }
}
