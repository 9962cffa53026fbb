import Engine
import Foundation

enum Chapter04ConvolutionChecks {
    /// Three rungs per seed: stride 1 without padding, stride 1 with padding (where padding bugs
    /// show), then a larger stride (where stride bugs show). Images and kernels need not be square.
    static func convolution(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        for (name, strided, padded) in [("stride 1, padding 0", false, false), ("stride 1, padding 1 or 2", false, true),
                                        ("stride 2 or 3, padding 0 to 2", true, true)] {
            try ladder.rung(name, &rng) { rng throws(GradingFailure) in
                let stride = strided ? rng.int(2...3) : 1
                let padding = !padded ? 0 : strided ? rng.int(0...2) : rng.int(1...2)
                let n = rng.int(2...3), c = rng.int(1...3), f = rng.int(1...3)    // n ≥ 2: gradients must add up over images
                let kh = rng.int(1...4), kw = strided ? rng.int(1...4) : rng.int(2...4)
                // At least two output rows and columns, so that the stride matters.
                let lowH = max(4, kh + stride - 2 * padding), lowW = max(4, kw + stride - 2 * padding)
                let h = rng.int(lowH...(lowH + 4)), w = rng.int(lowW...(lowW + 4))
                try convolutionCase(code, &rng, xShape: [n, c, h, w], wShape: [f, c, kh, kw], stride: stride, padding: padding)
            }
        }
    }

