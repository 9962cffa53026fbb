// Buggy versions of the exercises, written the way learners get them wrong. Each knob is one
// mistake; with every knob at its default the function is correct (the GradingTests check that
// too, so that a planted bug fails because of its bug and not because of a slip in this file).
import Engine
import Foundation
import Grading

enum Buggy {
    static func map(_ t: Tensor, _ f: (Float) -> Float) -> Tensor {
        var out = t
        for i in 0..<t.count { out.scalars[i] = f(t.scalars[i]) }
        return out
    }

    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        var out = a
        for i in 0..<a.count { out.scalars[i] = f(a.scalars[i], b.scalars[i]) }
        return out
    }

    static func scaled(_ t: Tensor, _ s: Float) -> Tensor { map(t) { $0 * s } }

    static func transposed(_ t: Tensor) -> Tensor {
        let (rows, columns) = (t.shape[0], t.shape[1])
        var out = Tensor(zeros: [columns, rows])
        for r in 0..<rows { for c in 0..<columns { out[c, r] = t[r, c] } }
        return out
    }

    /// Softmax cross-entropy without subtracting each row's maximum: exp(200) is infinite in Float.
    static func softmaxWithoutMax(_ logits: Tensor, _ labels: [Int]) -> (loss: Float, gradient: Tensor) {
        let (n, classes) = (logits.shape[0], logits.shape[1])
        var gradient = Tensor(zeros: logits.shape)
        var loss: Float = 0
        for row in 0..<n {
            var sum: Float = 0
            for c in 0..<classes { sum += exp(logits[row, c]) }
            loss -= log(exp(logits[row, labels[row]]) / sum)
            for c in 0..<classes {
                gradient[row, c] = (exp(logits[row, c]) / sum - (c == labels[row] ? 1 : 0)) / Float(n)
            }
        }
        return (loss / Float(n), gradient)
    }

    /// Writes `f` of every element back into t's own storage through a pointer, the way a learner
    /// "saves a copy" with unsafe code: the caller's tensor (which shares that storage) changes too.
    static func overwriteInPlace(_ t: Tensor, _ f: (Int, Float) -> Float) {
        t.scalars.withUnsafeBufferPointer { buffer in
            let storage = UnsafeMutablePointer(mutating: buffer.baseAddress!)
            for i in 0..<buffer.count { storage[i] = f(i, storage[i]) }
        }
    }

    /// Softmax cross-entropy shifted by each row's mean (which survives a constant added to a row,
    /// but not one logit far above the others), or by the maximum but with the loss taken as
    /// −log p[label], which is −log 0 = ∞ once p[label] underflows.
    static func softmaxShifted(byMean: Bool, _ logits: Tensor, _ labels: [Int]) -> (loss: Float, gradient: Tensor) {
        let (n, classes) = (logits.shape[0], logits.shape[1])
        var gradient = Tensor(zeros: logits.shape)
        var loss: Float = 0
        for row in 0..<n {
            let values = (0..<classes).map { logits[row, $0] }
            let shift = byMean ? values.reduce(0, +) / Float(classes) : values.max()!
            let sum = values.reduce(0) { $0 + exp($1 - shift) }
            let probabilities = values.map { exp($0 - shift) / sum }
            loss += byMean ? log(sum) - (values[labels[row]] - shift) : -log(probabilities[labels[row]])
            for c in 0..<classes { gradient[row, c] = (probabilities[c] - (c == labels[row] ? 1 : 0)) / Float(n) }
        }
        return (loss / Float(n), gradient)
    }

    /// dx = dout·W instead of dout·Wᵀ, as index arithmetic: reads W[j, i], which runs off the end
    /// of W when it is not square.
    static func linearBackwardWithoutTranspose(_ dout: Tensor, _ x: Tensor, _ w: Tensor)
        -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let (n, d, m) = (x.shape[0], x.shape[1], w.shape[1])
        var dx = Tensor(zeros: [n, d]), dw = Tensor(zeros: [d, m]), db = Tensor(zeros: [m])
        for row in 0..<n {
            for j in 0..<m {
                db[j] += dout[row, j]
                for i in 0..<d {
                    dx[row, i] += dout[row, j] * w[j, i]
                    dw[i, j] += x[row, i] * dout[row, j]
                }
            }
        }
        return (dx, dw, db)
    }

    // MARK: Convolution

    struct ConvolutionKnobs {
        var subtractPadding = true        // false: input row = oh·stride + kh (padding forgotten in the index)
        var paddingOnBothSides = true     // false: OH = (H + padding − KH)/stride + 1
        var flipKernel = false
        var strideInBackward = true       // false: the backward pass walks the input as if stride were 1
        var sumOverImages = true          // false: dw and db keep only the last image's contribution
    }

    static func convolution(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: Int, _ knobs: ConvolutionKnobs) -> Tensor {
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let sides = knobs.paddingOnBothSides ? 2 : 1
        let oh = (h + sides * padding - kh) / stride + 1, ow = (width + sides * padding - kw) / stride + 1
        let shift = knobs.subtractPadding ? padding : 0
        var out = Tensor(zeros: [n, f, oh, ow])
        for image in 0..<n {
            for filter in 0..<f {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = b[filter]
                        for channel in 0..<c {
                            for di in 0..<kh {
                                for dj in 0..<kw {
                                    let row = i * stride + di - shift, column = j * stride + dj - shift
                                    if row < 0 || row >= h || column < 0 || column >= width { continue }
                                    let (ki, kj) = knobs.flipKernel ? (kh - 1 - di, kw - 1 - dj) : (di, dj)
                                    sum += w[filter, channel, ki, kj] * x[image, channel, row, column]
                                }
                            }
                        }
                        out[image, filter, i, j] = sum
                    }
                }
            }
        }
        return out
    }

    static func convolutionBackward(_ dout: Tensor, _ x: Tensor, _ w: Tensor, stride: Int, padding: Int,
                                    _ knobs: ConvolutionKnobs) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let (oh, ow) = (dout.shape[2], dout.shape[3])
        let shift = knobs.subtractPadding ? padding : 0
        let step = knobs.strideInBackward ? stride : 1
        var dx = Tensor(zeros: x.shape), dw = Tensor(zeros: w.shape), db = Tensor(zeros: [f])
        for image in 0..<n {
            if !knobs.sumOverImages {
                dw.zero()
                db.zero()
            }
            for filter in 0..<f {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let g = dout[image, filter, i, j]
                        db[filter] += g
                        for channel in 0..<c {
                            for di in 0..<kh {
                                for dj in 0..<kw {
                                    let row = i * step + di - shift, column = j * step + dj - shift
                                    if row < 0 || row >= h || column < 0 || column >= width { continue }
                                    let (ki, kj) = knobs.flipKernel ? (kh - 1 - di, kw - 1 - dj) : (di, dj)
                                    dw[filter, channel, ki, kj] += g * x[image, channel, row, column]
                                    dx[image, channel, row, column] += g * w[filter, channel, ki, kj]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    // MARK: Max-pooling

    struct PoolingKnobs {
        var strideIsSize = false          // the window moves by its own size whatever the stride
        var gradientEverywhere = false    // dout goes to every position of the window
        var overwrite = false             // dx[winner] = dout instead of +=
        var everyTiedMaximum = false      // dout goes to each of a window's tied maxima
        var lastTiedMaximum = false       // (correct) the last of the tied maxima gets dout, by ≥
    }

    static func maxPool(_ x: Tensor, size: Int, stride: Int, _ knobs: PoolingKnobs) -> Tensor {
        let stride = knobs.strideIsSize ? size : stride
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h - size) / stride + 1, ow = (w - size) / stride + 1
        var out = Tensor(zeros: [n, c, oh, ow])
        for image in 0..<n {
            for channel in 0..<c {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var best = -Float.infinity
                        for di in 0..<size {
                            for dj in 0..<size { best = max(best, x[image, channel, i * stride + di, j * stride + dj]) }
                        }
                        out[image, channel, i, j] = best
                    }
                }
            }
        }
        return out
    }

    static func maxPoolBackward(_ dout: Tensor, _ x: Tensor, size: Int, stride: Int, _ knobs: PoolingKnobs) -> Tensor {
        let stride = knobs.strideIsSize ? size : stride
        let (n, c) = (x.shape[0], x.shape[1])
        var dx = Tensor(zeros: x.shape)
        for image in 0..<n {
            for channel in 0..<c {
                for i in 0..<dout.shape[2] {
                    for j in 0..<dout.shape[3] {
                        let g = dout[image, channel, i, j]
                        var (bestRow, bestColumn) = (i * stride, j * stride)
                        for di in 0..<size {
                            for dj in 0..<size {
                                let (row, column) = (i * stride + di, j * stride + dj)
                                if knobs.gradientEverywhere { dx[image, channel, row, column] += g }
                                let (value, best) = (x[image, channel, row, column], x[image, channel, bestRow, bestColumn])
                                if value > best || (knobs.lastTiedMaximum && value == best) { (bestRow, bestColumn) = (row, column) }
                            }
                        }
                        if knobs.everyTiedMaximum {
                            for di in 0..<size {
                                for dj in 0..<size where x[image, channel, i * stride + di, j * stride + dj] == x[image, channel, bestRow, bestColumn] {
                                    dx[image, channel, i * stride + di, j * stride + dj] += g
                                }
                            }
                            continue
                        }
                        if knobs.gradientEverywhere { continue }
                        if knobs.overwrite {
                            dx[image, channel, bestRow, bestColumn] = g
                        } else {
                            dx[image, channel, bestRow, bestColumn] += g
                        }
                    }
                }
            }
        }
        return dx
    }

    // MARK: Normalization

    struct NormalizationKnobs {
        var overRows: Bool                // true: batch norm (statistics per column); false: layer norm
        var unbiased = false              // variance divided by count − 1
        var useEpsilon = true
        var meanAndVariancePaths = true   // false: dx = dout·γ/√(σ² + ε)
        var variancePath = true           // false: dx = (g − mean(g))/√(σ² + ε)
        var epsilonInBackward = true      // false: the backward pass (only) leaves ε out
        var gammaInBackward = true        // false: g = dout, not dout·γ
        var dgammaFirstRowOnly = false
        var dgammaAveraged = false
    }

    /// The flat indices of each group that shares a mean and variance.
    static func groups(n: Int, d: Int, overRows: Bool) -> [[Int]] {
        overRows ? (0..<d).map { col in (0..<n).map { $0 * d + col } } : (0..<n).map { row in (0..<d).map { row * d + $0 } }
    }

    static func statistics(_ x: Tensor, _ group: [Int], _ knobs: NormalizationKnobs, _ epsilon: Float) -> (mean: Float, inverseStd: Float) {
        let mean = group.reduce(0) { $0 + x.scalars[$1] } / Float(group.count)
        let squares = group.reduce(0) { $0 + (x.scalars[$1] - mean) * (x.scalars[$1] - mean) }
        let variance = squares / Float(knobs.unbiased ? group.count - 1 : group.count)
        return (mean, 1 / (variance + (knobs.useEpsilon ? epsilon : 0)).squareRoot())
    }

    static func normalize(_ x: Tensor, _ gamma: Tensor, _ beta: Tensor, _ epsilon: Float, _ knobs: NormalizationKnobs) -> Tensor {
        let (n, d) = (x.shape[0], x.shape[1])
        var out = Tensor(zeros: [n, d])
        for group in groups(n: n, d: d, overRows: knobs.overRows) {
            let (mean, inverseStd) = statistics(x, group, knobs, epsilon)
            for index in group {
                out.scalars[index] = gamma.scalars[index % d] * (x.scalars[index] - mean) * inverseStd + beta.scalars[index % d]
            }
        }
        return out
    }

    static func normalizeBackward(_ dout: Tensor, _ x: Tensor, _ gamma: Tensor, _ epsilon: Float, _ knobs: NormalizationKnobs)
        -> (input: Tensor, gamma: Tensor, beta: Tensor) {
        let (n, d) = (x.shape[0], x.shape[1])
        var dx = Tensor(zeros: [n, d]), dgamma = Tensor(zeros: [d]), dbeta = Tensor(zeros: [d])
        for group in groups(n: n, d: d, overRows: knobs.overRows) {
            let (mean, inverseStd) = statistics(x, group, knobs, knobs.epsilonInBackward ? epsilon : 0)
            var meanG: Float = 0, meanGXhat: Float = 0
            for index in group {
                let xhat = (x.scalars[index] - mean) * inverseStd
                let g = dout.scalars[index] * (knobs.gammaInBackward ? gamma.scalars[index % d] : 1)
                dbeta.scalars[index % d] += dout.scalars[index]
                if !knobs.dgammaFirstRowOnly || index < d {
                    dgamma.scalars[index % d] += dout.scalars[index] * xhat / (knobs.dgammaAveraged ? Float(n) : 1)
                }
                meanG += g / Float(group.count)
                meanGXhat += g * xhat / Float(group.count)
            }
            for index in group {
                let xhat = (x.scalars[index] - mean) * inverseStd
                let g = dout.scalars[index] * (knobs.gammaInBackward ? gamma.scalars[index % d] : 1)
                let variance = knobs.variancePath ? xhat * meanGXhat : 0
                dx.scalars[index] = knobs.meanAndVariancePaths ? (g - meanG - variance) * inverseStd : g * inverseStd
            }
        }
        return (dx, dgamma, dbeta)
    }
}

// MARK: Residual blocks and global average pooling

extension Buggy {
    struct ResidualKnobs {
        var reluBeforeAdd = false         // forward: relu(F(x)) + S(x)
        var shortcutGradient = true       // false: dx is the branch's gradient alone
        var maskShortcut = true           // false: the shortcut gets dout, not the masked g
        var maskFromBranch = false        // the ReLU mask from F(x) > 0 instead of F(x) + S(x) > 0
        var projectionBackward = true     // false: the shortcut's gradient is g even through a projection
        var branchBackwardTwice = false   // calls branch.backward once for the mask and once for dx
    }

    static func residualForward(_ x: Tensor, _ branch: Implementations.Passes, _ projection: Implementations.Passes?,
                                _ knobs: ResidualKnobs) -> Tensor {
        let shortcut = projection?.forward(x) ?? x
        return zip(branch.forward(x), shortcut) { knobs.reluBeforeAdd ? max(0, $0) + $1 : max(0, $0 + $1) }
    }

    static func residualBackward(_ dout: Tensor, _ x: Tensor, _ branch: Implementations.Passes,
                                 _ projection: Implementations.Passes?, _ knobs: ResidualKnobs) -> Tensor {
        let f = branch.forward(x), shortcut = projection?.forward(x) ?? x
        if knobs.branchBackwardTwice { _ = branch.backward(dout, x) }
        var g = dout
        for i in 0..<g.count where (knobs.maskFromBranch ? f.scalars[i] : f.scalars[i] + shortcut.scalars[i]) <= 0 { g.scalars[i] = 0 }
        var dx = branch.backward(g, x)
        guard knobs.shortcutGradient else { return dx }
        let toShortcut = knobs.maskShortcut ? g : dout
        let shortcutGradient = knobs.projectionBackward ? projection?.backward(toShortcut, x) ?? toShortcut : toShortcut
        for i in 0..<min(dx.count, shortcutGradient.count) { dx.scalars[i] += shortcutGradient.scalars[i] }
        return dx
    }

    struct PoolKnobs {
        var sumInForward = false          // out = Σ, not the mean (and the backward to match)
        var divideInBackward = true       // false: dx = dout at every pixel
        var squareImages = false          // divides by H·H
    }

    static func globalPool(_ x: Tensor, _ knobs: PoolKnobs) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let count = knobs.sumInForward ? 1 : Float(knobs.squareImages ? h * h : h * w)
        var out = Tensor(zeros: [n, c])
        for plane in 0..<(n * c) { out.scalars[plane] = x.scalars[(plane * h * w)..<((plane + 1) * h * w)].reduce(0, +) / count }
        return out
    }

    static func globalPoolBackward(_ dout: Tensor, _ x: Tensor, _ knobs: PoolKnobs) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let count = knobs.sumInForward || !knobs.divideInBackward ? 1 : Float(knobs.squareImages ? h * h : h * w)
        var dx = Tensor(zeros: x.shape)
        for i in 0..<dx.count { dx.scalars[i] = dout.scalars[i / (h * w)] / count }
        return dx
    }
}

