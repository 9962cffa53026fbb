import Engine
import Foundation

/// The residual block is graded around a branch the grader builds and hands over as closures:
/// F(x) = B·tanh(A·x + a) at every pixel (two 1×1 convolutions, the first with stride s; smooth, so
/// that numerical gradients mean something), and, for a downsampling block, the projection
/// S(x) = P·x (a 1×1 convolution with the same stride). The branch's own backward pass is exact
/// (in Double); GradingTests checks it against numerical gradients.
enum Chapter07ResidualChecks {
    /// One block: the shapes and the weights of its branch and projection, all in Double.
    struct Block {
        let inputShape: [Int]                 // x is (N, C, H, W)
        let outputs: Int                      // C′
        let stride: Int
        let a: [Double], bias: [Double], b: [Double]   // A (C′, C), a (C′), B (C′, C′)
        let p: [Double]?                      // P (C′, C), or nil: the identity shortcut

        var outputShape: [Int] {
            [inputShape[0], outputs, (inputShape[2] - 1) / stride + 1, (inputShape[3] - 1) / stride + 1]
        }

        func branch(_ x: [Double]) -> [Double] {
            let hidden = pointwise(x, inputShape, a, bias: bias, outputs: outputs, stride: stride).map(tanh)
            return pointwise(hidden, outputShape, b, bias: nil, outputs: outputs, stride: 1)
        }

        func shortcut(_ x: [Double]) -> [Double] {
            p.map { pointwise(x, inputShape, $0, bias: nil, outputs: outputs, stride: stride) } ?? x
        }

        /// out = relu(F(x) + S(x)): what the grader trusts.
        func block(_ x: [Double]) -> [Double] { zip(branch(x), shortcut(x)).map { max(0, $0 + $1) } }

        func branchBackward(_ dout: [Double], _ x: [Double]) -> [Double] {
            let hidden = pointwise(x, inputShape, a, bias: bias, outputs: outputs, stride: stride).map(tanh)
            let dHidden = pointwiseTransposed(dout, outputShape, b, inputShape: outputShape, stride: 1)
            let dPre = zip(dHidden, hidden).map { $0 * (1 - $1 * $1) }
            return pointwiseTransposed(dPre, outputShape, a, inputShape: inputShape, stride: stride)
        }

        func shortcutBackward(_ dout: [Double]) -> [Double] {
            p.map { pointwiseTransposed(dout, outputShape, $0, inputShape: inputShape, stride: stride) } ?? dout
        }
    }