    static func convolutionCase(_ code: Implementations, _ rng: inout RandomSource, xShape: [Int], wShape: [Int],
                                stride: Int, padding: Int) throws(GradingFailure) {
        let x = rng.tensor(xShape), w = rng.tensor(wShape, scale: 0.5), b = rng.tensor([wShape[0]])
        let reference = Reference.conv2d(x.doubles, xShape, w.doubles, wShape, b.doubles, stride: stride, padding: padding)
        let dout = rng.tensor(reference.shape)
        var report = CaseReport("2-D convolution", setup: "x \(formatShape(xShape)), w \(formatShape(wShape)), b (\(wShape[0])), "
            + "stride \(stride), padding \(padding), so out is \(formatShape(reference.shape)); random upstream gradient dout")

        let out = try report.call("forward pass", inputs: [("x", x), ("w", w), ("b", b)]) { code.conv2dForward(x, w, b, stride, padding) }
        let flipped = Reference.conv2d(x.doubles, xShape, w.doubles, wShape, b.doubles, stride: stride, padding: padding, flipped: true)
        report.compare("out (forward)", yours: out, expected: Expected(shape: reference.shape, values: reference.values), kind: .exact,
                       hint: "OH = (H + 2·padding − KH)/stride + 1; input row = oh·stride + kh − padding, read as 0 outside 0..<H.",
                       mistakes: [KnownMistake(description: "you flip the kernel (a true convolution); frameworks and this "
                                               + "course compute the cross-correlation, w[f, c, kh, kw] unflipped", values: flipped.values)])
        try report.finish()

        let (dx, dw, db) = try report.call("backward pass", inputs: [("dout", dout), ("x", x), ("w", w)]) {
            code.conv2dBackward(dout, x, w, stride, padding)
        }
        let grads = Reference.gradients(of: {
            Reference.conv2d($0[0], xShape, $0[1], wShape, $0[2], stride: stride, padding: padding).values
        }, at: [x.doubles, w.doubles, b.doubles], upstream: dout.doubles)
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: xShape, values: grads[0]),
                       hint: "dx[n, c, ih, iw] += dout[n, f, oh, ow]·w[f, c, kh, kw] in the forward's loops, with the same "
                           + "ih = oh·stride + kh − padding and the same skipping of padded positions.")
        // The mistake: dw and db reset for every image, so that only the last image's part is left.
        var lastImageOnly = dout.doubles
        let perImage = lastImageOnly.count / xShape[0]
        for i in 0..<(lastImageOnly.count - perImage) { lastImageOnly[i] = 0 }
        let lastImage = Reference.gradients(of: {
            Reference.conv2d($0[0], xShape, $0[1], wShape, $0[2], stride: stride, padding: padding).values
        }, at: [x.doubles, w.doubles, b.doubles], upstream: lastImageOnly)
        let lastImageText = "dw and db keep only the last image's part (reset inside the loop over images?)"
        report.compare("dw (∂loss/∂w)", yours: dw, expected: Expected(shape: wShape, values: grads[1]),
                       hint: "dw[f, c, kh, kw] += dout[n, f, oh, ow]·x[n, c, ih, iw], summed over every image n and position (oh, ow).",
                       mistakes: [KnownMistake(description: lastImageText, values: lastImage[1])])
        // db[f] adds up N·OH·OW random dout values, which can nearly cancel: then Float rounding in a
        // correct sum is a large part of the small result (seed 71 reached 0.3 of the tolerance).
        // Errors are measured against at least 1e-3 of the size of the terms added up instead.
        let planeSize = dout.count / (xShape[0] * wShape[0])
        let termSize = (0..<wShape[0]).map { filter in
            (0..<xShape[0]).reduce(0.0) { sum, image in
                sum + dout.scalars[((image * wShape[0] + filter) * planeSize)..<((image * wShape[0] + filter + 1) * planeSize)]
                    .reduce(0.0) { $0 + Double(abs($1)) }
            }
        }.max()!
        report.compare("db (∂loss/∂b)", yours: db, expected: Expected(shape: [wShape[0]], values: grads[2]),
                       hint: "db[f] = Σ over n, oh, ow of dout[n, f, oh, ow]: each bias is added at every position of every image.",
                       mistakes: [KnownMistake(description: lastImageText, values: lastImage[2]),
                                  KnownMistake(description: "you average db over the batch instead of summing",
                                               values: grads[2].map { $0 / Double(xShape[0]) })],
                       minimumFloor: 1e-3 * termSize)
        try report.finish()
    }

    /// Four rungs per seed: the usual 2×2 stride 2, overlapping 3×3 stride 2 and a random window,
    /// on distinct values spaced well apart (every window has one clear winner, and dx is checked
    /// against numerical gradients); then windows with exact ties, as ReLU zeros and saturated
    /// pixels make them, where dx is checked window by window.
    static func maxPooling(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        for (name, size, stride) in [("2×2 window, stride 2", 2, 2), ("3×3 window, stride 2 (overlapping)", 3, 2),
                                     ("a random window and stride", rng.int(2...3), rng.int(1...3))] {
            try ladder.rung(name, &rng) { rng throws(GradingFailure) in
                // At least three windows each way, so strides and overlaps matter.
                let low = size + 2 * stride
                let shape = [rng.int(1...2), rng.int(2...3), rng.int(low...(low + 3)), rng.int(low...(low + 3))]
                try maxPoolingCase(code, &rng, shape: shape, size: size, stride: stride)
            }
        }
        try ladder.rung("windows with tied maxima", &rng) { rng throws(GradingFailure) in
            let size = rng.int(2...3)
            try maxPoolingTies(code, &rng, shape: [rng.int(1...2), rng.int(2...3), 2 * size + rng.int(0...2), 2 * size + rng.int(0...2)],
                               size: size)
        }
    }

    /// Grades the forward pass of one case; returns its report, the reference result and a random
    /// upstream gradient for the backward pass.
    static func poolingForward(_ code: Implementations, _ rng: inout RandomSource, _ x: Tensor, size: Int, stride: Int,
                               values: String, hint: String) throws(GradingFailure)
        -> (CaseReport, (values: [Double], shape: [Int], winners: [Int]), Tensor) {
        let reference = Reference.maxPool(x.doubles, x.shape, size: size, stride: stride)
        let dout = rng.tensor(reference.shape)
        var report = CaseReport("Max-pooling", setup: "x \(formatShape(x.shape))\(values), window \(size)×\(size), stride \(stride), "
            + "so out is \(formatShape(reference.shape)); random upstream gradient dout")
        let out = try report.call("forward pass", inputs: [("x", x)]) { code.maxPoolForward(x, size, stride) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: reference.shape, values: reference.values), kind: .exact,
                       hint: hint)
        try report.finish()
        return (report, reference, dout)
    }

    /// Non-overlapping windows (stride = size, so each input belongs to at most one window) of
    /// values that are 0, 1 or in between, the first window all zeros and the second with two 1s.
    /// Any tie rule is right as long as each window passes back exactly its dout, and only to
    /// positions holding its maximum: the first of them (the engine's rule, a strict >), the
    /// last, or shared among them.
    static func maxPoolingTies(_ code: Implementations, _ rng: inout RandomSource, shape: [Int], size: Int) throws(GradingFailure) {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        var x = Tensor(zeros: shape)
        for i in 0..<x.count {
            let u = rng.uniform()
            x.scalars[i] = u < 0.4 ? 0 : u < 0.7 ? 1 : rng.uniform(0.05, 0.95)
        }
        for di in 0..<size {
            for dj in 0..<size {
                x.scalars[di * w + dj] = 0                                     // window (0, 0): all tied at 0
                x.scalars[di * w + size + dj] = di == 0 ? 1 : rng.uniform(0.05, 0.95)   // window (0, 1): 1s along its top row
            }
        }
        var (report, reference, dout) = try poolingForward(code, &rng, x, size: size, stride: size,
                                                           values: " of 0s, 1s and values between (tied maxima in many windows)",
                                                           hint: "the maximum of each window; ties do not change it.")

        let dx = try report.call("backward pass", inputs: [("dout", dout), ("x", x)]) { code.maxPoolBackward(dout, x, size, size) }
        guard dx.shape == shape else {
            report.fail("dx", summary: "dx (∂loss/∂x) has shape \(dx.shape); expected \(shape)", hint: "dx has the shape of x.")
            try report.finish()
            return
        }
        let (oh, ow) = (reference.shape[2], reference.shape[3])
        // Every window as (plane, oh, ow, the flat indices of its inputs).
        let windows = (0..<(planes * oh * ow)).map { k -> (plane: Int, i: Int, j: Int, positions: [Int]) in
            let (plane, i, j) = (k / (oh * ow), k / ow % oh, k % ow)
            return (plane, i, j, (0..<(size * size)).map { (plane * h + i * size + $0 / size) * w + j * size + $0 % size })
        }
        var inWindow = [Bool](repeating: false, count: x.count)
        for window in windows { window.positions.forEach { inWindow[$0] = true } }
        let tieHint = "when several inputs tie for a window's maximum, pass its dout to one of them (the engine takes the first "
            + "in reading order, which a strict > comparison gives) or share it among them; never the whole dout to each."
        for (plane, i, j, positions) in windows {
            let top = positions.map { x.scalars[$0] }.max()!, winners = positions.filter { x.scalars[$0] == top }
            let g = Double(dout.scalars[(plane * oh + i) * ow + j])
            let window = "window (\(i), \(j)) of image \(plane / shape[1]), channel \(plane % shape[1])"
            if let loser = positions.first(where: { x.scalars[$0] != top && dx.scalars[$0] != 0 }) {
                report.fail("dx", summary: "dx\(formatIndex(loser, shape)) is \(formatNumber(Double(dx.scalars[loser]))), but x there "
                                + "(\(formatNumber(Double(x.scalars[loser])))) is below the maximum \(formatNumber(Double(top))) of \(window)",
                            hint: "only a window's maximum gets its gradient.")
                break
            }
            let total = positions.reduce(0.0) { $0 + Double(dx.scalars[$1]) }
            if abs(total - g) > 1e-5 * max(1, abs(g)) {
                let every = winners.count > 1 && abs(total - Double(winners.count) * g) <= 1e-5 * max(1, abs(g))
                report.fail("dx", summary: "dx over \(window), which has \(winners.count) tied maxima, adds up to "
                                + "\(formatNumber(total)); its dout is \(formatNumber(g))",
                            detail: every ? ["This is exactly what you get when you send the gradient to every tied maximum: "
                                             + "with \(winners.count) of them the window passes \(winners.count) times its gradient back."] : [],
                            hint: tieHint)
                break
            }
        }
        if let stray = (0..<x.count).first(where: { !inWindow[$0] && dx.scalars[$0] != 0 }) {
            report.fail("dx", summary: "dx\(formatIndex(stray, shape)) is \(formatNumber(Double(dx.scalars[stray]))), but no window covers it",
                        hint: "rows and columns past the last window get no gradient.")
        }
        if report.isClean { report.pass("dx (∂loss/∂x): each window passes back exactly its dout, only to its maxima") }
        try report.finish()
    }

    static func maxPoolingCase(_ code: Implementations, _ rng: inout RandomSource, shape: [Int], size: Int,
                               stride: Int) throws(GradingFailure) {
        let count = shape.reduce(1, *)
        var order = Array(0..<count)
        rng.shuffle(&order)
        let spacing = 4 / Float(count)               // distinct values, at least 0.8·spacing apart
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = Float(order[i]) * spacing - 2 + 0.2 * spacing * rng.uniform() }
        let x = Tensor(shape: shape, scalars: scalars)
        var (report, reference, dout) = try poolingForward(code, &rng, x, size: size, stride: stride, values: "",
                                                           hint: "OH = (H − size)/stride + 1; window (oh, ow) starts at row "
                                                               + "oh·stride, column ow·stride.")

        let dx = try report.call("backward pass", inputs: [("dout", dout), ("x", x)]) { code.maxPoolBackward(dout, x, size, stride) }
        let numerical = Reference.gradients(of: { Reference.maxPool($0[0], shape, size: size, stride: stride).values },
                                            at: [x.doubles], upstream: dout.doubles)[0]
        // The mistakes: dout sent to every position of the window, or spread evenly over it.
        var everywhere = [Double](repeating: 0, count: count)
        let (h, w) = (shape[2], shape[3]), (oh, ow) = (reference.shape[2], reference.shape[3])
        for plane in 0..<(shape[0] * shape[1]) {
            for i in 0..<oh {
                for j in 0..<ow {
                    let g: Double = Double(dout.scalars[(plane * oh + i) * ow + j])
                    for di in 0..<size {
                        let row: Int = plane * h + i * stride + di
                        for dj in 0..<size { everywhere[row * w + j * stride + dj] += g }
                    }
                }
            }
        }
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: shape, values: numerical),
                       hint: "only each window's maximum gets its gradient: dx[argmax] += dout[n, c, oh, ow]; "
                           + "add (+=), because overlapping windows can share a winner.",
                       mistakes: [KnownMistake(description: "you send dout to every position of the window, not only to its maximum",
                                               values: everywhere),
                                  KnownMistake(description: "you spread dout evenly over the window (that is average pooling's gradient)",
                                               values: everywhere.map { $0 / Double(size * size) })])
        try report.finish()
    }
}
