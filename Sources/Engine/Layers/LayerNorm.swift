import Foundation  // sqrt

/// Layer normalization: each example is standardized over its own D features, then every
/// feature is scaled and shifted by learnable γ[d] and β[d]:
///
///   x is (N, D) (or (N, …) with D values per example); out has x's shape
///   x̂[n, d] = (x[n, d] − mean[n]) / √(var[n] + ε),   out[n, d] = γ[d]·x̂[n, d] + β[d]
///
/// Unlike batch norm it never looks across the batch: no running statistics, and training and
/// evaluation compute exactly the same thing. ε = 1e-5, the variance biased (divide by D).
public final class LayerNorm: Layer {
    public let gamma: Parameter   // (D), starts at 1
    public let beta: Parameter    // (D), starts at 0
    public let epsilon: Float
    private var cache: (input: Tensor, mean: [Float], inverseStd: [Float], normalized: Tensor)?

    public var features: Int { gamma.value.count }

    public init(features: Int, epsilon: Float = 1e-5) {
        guard features > 0 else { fatalError("LayerNorm: features must be positive; got \(features)") }
        gamma = Parameter("gamma", Tensor(repeating: 1, shape: [features]))
        beta = Parameter("beta", Tensor(zeros: [features]))
        self.epsilon = epsilon
    }

    public var name: String { "layernorm \(features)" }
    public var parameters: [Parameter] { [gamma, beta] }

    /// Each example is one group of D values: outer 1, groups N, inner D.
    private func layout(for shape: [Int]) -> NormalizationLayout {
        guard shape.count >= 2, shape.dropFirst().reduce(1, *) == features else {
            fatalError("\(name): expected input (N, \(features)) or (N, …) with \(features) values per example, got \(shape)")
        }
        return NormalizationLayout(outer: 1, groups: shape[0], inner: features)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { _ = layout(for: inputShape); return inputShape }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let l = layout(for: x.shape)
        var mean = [Float](repeating: 0, count: l.groups), variance = mean
        x.scalars.withUnsafeBufferPointer { groupMeanAndVariance(l, input: $0.baseAddress!, mean: &mean, variance: &variance) }
        let inverseStd = variance.map { 1 / sqrt($0 + epsilon) }
        let shift = (0..<l.groups).map { -mean[$0] * inverseStd[$0] }
        let normalized = Tensor(uninitializedShape: x.shape) { xhat in   // x̂ = invStd·x − invStd·mean
            x.scalars.withUnsafeBufferPointer { groupAffine(l, input: $0.baseAddress!, scale: inverseStd, shift: shift, output: xhat.baseAddress!) }
        }
        var out = normalized
        for n in 0..<l.groups { for d in 0..<features {
            out.scalars[n * features + d] = gamma.value.scalars[d] * normalized.scalars[n * features + d] + beta.value.scalars[d]
        } }
        cache = mode == .training ? (x, mean, inverseStd, normalized) : nil
        return out
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let (x, mean, inverseStd, xhat) = cache else { fatalError("\(name): backward called without a training-mode forward pass") }
        guard dout.shape == x.shape else { fatalError("\(name): expected output gradient \(x.shape), got \(dout.shape)") }
        let l = layout(for: x.shape)
        var g = dout   // g = ∂L/∂x̂ = dy·γ[d]
        for n in 0..<l.groups { for d in 0..<features {
            let i = n * features + d
            beta.gradient.scalars[d] += dout.scalars[i]
            gamma.gradient.scalars[d] += dout.scalars[i] * xhat.scalars[i]
            g.scalars[i] = dout.scalars[i] * gamma.value.scalars[d]
        } }
        // Through x̂ = (x − mean[n])·invStd[n], with each row's own mean and variance (γ = 1 there).
        let ones = [Float](repeating: 1, count: l.groups)
        var sums = ones, sums2 = ones   // Σg and Σg·x̂ per row: not needed here
        return Tensor(uninitializedShape: x.shape) { dx in
            x.scalars.withUnsafeBufferPointer { x in
                g.scalars.withUnsafeBufferPointer { g in
                    groupNormalizationBackward(l, input: x.baseAddress!, outputGradient: g.baseAddress!, mean: mean,
                                               inverseStd: inverseStd, gamma: ones, inputGradient: dx.baseAddress!,
                                               sumDy: &sums, sumDyXhat: &sums2)
                }
            }
        }
    }
}
