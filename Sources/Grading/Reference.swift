import Foundation

/// The grader's own forward passes, in Double, written for clarity. Backward passes are never
/// written here: every gradient the learner's code is compared with is a numerical gradient of
/// these forward passes.
enum Reference {
    /// Centered differences in Double: (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for every i.
    /// With h = 1e-6 on values of order 1 the estimate is good to about 1e-9, far below the
    /// Float rounding the checks tolerate.
    static func numericalGradient(_ f: ([Double]) -> Double, at x: [Double], h: Double = 1e-6) -> [Double] {
        var point = x
        var gradient = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let original = point[i]
            point[i] = original + h
            let up = f(point)
            point[i] = original - h
            let down = f(point)
            point[i] = original
            gradient[i] = (up - down) / (2 * h)
        }
        return gradient
    }

    /// The numerical gradients of the scalar Σ upstream ⊙ forward(inputs) with respect to each of
    /// the inputs: what a correct backward pass returns when handed `upstream` as ∂loss/∂out.
    static func gradients(of forward: ([[Double]]) -> [Double], at inputs: [[Double]], upstream: [Double],
                          h: Double = 1e-6) -> [[Double]] {
        (0..<inputs.count).map { k in
            numericalGradient({ changed in
                var all = inputs
                all[k] = changed
                return dot(forward(all), upstream)
            }, at: inputs[k], h: h)
        }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    // MARK: Chapter 01

    /// x (n, d) · w (d, m) + b (m)
    static func linear(_ x: [Double], _ w: [Double], _ b: [Double], n: Int, d: Int, m: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * m)
        for row in 0..<n {
            for j in 0..<m {
                var sum = b[j]
                for i in 0..<d { sum += x[row * d + i] * w[i * m + j] }
                out[row * m + j] = sum
            }
        }
        return out
    }

    /// Mean over rows of −log softmax(row)[label], by log-sum-exp.
    static func softmaxCrossEntropy(_ logits: [Double], labels: [Int], classes: Int) -> Double {
        var total = 0.0
        for (row, label) in labels.enumerated() {
            let z = logits[(row * classes)..<((row + 1) * classes)]
            let top = z.max()!
            let logSum = log(z.reduce(0) { $0 + exp($1 - top) }) + top
            total += logSum - z[row * classes + label]
        }
        return total / Double(labels.count)
    }

    // MARK: Chapter 04

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    static func gelu(_ x: Double) -> Double { x * 0.5 * (1 + erf(x / 2.0.squareRoot())) }
    static func normalCDF(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }
    static func normalDensity(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// x (n, c, h, w), w (f, c, kh, kw), b (f) -> (n, f, oh, ow); zero padding, cross-correlation.
    /// `flipped` computes the true convolution (kernel rotated 180°), a mistake the diagnostics name.
    static func conv2d(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], _ b: [Double],
                       stride: Int, padding: Int, flipped: Bool = false) -> (values: [Double], shape: [Int]) {
        let (n, c, h, width) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (f, kh, kw) = (wShape[0], wShape[2], wShape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (width + 2 * padding - kw) / stride + 1
        var out = [Double](repeating: 0, count: n * f * oh * ow)
        for image in 0..<n {
            for filter in 0..<f {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = b[filter]
                        for channel in 0..<c {
                            for di in 0..<kh {
                                for dj in 0..<kw {
                                    let row = i * stride + di - padding, column = j * stride + dj - padding
                                    guard row >= 0, row < h, column >= 0, column < width else { continue }
                                    let (ki, kj) = flipped ? (kh - 1 - di, kw - 1 - dj) : (di, dj)
                                    sum += w[((filter * c + channel) * kh + ki) * kw + kj]
                                        * x[((image * c + channel) * h + row) * width + column]
                                }
                            }
                        }
                        out[((image * f + filter) * oh + i) * ow + j] = sum
                    }
                }
            }
        }
        return (out, [n, f, oh, ow])
    }

    /// x (n, c, h, w) -> (n, c, oh, ow), the maximum of each size×size window; also returns, for
    /// every window, the flat index of its maximum.
    static func maxPool(_ x: [Double], _ shape: [Int], size: Int, stride: Int)
        -> (values: [Double], shape: [Int], winners: [Int]) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = (h - size) / stride + 1, ow = (w - size) / stride + 1
        var out = [Double](), winners = [Int]()
        for plane in 0..<(n * c) {
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Double.infinity, winner = 0
                    for di in 0..<size {
                        for dj in 0..<size {
                            let index = (plane * h + i * stride + di) * w + j * stride + dj
                            if x[index] > best { (best, winner) = (x[index], index) }
                        }
                    }
                    out.append(best)
                    winners.append(winner)
                }
            }
        }
        return (out, [n, c, oh, ow], winners)
    }

    // MARK: Chapter 07

    /// Normalizes x (n, d) along rows (`overRows`: each column over the batch, batch norm) or
    /// along columns (each row over its features, layer norm), then scales and shifts per column.
    /// `unbiased` divides the variance by count − 1, a mistake the diagnostics name.
    static func normalize(_ x: [Double], n: Int, d: Int, gamma: [Double], beta: [Double], epsilon: Double,
                          overRows: Bool, unbiased: Bool = false) -> [Double] {
        var out = [Double](repeating: 0, count: n * d)
        let groups = overRows ? d : n, count = overRows ? n : d
        for group in 0..<groups {
            let indices = (0..<count).map { k in overRows ? k * d + group : group * d + k }
            let mean = indices.reduce(0) { $0 + x[$1] } / Double(count)
            let squares = indices.reduce(0) { $0 + (x[$1] - mean) * (x[$1] - mean) }
            let variance = squares / Double(unbiased ? count - 1 : count)
            for index in indices {
                let feature = index % d
                out[index] = gamma[feature] * (x[index] - mean) / (variance + epsilon).squareRoot() + beta[feature]
            }
        }
        return out
    }

    // MARK: Chapter 08

    /// out[c, i, j] = x[c, i + rowOffset, j + columnOffset] for x (c, h, w); what falls outside
    /// is 0, or, with `wrap` (a mistake the diagnostics name), taken from the other side.
    static func shifted(_ x: [Double], _ shape: [Int], rowOffset: Int, columnOffset: Int, wrap: Bool = false) -> [Double] {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        var out = [Double](repeating: 0, count: x.count)
        for channel in 0..<c {
            for i in 0..<h {
                for j in 0..<w {
                    var (row, column) = (i + rowOffset, j + columnOffset)
                    if wrap { (row, column) = (((row % h) + h) % h, ((column % w) + w) % w) }
                    guard row >= 0, row < h, column >= 0, column < w else { continue }
                    out[(channel * h + i) * w + j] = x[(channel * h + row) * w + column]
                }
            }
        }
        return out
    }

    /// x (c, h, w) mirrored left–right and/or upside down.
    static func flipped(_ x: [Double], _ shape: [Int], horizontal: Bool, vertical: Bool) -> [Double] {
        let (h, w) = (shape[1], shape[2])          // shape is (C, H, W)
        return (0..<x.count).map { index in
            let (channel, i, j) = (index / (h * w), index / w % h, index % w)
            return x[(channel * h + (vertical ? h - 1 - i : i)) * w + (horizontal ? w - 1 - j : j)]
        }
    }

    /// The softmax of every row of z (rows of `classes` entries).
    static func softmaxRows(_ z: [Double], classes: Int) -> [Double] {
        stride(from: 0, to: z.count, by: classes).flatMap { start -> [Double] in
            let row = z[start..<(start + classes)], top = row.max()!
            let exps = row.map { exp($0 - top) }, sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
    }
}
