/// Inverted dropout: during training each value is kept with probability p and scaled by 1/p,
/// or zeroed; in evaluation mode the layer does nothing.
///
///   mask[i] = 1/p with probability p, else 0      (a fresh mask every training step)
///   out     = x · mask                             backward: dx = dout · mask
///
/// Scaling by 1/p at training time keeps each value's expectation unchanged, E[out] = x, so the
/// full network can be used as it is at test time (the original paper instead scaled the
/// weights by p at test time). Each step trains a different "thinned" network; the test-time
/// network approximates the average of all of them.
public final class Dropout: Layer {
    /// p: the probability that a value is kept. 1 turns dropout off.
    public let keepProbability: Float
    var rng: RandomSource   // internal: checkpoints save and restore it
    private var mask: Tensor?

    /// `seed` gives the layer its own random stream (the lessons derive it from --seed).
    public init(keepProbability: Float, seed: UInt64) {
        guard keepProbability > 0, keepProbability <= 1 else {
            fatalError("Dropout: the keep probability must be in (0, 1]; got \(keepProbability)")
        }
        self.keepProbability = keepProbability
        // Mixed with a constant so the stream differs from others seeded with the same number.
        self.rng = RandomSource(seed: seed ^ 0xD809_5A17_C3E1_0B4F)
    }

    public var name: String { "dropout keep \(keepProbability)" }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training, keepProbability < 1 else {
            mask = nil
            return x
        }
        let p = keepProbability, scale = 1 / keepProbability
        let m = Tensor(uninitializedShape: x.shape) { m in
            for i in m.indices { m[i] = rng.uniform() < p ? scale : 0 }
        }
        mask = m
        return Tensor(uninitializedShape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { x in
                m.scalars.withUnsafeBufferPointer { m in
                    multiplyElementwise(x.baseAddress!, m.baseAddress!, out.baseAddress!, count: x.count)
                }
            }
        }
    }

    /// Training mode with the given mask (values 0 or 1/p), for tests and exercises that need a known mask.
    public func forward(_ x: Tensor, mask m: Tensor) -> Tensor {
        guard m.shape == x.shape else { fatalError("\(name): mask \(m.shape) does not match input \(x.shape)") }
        mask = m
        var out = x
        for i in 0..<out.count { out.scalars[i] *= m.scalars[i] }
        return out
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let m = mask else { return dout }   // dropout was off: the identity
        guard dout.shape == m.shape else { fatalError("\(name): expected output gradient \(m.shape), got \(dout.shape)") }
        return Tensor(uninitializedShape: dout.shape) { dx in
            dout.scalars.withUnsafeBufferPointer { dy in
                m.scalars.withUnsafeBufferPointer { m in
                    multiplyElementwise(dy.baseAddress!, m.baseAddress!, dx.baseAddress!, count: dx.count)
                }
            }
        }
    }
}
