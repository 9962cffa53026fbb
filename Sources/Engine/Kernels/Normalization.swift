// Normalization kernels for batch norm and layer norm: per-group mean and variance, the affine
// map out = a[g]·x + b[g], and the backward pass of x̂ = (x − mean)·invStd. Memory-bound: each
// loop streams the tensor once, SIMD8 with four accumulators, groups split across threads.
// Forward reads x twice (mean, then variance: the group is still in cache) and writes out once;
// backward reads x and dy for both sums in one pass, then again to write dx.

/// Where a normalization's groups sit in memory. Element (o, g, i) is at (o·groups + g)·inner + i,
/// and the statistics of group g run over every o and i (`outer · inner` values).
///
///   batch norm after a convolution, x (N, C, H, W): outer N, groups C, inner H·W
///   batch norm on flat features,    x (N, D):       outer N, groups D, inner 1
///   layer norm,                     x (N, D):       outer 1, groups N, inner D
public struct NormalizationLayout: Sendable, Equatable {
    public var outer: Int
    public var groups: Int
    public var inner: Int

    public init(outer: Int, groups: Int, inner: Int) {
        self.outer = outer
        self.groups = groups
        self.inner = inner
    }

    /// The number of values each group's statistics average over.
    public var valuesPerGroup: Int { outer * inner }
    public var count: Int { outer * groups * inner }
}

/// Tensors with at least this many elements are split across threads (by group).
private let parallelThreshold = 100_000

/// mean[g] and the biased variance[g] = Σ (x − mean)² / M of each group (M = outer · inner):
/// two passes, the second over data still in cache, so no cancellation as in E[x²] − E[x]².
public func groupMeanAndVariance(_ layout: NormalizationLayout, input: UnsafePointer<Float>,
                                 mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    let p = NormalizationPointers(x: input, y: input, out: mean, out2: variance)
    let m = Float(layout.valuesPerGroup)
    forEachGroup(layout) { g in
        let mu = sumsOverGroup(layout, g, p.x, p.y) { x, _ in (x, SIMD8()) }.0 / m
        p.out[g] = mu
        p.out2[g] = sumsOverGroup(layout, g, p.x, p.y) { x, _ in ((x - mu) * (x - mu), SIMD8()) }.0 / m
    }
}

/// out = scale[g] · x + shift[g] for every element of group g (normalization folded into one
/// multiply-add: scale = γ·invStd, shift = β − scale·mean).
public func groupAffine(_ layout: NormalizationLayout, input: UnsafePointer<Float>,
                        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let p = NormalizationPointers(x: input, y: scale, out: output, out2: UnsafeMutablePointer(mutating: shift))
    forEachGroup(layout) { g in
        let a = p.y[g], b = p.out2[g]
        let av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b)
        for o in 0..<layout.outer {
            let base = (o * layout.groups + g) * layout.inner
            var i = 0
            while i + 8 <= layout.inner {
                store(multiplyAdd(av, load(p.x + base + i), bv), p.out + base + i)
                i += 8
            }
            while i < layout.inner { p.out[base + i] = a * p.x[base + i] + b; i += 1 }
        }
    }
}