// MARK: Batch normalization in evaluation mode

extension Buggy {
    struct EvaluationKnobs {
        var batchStatistics = false       // evaluation normalizes with the batch's own statistics
        var epsilonOutsideRoot = false    // √v + ε
        var biasedRunningVariance = false // the running variance takes σ² divided by N
        var kerasMomentum = false         // the new batch weighted by 1 − momentum
    }

    static func evaluationForward(_ x: Tensor, _ gamma: Tensor, _ beta: Tensor, _ mean: Tensor, _ variance: Tensor,
                                  _ epsilon: Float, _ knobs: EvaluationKnobs) -> Tensor {
        guard !knobs.batchStatistics else { return normalize(x, gamma, beta, epsilon, .init(overRows: true)) }
        let d = x.shape[1]
        var out = x
        for i in 0..<x.count {
            let v = variance.scalars[i % d]
            let divisor = knobs.epsilonOutsideRoot ? v.squareRoot() + epsilon : (v + epsilon).squareRoot()
            out.scalars[i] = gamma.scalars[i % d] * (x.scalars[i] - mean.scalars[i % d]) / divisor + beta.scalars[i % d]
        }
        return out
    }

    static func updateRunningStatistics(_ runningMean: inout Tensor, _ runningVariance: inout Tensor, _ x: Tensor,
                                        _ momentum: Float, _ knobs: EvaluationKnobs) {
        let (n, d) = (x.shape[0], x.shape[1])
        let weight = knobs.kerasMomentum ? 1 - momentum : momentum
        for (feature, group) in groups(n: n, d: d, overRows: true).enumerated() {
            let mean = group.reduce(0) { $0 + x.scalars[$1] } / Float(n)
            let squares = group.reduce(0) { $0 + (x.scalars[$1] - mean) * (x.scalars[$1] - mean) }
            let variance = squares / Float(knobs.biasedRunningVariance ? n : n - 1)
            runningMean.scalars[feature] = (1 - weight) * runningMean.scalars[feature] + weight * mean
            runningVariance.scalars[feature] = (1 - weight) * runningVariance.scalars[feature] + weight * variance
        }
    }
}

