import Foundation  // sqrt

/// Batch normalization: each channel (or feature) is standardized with the mean and variance of
/// the current batch, then scaled and shifted by learnable γ and β:
///
///   x is (N, C, H, W): statistics per channel c over N·H·W values   (after a convolution)
///   x is (N, C):       statistics per feature c over the N examples (after a linear layer)
///   x̂ = (x − mean[c]) / √(var[c] + ε),   out = γ[c]·x̂ + β[c]        out has x's shape
///
/// The convention is PyTorch's (torch.nn.BatchNorm2d/1d), so numbers can be compared with it:
/// ε = 1e-5 inside the square root; in training mode the batch's biased variance (divide by M)
/// normalizes, and the running statistics are updated as
///   running = (1 − momentum)·running + momentum·batch,   momentum = 0.1,
/// with the UNBIASED batch variance (times M / (M − 1)) for the running variance. Evaluation mode
/// normalizes with the running mean and variance instead: the output of one image then no longer
/// depends on the rest of its batch.
public final class BatchNorm: Layer {
    public let gamma: Parameter   // (C), starts at 1
    public let beta: Parameter    // (C), starts at 0
    public private(set) var runningMean: Tensor      // (C), starts at 0
    public private(set) var runningVariance: Tensor  // (C), starts at 1
    public let epsilon: Float
    public let momentum: Float
    private var cache: (input: Tensor, mean: [Float], inverseStd: [Float])?

    public var channels: Int { gamma.value.count }

    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        guard channels > 0 else { fatalError("BatchNorm: channels must be positive; got \(channels)") }
        gamma = Parameter("gamma", Tensor(repeating: 1, shape: [channels]))
        beta = Parameter("beta", Tensor(zeros: [channels]))
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(repeating: 1, shape: [channels])
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public var name: String { "batchnorm \(channels)" }
    public var parameters: [Parameter] { [gamma, beta] }

    /// (N, C) or (N, C, H, W) as groups of the normalization kernel.
    private func layout(for shape: [Int]) -> NormalizationLayout {
        guard (shape.count == 2 || shape.count == 4), shape[1] == channels else {
            fatalError("\(name): expected input (N, \(channels)) or (N, \(channels), H, W), got \(shape)")
        }
        return NormalizationLayout(outer: shape[0], groups: channels, inner: shape.dropFirst(2).reduce(1, *))
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { _ = layout(for: inputShape); return inputShape }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let l = layout(for: x.shape)
        var mean = runningMean.scalars, variance = runningVariance.scalars
        if mode == .training {
            let m = l.valuesPerGroup
            guard m > 1 else { fatalError("\(name): training needs more than one value per channel; got input \(x.shape)") }
            x.scalars.withUnsafeBufferPointer { groupMeanAndVariance(l, input: $0.baseAddress!, mean: &mean, variance: &variance) }
            for c in 0..<channels {   // PyTorch's update, unbiased variance
                runningMean.scalars[c] = (1 - momentum) * runningMean.scalars[c] + momentum * mean[c]
                runningVariance.scalars[c] = (1 - momentum) * runningVariance.scalars[c]
                    + momentum * variance[c] * Float(m) / Float(m - 1)
            }
        }
        let inverseStd = variance.map { 1 / sqrt($0 + epsilon) }
        // out = γ·(x − mean)·invStd + β = scale·x + shift
        let scale = (0..<channels).map { gamma.value.scalars[$0] * inverseStd[$0] }
        let shift = (0..<channels).map { beta.value.scalars[$0] - scale[$0] * mean[$0] }
        cache = mode == .training ? (x, mean, inverseStd) : nil
        return Tensor(uninitializedShape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { groupAffine(l, input: $0.baseAddress!, scale: scale, shift: shift, output: out.baseAddress!) }
        }
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let (x, mean, inverseStd) = cache else { fatalError("\(name): backward called without a training-mode forward pass") }
        guard dout.shape == x.shape else { fatalError("\(name): expected output gradient \(x.shape), got \(dout.shape)") }
        let l = layout(for: x.shape)
        var dBeta = [Float](repeating: 0, count: channels), dGamma = dBeta
        let dx = Tensor(uninitializedShape: x.shape) { dx in
            x.scalars.withUnsafeBufferPointer { x in
                dout.scalars.withUnsafeBufferPointer { dy in
                    groupNormalizationBackward(l, input: x.baseAddress!, outputGradient: dy.baseAddress!, mean: mean,
                                               inverseStd: inverseStd, gamma: gamma.value.scalars,
                                               inputGradient: dx.baseAddress!, sumDy: &dBeta, sumDyXhat: &dGamma)
                }
            }
        }
        for c in 0..<channels {   // accumulate, as every layer does
            beta.gradient.scalars[c] += dBeta[c]
            gamma.gradient.scalars[c] += dGamma[c]
        }
        return dx
    }
}
