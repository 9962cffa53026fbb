@testable import Engine

/// Plain loops for convolution and max-pooling, written the obvious way: the fast kernels are
/// checked against these. Shapes as in Kernels/Convolution.swift and Kernels/Pooling.swift.
/// (Flat indices instead of `t[i, j, k, l]`, which is too slow for the test build.)
enum Reference {
    /// out[n, co, oy, ox] = b[co] + Σ_{ci, ky, kx} W[co, ci, ky, kx] · x[n, ci, oy·S − P + ky, ox·S − P + kx]
    static func convolutionForward(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, k) = (w.shape[0], w.shape[2])
        let ho = (h - k + 2 * padding) / stride + 1, wo = (wd - k + 2 * padding) / stride + 1
        var out = [Float](repeating: 0, count: n * cout * ho * wo)
        let xs = x.scalars, ws = w.scalars
        for i in 0..<n { for co in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            var sum = Double(b.scalars[co])
            for ci in 0..<cin { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    sum += Double(ws[((co * cin + ci) * k + ky) * k + kx]) * Double(xs[((i * cin + ci) * h + iy) * wd + ix])
                }
            } } }
            out[((i * cout + co) * ho + oy) * wo + ox] = Float(sum)
        } } } }
        return Tensor(shape: [n, cout, ho, wo], scalars: out)
    }

    /// (dx, dW, db) for the output gradient dy: every product in the forward sum sends dy back to both factors.
    static func convolutionBackward(_ x: Tensor, _ w: Tensor, _ dy: Tensor, stride: Int, padding: Int)
        -> (dx: Tensor, dw: Tensor, db: Tensor) {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, k) = (w.shape[0], w.shape[2])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: cout)
        let xs = x.scalars, ws = w.scalars, dys = dy.scalars
        for i in 0..<n { for co in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            let g = Double(dys[((i * cout + co) * ho + oy) * wo + ox])
            db[co] += g
            for ci in 0..<cin { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    let xi = ((i * cin + ci) * h + iy) * wd + ix, wi = ((co * cin + ci) * k + ky) * k + kx
                    dw[wi] += g * Double(xs[xi])
                    dx[xi] += g * Double(ws[wi])
                }
            } } }
        } } } }
        func tensor(_ shape: [Int], _ v: [Double]) -> Tensor { Tensor(shape: shape, scalars: v.map { Float($0) }) }
        return (tensor(x.shape, dx), tensor(w.shape, dw), tensor([cout], db))
    }

    /// out[n, c, oy, ox] = max over the window (the first maximum in scan order wins ties), and the
    /// flat input index of each output's maximum.
    static func maxPoolForward(_ x: Tensor, size: Int, stride: Int) -> (out: Tensor, argmax: [Int]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
        var out: [Float] = [], argmax: [Int] = []
        for plane in 0..<(n * c) { for oy in 0..<ho { for ox in 0..<wo {
            var best = (plane * h + oy * stride) * w + ox * stride
            for dy in 0..<size { for dx in 0..<size {
                let at = (plane * h + oy * stride + dy) * w + ox * stride + dx
                if x.scalars[at] > x.scalars[best] { best = at }
            } }
            out.append(x.scalars[best])
            argmax.append(best)
        } } }
        return (Tensor(shape: [n, c, ho, wo], scalars: out), argmax)
    }

    static func maxPoolBackward(_ x: Tensor, _ dy: Tensor, size: Int, stride: Int) -> Tensor {
        let (_, argmax) = maxPoolForward(x, size: size, stride: stride)
        var dx = Tensor(zeros: x.shape)
        for (g, at) in zip(dy.scalars, argmax) { dx.scalars[at] += g }
        return dx
    }
}

/// max |a − b| / max |b|: the error relative to the tensor's scale (element-wise relative error is
/// meaningless for sums of hundreds of terms that happen to land near zero).
func maxScaledError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
    let scale = b.scalars.reduce(0) { max($0, abs($1)) }
    let worst = zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return worst / max(scale, 1e-30)
}