// MARK: Augmentation

extension Buggy {
    struct ShiftKnobs {
        var opposite = false              // reads x[c, i + padding − top, …]: the image moves the other way
        var wrap = false                  // a roll: what leaves one side comes in on the other
        var paddingForgotten = false      // crops the unpadded image at (top, left)
    }

    static func shift(_ x: Tensor, padding: Int, top: Int, left: Int, _ knobs: ShiftKnobs) -> Tensor {
        let (h, w) = (x.shape[1], x.shape[2])
        var (rowOffset, columnOffset) = knobs.paddingForgotten ? (top, left) : (top - padding, left - padding)
        if knobs.opposite { (rowOffset, columnOffset) = (-rowOffset, -columnOffset) }
        var out = Tensor(zeros: x.shape)
        for channel in 0..<x.shape[0] {
            for i in 0..<h {
                for j in 0..<w {
                    var (row, column) = (i + rowOffset, j + columnOffset)
                    if knobs.wrap { (row, column) = ((row + h) % h, (column + w) % w) }
                    if row >= 0 && row < h && column >= 0 && column < w { out[channel, i, j] = x[channel, row, column] }
                }
            }
        }
        return out
    }

    struct FlipKnobs {
        var vertical = false              // reverses the rows instead of the columns
        var swapWholeRow = false          // swaps in place over the whole width: every pair twice
        var offByOne = false              // column W − j, wrapped to 0 at j = 0
    }