    /// y[n, m, i, j] = bias[m] + Σ_c w[m, c]·x[n, c, s·i, s·j]: a 1×1 convolution with stride s.
    static func pointwise(_ x: [Double], _ shape: [Int], _ w: [Double], bias: [Double]?, outputs m: Int, stride s: Int) -> [Double] {
        let (n, c, h, width) = (shape[0], shape[1], shape[2], shape[3])
        let oh = (h - 1) / s + 1, ow = (width - 1) / s + 1
        var y = [Double](repeating: 0, count: n * m * oh * ow)
        for image in 0..<n {
            for out in 0..<m {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = bias?[out] ?? 0
                        for channel in 0..<c { sum += w[out * c + channel] * x[((image * c + channel) * h + s * i) * width + s * j] }
                        y[((image * m + out) * oh + i) * ow + j] = sum
                    }
                }
            }
        }
        return y
    }

    /// The gradient of `pointwise` with respect to x: dx[n, c, s·i, s·j] = Σ_m w[m, c]·dy[n, m, i, j].
    static func pointwiseTransposed(_ dy: [Double], _ dyShape: [Int], _ w: [Double], inputShape: [Int], stride s: Int) -> [Double] {
        let (n, m, oh, ow) = (dyShape[0], dyShape[1], dyShape[2], dyShape[3])
        let (c, h, width) = (inputShape[1], inputShape[2], inputShape[3])
        var dx = [Double](repeating: 0, count: inputShape.reduce(1, *))
        for image in 0..<n {
            for out in 0..<m {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let g = dy[((image * m + out) * oh + i) * ow + j]
                        for channel in 0..<c { dx[((image * c + channel) * h + s * i) * width + s * j] += w[out * c + channel] * g }
                    }
                }
            }
        }
        return dx
    }

    /// How often the learner's code called each backward pass.
    final class Calls: @unchecked Sendable {
        var branchBackward = 0, projectionBackward = 0
    }

    /// The block's pieces as the learner receives them: Float tensors in and out, shapes checked.
    static func passes(_ block: Block, _ calls: Calls) -> (branch: Implementations.Passes, projection: Implementations.Passes?) {
        func checked(_ t: Tensor, _ shape: [Int], _ what: String) -> [Double] {
            guard t.shape == shape else {
                fatalError("\(what) was given a tensor of shape \(t.shape); it takes \(shape)")
            }
            return t.doubles
        }
        let (xShape, outShape) = (block.inputShape, block.outputShape)
        let branch: Implementations.Passes = (
            forward: { x in
                Tensor(shape: outShape, scalars: block.branch(checked(x, xShape, "branch.forward")).map(Float.init))
            },
            backward: { dout, x in
                calls.branchBackward += 1
                let g = checked(dout, outShape, "branch.backward (its first argument, ∂loss/∂F(x))")
                return Tensor(shape: xShape, scalars: block.branchBackward(g, checked(x, xShape, "branch.backward (its input x)"))
                    .map(Float.init))
            })
        guard block.p != nil else { return (branch, nil) }
        let projection: Implementations.Passes = (
            forward: { x in
                Tensor(shape: outShape, scalars: block.shortcut(checked(x, xShape, "projection.forward")).map(Float.init))
            },
            backward: { dout, x in
                calls.projectionBackward += 1
                _ = checked(x, xShape, "projection.backward (its input x)")
                return Tensor(shape: xShape, scalars: block.shortcutBackward(
                    checked(dout, outShape, "projection.backward (its first argument, ∂loss/∂S(x))")).map(Float.init))
            })
        return (branch, projection)
    }

    /// Two rungs per seed: an identity shortcut, then a downsampling block with a projection.
    static func residualBlock(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("identity shortcut", &rng) { rng throws(GradingFailure) in
            let c = rng.int(2...3)
            try residualCase(code, &rng, inputShape: [2, c, rng.int(3...5), rng.int(3...5)], outputs: c, stride: 1)
        }
        try ladder.rung("projection shortcut (stride 2, channels doubled)", &rng) { rng throws(GradingFailure) in
            let c = rng.int(1...3)
            try residualCase(code, &rng, inputShape: [2, c, 2 * rng.int(2...3), 2 * rng.int(2...3)], outputs: 2 * c, stride: 2)
        }
    }

    static func residualCase(_ code: Implementations, _ rng: inout RandomSource, inputShape: [Int], outputs: Int,
                             stride: Int) throws(GradingFailure) {
        let c = inputShape[1]
        func weights(_ count: Int, fanIn: Int) -> [Double] { rng.tensor([count], scale: 1 / Float(fanIn).squareRoot()).doubles }
        let block = Block(inputShape: inputShape, outputs: outputs, stride: stride,
                          a: weights(outputs * c, fanIn: c), bias: rng.tensor([outputs], scale: 0.5).doubles,
                          b: weights(outputs * outputs, fanIn: outputs),
                          p: stride == 1 ? nil : weights(outputs * c, fanIn: c))
        // An x whose sums F(x) + S(x) all keep clear of the ReLU's kink at 0, where a centered
        // difference would straddle it, and where the ReLU is on for some and off for others.
        var x = rng.tensor(inputShape)
        for attempt in 0... {
            let sums = zip(block.branch(x.doubles), block.shortcut(x.doubles)).map { $0 + $1 }
            if sums.allSatisfy({ abs($0) > 0.005 }) && sums.contains(where: { $0 > 0 }) && sums.contains(where: { $0 < 0 }) { break }
            guard attempt < 10_000 else { fatalError("residualBlock check: no input clear of the ReLU's kink") }
            x = rng.tensor(inputShape)
        }
        let outShape = block.outputShape
        let dout = rng.tensor(outShape)
        let shortcutText = stride == 1 ? "identity shortcut S(x) = x"
            : "projection shortcut S(x) = P·x (1×1, stride \(stride)), so out is \(formatShape(outShape))"
        var report = CaseReport("Residual block", setup: "x \(formatShape(inputShape)), branch F(x) = B·tanh(A·x + a) per pixel"
            + (stride == 1 ? "" : " with stride \(stride)") + ", \(shortcutText); random upstream gradient dout")
        let calls = Calls()
        let (branch, projection) = passes(block, calls)

        let xs = x.doubles, fx = block.branch(xs), sx = block.shortcut(xs)
        let out = try report.call("forward pass", inputs: [("x", x)]) { code.residualBlockForward(x, branch, projection) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: outShape, values: block.block(xs)), kind: .exact,
                       hint: "out = relu(F(x) + S(x)): add the shortcut to the branch's output, then one ReLU, on the sum; "
                           + "S(x) is x for the identity and projection.forward(x) when a projection is given.",
                       mistakes: [KnownMistake(description: "you apply the ReLU to the branch before adding the shortcut",
                                               values: zip(fx, sx).map { max(0, $0) + $1 }),
                                  KnownMistake(description: "you leave out the final ReLU", values: zip(fx, sx).map { $0 + $1 }),
                                  KnownMistake(description: "you leave out the shortcut", values: fx.map { max(0, $0) })])
        try report.finish()

        let dx = try report.call("backward pass", inputs: [("dout", dout), ("x", x)]) {
            code.residualBlockBackward(dout, x, branch, projection)
        }
        let upstream = dout.doubles
        let on = zip(fx, sx).map { $0 + $1 > 0 ? 1.0 : 0 }, masked = zip(upstream, on).map { $0 * $1 }
        let numerical = Reference.gradients(of: { block.block($0[0]) }, at: [xs], upstream: upstream)[0]
        func through(_ f: @escaping ([Double]) -> [Double], _ g: [Double]) -> [Double] {
            Reference.gradients(of: { f($0[0]) }, at: [xs], upstream: g)[0]
        }
        let branchOnly = through(block.branch, masked)
        let branchMasked = zip(fx, upstream).map { $0 > 0 ? $1 : 0 }
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: inputShape, values: numerical),
                       hint: "g = dout where F(x) + S(x) > 0 (else 0); dx = branch.backward(g, x) + "
                           + (stride == 1 ? "g (the identity passes g on unchanged)." : "projection.backward(g, x)."),
                       mistakes: [KnownMistake(description: "you leave out the shortcut's gradient (dx is the branch's alone)",
                                               values: branchOnly),
                                  KnownMistake(description: "the shortcut's gradient skips the final ReLU's mask (dout instead of g)",
                                               values: zip(branchOnly, through(block.shortcut, upstream)).map { $0 + $1 }),
                                  KnownMistake(description: "you ignore the final ReLU in the backward pass",
                                               values: through({ zip(block.branch($0), block.shortcut($0)).map { $0 + $1 } }, upstream)),
                                  KnownMistake(description: "you take the ReLU's mask from F(x) alone instead of from F(x) + S(x)",
                                               values: through({ zip(block.branch($0), block.shortcut($0)).map { $0 + $1 } },
                                                               branchMasked))])
        for (name, count, given) in [("branch", calls.branchBackward, true), ("projection", calls.projectionBackward, projection != nil)]
        where given && count != 1 {
            report.fail("\(name).backward calls", summary: "\(name).backward was called \(count) times; expected once",
                        hint: count == 0 ? "the gradient reaches x through the \(name) too: call \(name).backward(g, x)."
                            : "call it once, with g: in the engine each call also adds to the \(name)'s parameter gradients.")
        }
        try report.finish()
    }

    /// H ≠ W and N, C ≥ 2, so dividing by H² or by the wrong count shows.
    static func globalAveragePool(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let h = rng.int(2...5)
        var w = rng.int(2...5)
        if w == h { w += 1 }
        let shape = [rng.int(2...3), rng.int(2...4), h, w], (n, c) = (shape[0], shape[1])
        let x = rng.tensor(shape), dout = rng.tensor([n, c])
        var report = CaseReport("Global average pooling", setup: "x \(formatShape(shape)), so out is \(formatShape([n, c])); "
            + "random upstream gradient dout")
        let forward: ([[Double]]) -> [Double] = { inputs in
            (0..<(n * c)).map { plane in inputs[0][(plane * h * w)..<((plane + 1) * h * w)].reduce(0, +) / Double(h * w) }
        }
        let means = forward([x.doubles])
        let out = try report.call("forward pass", inputs: [("x", x)]) { code.globalAveragePoolForward(x) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: [n, c], values: means),
                       kind: .exact, hint: "out[n, c] = the mean of x[n, c, ·, ·] over all H·W pixels, shape (N, C).",
                       mistakes: [KnownMistake(description: "you sum the pixels instead of averaging them",
                                               values: means.map { $0 * Double(h * w) }),
                                  KnownMistake(description: "you divide by H·H, as if the image were square",
                                               values: means.map { $0 * Double(w) / Double(h) })])
        try report.finish()

        let dx = try report.call("backward pass", inputs: [("dout", dout), ("x", x)]) { code.globalAveragePoolBackward(dout, x) }
        let numerical = Reference.gradients(of: forward, at: [x.doubles], upstream: dout.doubles)[0]
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: shape, values: numerical),
                       hint: "dx[n, c, h, w] = dout[n, c] / (H·W): each pixel's share in its channel's mean.",
                       mistakes: [KnownMistake(description: "you copy dout to every pixel without the 1/(H·W) of the mean",
                                               values: numerical.map { $0 * Double(h * w) }),
                                  KnownMistake(description: "you divide by H·H, as if the image were square",
                                               values: numerical.map { $0 * Double(w) / Double(h) })])
        try report.finish()
    }
}
