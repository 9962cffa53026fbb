import Foundation  // pow

/// Updates parameters from their gradients. Call `step` once per training step, after backward.
public protocol Optimizer: AnyObject {
    /// The step size; lessons may change it between steps (a learning-rate schedule).
    var learningRate: Float { get set }
    func step(_ parameters: [Parameter])
}

/// Stochastic gradient descent, optionally with (heavy-ball) momentum:
///   velocity = momentum · velocity + gradient
///   value   −= learningRate · velocity
/// With momentum 0 this is plain SGD: value −= learningRate · gradient.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    private var velocity: [ObjectIdentifier: Tensor] = [:]

    public init(learningRate: Float, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters {
            if momentum == 0 {
                p.value.add(p.gradient, scaledBy: -learningRate)
                continue
            }
            var v = velocity.removeValue(forKey: ObjectIdentifier(p)) ?? Tensor(zeros: p.value.shape)
            let mu = momentum
            v.scalars.withUnsafeMutableBufferPointer { v in
                p.gradient.scalars.withUnsafeBufferPointer { g in
                    for i in 0..<v.count { v[i] = mu * v[i] + g[i] }
                }
            }
            p.value.add(v, scaledBy: -learningRate)
            velocity[ObjectIdentifier(p)] = v
        }
    }
}

/// Adam (Kingma & Ba, 2015), and AdamW when `weightDecay` > 0 (Loshchilov & Hutter, 2019).
///
///   m = β1·m + (1 − β1)·g            running mean of gradients (first moment)
///   v = β2·v + (1 − β2)·g²           running mean of squared gradients (second moment)
///   m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)   bias correction: m and v start at 0
///   value −= lr · ( m̂ / (√v̂ + ε) + weightDecay · value )
///
/// The weight decay is decoupled: it shrinks the weights directly instead of being added to the
/// gradient, so Adam's per-parameter scaling does not weaken it.
///
/// `step` leaves every gradient it used at zero (it clears them as it reads them, which is cheaper
/// than a second pass over memory), so the `zeroGradients()` before the next backward has nothing to do.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// The number of steps taken so far (t in the formulas).
    public internal(set) var stepCount = 0
    var moments: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]   // internal: checkpoints save and restore them

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let (b1, b2, eps, lr, decay) = (beta1, beta2, epsilon, learningRate, weightDecay)
        for p in parameters {
            let key = ObjectIdentifier(p)
            var state = moments.removeValue(forKey: key)
                ?? (Array(repeating: 0, count: p.value.count), Array(repeating: 0, count: p.value.count))
            state.m.withUnsafeMutableBufferPointer { m in
                state.v.withUnsafeMutableBufferPointer { v in
                    p.gradient.scalars.withUnsafeMutableBufferPointer { g in
                        p.value.scalars.withUnsafeMutableBufferPointer { w in
                            guard w.count > 0 else { return }
                            // The formulas above, as a SIMD loop on several threads (Kernels/OptimizerKernels.swift).
                            adamUpdate(weights: w.baseAddress!, gradients: g.baseAddress!, firstMoments: m.baseAddress!,
                                       secondMoments: v.baseAddress!, count: w.count, learningRate: lr, beta1: b1,
                                       beta2: b2, epsilon: eps, weightDecay: decay,
                                       correction1: correction1, correction2: correction2)
                        }
                    }
                }
            }
            moments[key] = state
            p.gradientIsZero = true
        }
    }
}

/// AdamW: Adam with decoupled weight decay (0.01 by default, as in PyTorch).
public func AdamW(learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
    Adam(learningRate: learningRate, weightDecay: weightDecay)
}