    static func horizontalFlip(_ x: Tensor, _ knobs: FlipKnobs) -> Tensor {
        let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        var out = x
        for channel in 0..<c {
            for i in 0..<h {
                for j in 0..<w {
                    if knobs.swapWholeRow {
                        let kept = out[channel, i, j]
                        out[channel, i, j] = out[channel, i, w - 1 - j]
                        out[channel, i, w - 1 - j] = kept
                    } else if knobs.vertical {
                        out[channel, i, j] = x[channel, h - 1 - i, j]
                    } else {
                        out[channel, i, j] = x[channel, i, knobs.offByOne ? (w - j) % w : w - 1 - j]
                    }
                }
            }
        }
        return out
    }

    struct AveragingKnobs {
        var averageLogits = false         // one softmax of the mean logits
        var subtractMax = true            // false: exp(100) overflows
        var divideByCopies = true         // false: the probabilities summed
    }

    static func testTimeAugmentation(_ logits: [Tensor], _ knobs: AveragingKnobs) -> Tensor {
        let (n, classes) = (logits[0].shape[0], logits[0].shape[1])
        let softmax: (Tensor) -> Tensor = { z in
            var p = z
            for row in 0..<n {
                let top = knobs.subtractMax ? (0..<classes).map { z[row, $0] }.max()! : 0
                let sum = (0..<classes).reduce(Float(0)) { $0 + exp(z[row, $1] - top) }
                for c in 0..<classes { p[row, c] = exp(z[row, c] - top) / sum }
            }
            return p
        }
        let k = Float(logits.count), divisor = knobs.divideByCopies ? k : 1
        if knobs.averageLogits {
            var mean = Tensor(zeros: [n, classes])
            for copy in logits { mean.add(copy, scaledBy: 1 / k) }
            return softmax(mean)
        }
        var average = Tensor(zeros: [n, classes])
        for copy in logits { average.add(softmax(copy), scaledBy: 1 / divisor) }
        return average
    }
}
