/// Max-pooling: each output is the largest value in its size × size window of one channel.
/// No parameters. The usual 2×2 window with stride 2 halves the height and width.
///
///   x   is (N, C, H, W)
///   out is (N, C, Ho, Wo)    Ho = (H − size) / stride + 1, likewise Wo
///
/// Backward sends each output's gradient to the one input that was the maximum (the others
/// did not affect the output, so their gradient is zero).
public final class MaxPool2D: Layer {
    public let size: Int
    public let stride: Int
    private var argmax: [Int32] = []   // where each maximum was, kept by a training-mode forward
    private var inputShape: [Int]?

    /// A size × size window moved `stride` pixels at a time (by default stride = size: windows do not overlap).
    public init(size: Int = 2, stride: Int? = nil) {
        guard size >= 1, (stride ?? size) >= 1 else {
            fatalError("MaxPool2D: size and stride must be at least 1; got size \(size), stride \(stride ?? size)")
        }
        self.size = size
        self.stride = stride ?? size
    }

    public var name: String { "maxpool \(size)×\(size)" + (stride == size ? "" : " stride \(stride)") }

    private func poolingShape(for shape: [Int]) -> PoolingShape {
        guard shape.count == 4, shape[2] >= size, shape[3] >= size else {
            fatalError("\(name): expected input (N, C, H, W) with H and W at least \(size), got \(shape)")
        }
        return PoolingShape(batch: shape[0], channels: shape[1], inputHeight: shape[2], inputWidth: shape[3],
                            size: size, stride: stride)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let s = poolingShape(for: inputShape)
        return [s.batch, s.channels, s.outputHeight, s.outputWidth]
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let s = poolingShape(for: x.shape)
        let outShape = [s.batch, s.channels, s.outputHeight, s.outputWidth]
        // maxPoolForward writes every output and every position: neither needs clearing first.
        var positions: [Int32] = []
        let out = Tensor(uninitializedShape: outShape) { out in
            positions = [Int32](unsafeUninitializedCapacity: out.count) { arg, initialized in
                x.scalars.withUnsafeBufferPointer { x in
                    maxPoolForward(s, input: x.baseAddress!, output: out.baseAddress!, argmax: arg.baseAddress!)
                }
                initialized = out.count
            }
        }
        if mode == .training {
            argmax = positions
            inputShape = x.shape
        }
        return out
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let shape = inputShape else { fatalError("\(name): backward called without a training-mode forward pass") }
        let s = poolingShape(for: shape)
        guard dout.shape == [s.batch, s.channels, s.outputHeight, s.outputWidth] else {
            fatalError("\(name): expected output gradient \([s.batch, s.channels, s.outputHeight, s.outputWidth]), got \(dout.shape)")
        }
        return Tensor(uninitializedShape: shape) { dx in
            dout.scalars.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { arg in
                    maxPoolBackward(s, outputGradient: dy.baseAddress!, argmax: arg.baseAddress!, inputGradient: dx.baseAddress!)
                }
            }
        }
    }
}