/// The backward pass of out = γ[g]·x̂ + β[g] with x̂ = (x − mean[g])·invStd[g] and the batch's own
/// mean and variance (which depend on x too). With M values per group:
///
///   Σdy[g] = Σ dy,  Σdyx̂[g] = Σ dy·x̂                          (= ∂L/∂β and ∂L/∂γ)
///   dx = γ·invStd · (dy − Σdy/M − x̂·Σdyx̂/M)
///
/// The two means are what flows back through the mean and the variance. `sumDy` and `sumDyXhat`
/// receive the two sums (overwritten); `inputGradient` is overwritten.
public func groupNormalizationBackward(_ layout: NormalizationLayout, input: UnsafePointer<Float>,
                                       outputGradient: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                       inverseStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                       inputGradient: UnsafeMutablePointer<Float>,
                                       sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>) {
    let p = NormalizationPointers(x: input, y: outputGradient, out: sumDy, out2: sumDyXhat)
    let q = NormalizationPointers(x: mean, y: inverseStd, out: inputGradient, out2: UnsafeMutablePointer(mutating: gamma))
    let m = Float(layout.valuesPerGroup)
    forEachGroup(layout) { g in
        let mu = q.x[g], invStd = q.y[g]
        let (dySum, dyCenteredSum) = sumsOverGroup(layout, g, p.x, p.y) { x, dy in (dy, dy * (x - mu)) }   // one pass
        let dyXhatSum = dyCenteredSum * invStd
        p.out[g] = dySum
        p.out2[g] = dyXhatSum
        // dx = c·dy − c·x̂·k − c·Σdy/M with c = γ·invStd, k = Σdyx̂/M, and x̂ = (x − mean)·invStd.
        let c = q.out2[g] * invStd, k = dyXhatSum / m
        let xCoefficient = -c * k * invStd, constant = c * (k * invStd * mu - dySum / m)
        let cv = SIMD8<Float>(repeating: c), xv = SIMD8<Float>(repeating: xCoefficient), kv = SIMD8<Float>(repeating: constant)
        for o in 0..<layout.outer {
            let base = (o * layout.groups + g) * layout.inner
            var i = 0
            while i + 8 <= layout.inner {
                let x = load(p.x + base + i), dy = load(p.y + base + i)
                store(multiplyAdd(cv, dy, multiplyAdd(xv, x, kv)), q.out + base + i)
                i += 8
            }
            while i < layout.inner {
                q.out[base + i] = c * p.y[base + i] + xCoefficient * p.x[base + i] + constant
                i += 1
            }
        }
    }
}

/// (Σ f(x, y).0, Σ f(x, y).1) over group g of two tensors laid out alike, in one pass: two SIMD8
/// accumulators per sum (four in all), then a scalar tail.
@inline(__always)
private func sumsOverGroup(_ layout: NormalizationLayout, _ g: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                           _ f: (SIMD8<Float>, SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>)) -> (Float, Float) {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b0 = SIMD8<Float>(), b1 = SIMD8<Float>()
    var tailA: Float = 0, tailB: Float = 0
    for o in 0..<layout.outer {
        let base = (o * layout.groups + g) * layout.inner
        var i = 0
        while i + 16 <= layout.inner {
            let (p0, q0) = f(load(x + base + i), load(y + base + i))
            let (p1, q1) = f(load(x + base + i + 8), load(y + base + i + 8))
            a0 += p0; b0 += q0; a1 += p1; b1 += q1
            i += 16
        }
        if i + 8 <= layout.inner {
            let (p0, q0) = f(load(x + base + i), load(y + base + i))
            a0 += p0; b0 += q0
            i += 8
        }
        while i < layout.inner {   // one lane at a time, through the same f
            let (p, q) = f(SIMD8(repeating: x[base + i]), SIMD8(repeating: y[base + i]))
            tailA += p[0]; tailB += q[0]
            i += 1
        }
    }
    return ((a0 + a1).sum() + tailA, (b0 + b1).sum() + tailB)
}

private struct NormalizationPointers: @unchecked Sendable {
    let x: UnsafePointer<Float>, y: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>, out2: UnsafeMutablePointer<Float>
}

@inline(__always)
private func forEachGroup(_ layout: NormalizationLayout, _ body: @Sendable (Int) -> Void) {
    if layout.count >= parallelThreshold && Threads.count > 1 && layout.groups > 1 {
        let pieces = min(Threads.count, layout.groups)
        parallelFor(pieces) { piece in
            for g in (layout.groups * piece / pieces)..<(layout.groups * (piece + 1) / pieces) { body(g) }
        }
    } else {
        for g in 0..<layout.groups { body(g) }
    }
}

@inline(__always)
private func multiplyAdd(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
    #if ENGINE_FMA
    c.addingProduct(a, b)
    #else
    a * b + c
    #endif
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load(UnsafePointer(p)) }

@inline(__always)
private func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
