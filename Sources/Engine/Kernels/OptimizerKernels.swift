// The Adam update as a SIMD loop, split across threads for large parameters (lesson 04's fully
// connected layer has 3.2 million weights: a scalar loop over them costs as much as a convolution).
// It is a stream through memory (read w, g, m, v; write w, m, v), so it also clears each gradient
// while it is in cache: the separate pass that zeroGradients() would make costs as much again.

/// Parameters with at least this many values are updated on several threads.
private let parallelThreshold = 200_000

/// One Adam step over `count` values (see `Adam` in Optimizers/Optimizer.swift for the formulas):
///   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;  w −= lr · ( (m / c1) / (√(v / c2) + ε) + decay · w )
/// where c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ are the bias corrections. Then g = 0.
public func adamUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                       firstMoments m: UnsafeMutablePointer<Float>, secondMoments v: UnsafeMutablePointer<Float>,
                       count: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                       weightDecay: Float, correction1: Float, correction2: Float) {
    let pointers = AdamPointers(w: w, g: g, m: m, v: v)
    let pieces = count >= parallelThreshold ? Threads.count : 1
    parallelFor(pieces) { piece in
        let blocks = (count + 15) / 16
        let start = min(count, blocks * piece / pieces * 16), end = min(count, blocks * (piece + 1) / pieces * 16)
        let (w, g, m, v) = (pointers.w, pointers.g, pointers.m, pointers.v)
        var i = start
        while i + 16 <= end {
            let gi = load(g + i)
            let mi = beta1 * load(m + i) + (1 - beta1) * gi
            let vi = beta2 * load(v + i) + (1 - beta2) * gi * gi
            store(mi, m + i)
            store(vi, v + i)
            let step = (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
            let wi = load(w + i)
            store(wi - learningRate * (step + weightDecay * wi), w + i)
            store(SIMD16(), g + i)
            i += 16
        }
        while i < end {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            let step = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
            w[i] -= learningRate * (step + weightDecay * w[i])
            g[i] = 0
            i += 1
        }
    }
}

private struct AdamPointers: @unchecked Sendable {
    let w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store(_ x: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD16<Float>.self)
}
