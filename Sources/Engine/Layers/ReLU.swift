/// The rectified linear unit: out = max(x, 0), element by element. No parameters.
///
/// Its gradient is 1 where x > 0 and 0 elsewhere: it never saturates for positive inputs (unlike
/// sigmoid), but a unit whose input is negative for every example gets no gradient at all and
/// stops learning (a "dead ReLU").
public final class ReLU: Layer {
    private var output: Tensor?   // out > 0 exactly where x > 0, so the output is all backward needs

    public init() {}

    public var name: String { "relu" }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { x in reluForward(x.baseAddress!, out.baseAddress!, count: x.count) }
        }
        output = mode == .training ? out : nil
        return out
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let out = output else { fatalError("\(name): backward called without a training-mode forward pass") }
        guard dout.shape == out.shape else {
            fatalError("\(name): expected output gradient \(out.shape), got \(dout.shape)")
        }
        return Tensor(uninitializedShape: out.shape) { dx in
            out.scalars.withUnsafeBufferPointer { y in
                dout.scalars.withUnsafeBufferPointer { dy in
                    reluBackward(output: y.baseAddress!, outputGradient: dy.baseAddress!,
                                 inputGradient: dx.baseAddress!, count: dx.count)
                }
            }
        }
    }
}
