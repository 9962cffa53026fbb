import Engine
import Foundation

enum Chapter04ConvolutionChecks {
    /// Two random cases per seed: one with stride 1 and padding (where padding bugs show), one
    /// with a larger stride (where stride bugs show). Images and kernels need not be square.
    static func convolution(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        for strided in [false, true] {
            let stride = strided ? rng.int(2...3) : 1
            let padding = strided ? rng.int(0...2) : rng.int(1...2)
            let n = rng.int(2...3), c = rng.int(1...3), f = rng.int(1...3)    // n ≥ 2: gradients must add up over images
            let kh = rng.int(1...4), kw = strided ? rng.int(1...4) : rng.int(2...4)
            // At least two output rows and columns, so that the stride matters.
            let lowH = max(4, kh + stride - 2 * padding), lowW = max(4, kw + stride - 2 * padding)
            let h = rng.int(lowH...(lowH + 4)), w = rng.int(lowW...(lowW + 4))
            try convolutionCase(code, &rng, xShape: [n, c, h, w], wShape: [f, c, kh, kw], stride: stride, padding: padding)
        }
    }

    static func convolutionCase(_ code: Implementations, _ rng: inout RandomSource, xShape: [Int], wShape: [Int],
                                stride: Int, padding: Int) throws(GradingFailure) {
        let x = rng.tensor(xShape), w = rng.tensor(wShape, scale: 0.5), b = rng.tensor([wShape[0]])
        let reference = Reference.conv2d(x.doubles, xShape, w.doubles, wShape, b.doubles, stride: stride, padding: padding)
        let dout = rng.tensor(reference.shape)
        var report = CaseReport("2-D convolution", setup: "x \(formatShape(xShape)), w \(formatShape(wShape)), b (\(wShape[0])), "
            + "stride \(stride), padding \(padding), so out is \(formatShape(reference.shape)); random upstream gradient dout")

        let out = code.conv2dForward(x, w, b, stride, padding)
        let flipped = Reference.conv2d(x.doubles, xShape, w.doubles, wShape, b.doubles, stride: stride, padding: padding, flipped: true)
        report.compare("out (forward)", yours: out, expected: Expected(shape: reference.shape, values: reference.values), kind: .exact,
                       hint: "OH = (H + 2·padding − KH)/stride + 1; input row = oh·stride + kh − padding, read as 0 outside 0..<H.",
                       mistakes: [KnownMistake(description: "you flip the kernel (a true convolution); frameworks and this "
                                               + "course compute the cross-correlation, w[f, c, kh, kw] unflipped", values: flipped.values)])
        try report.finish()

        let (dx, dw, db) = code.conv2dBackward(dout, x, w, stride, padding)
        let grads = Reference.gradients(of: {
            Reference.conv2d($0[0], xShape, $0[1], wShape, $0[2], stride: stride, padding: padding).values
        }, at: [x.doubles, w.doubles, b.doubles], upstream: dout.doubles)
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: xShape, values: grads[0]),
                       hint: "dx[n, c, ih, iw] += dout[n, f, oh, ow]·w[f, c, kh, kw] in the forward's loops, with the same "
                           + "ih = oh·stride + kh − padding and the same skipping of padded positions.")
        report.compare("dw (∂loss/∂w)", yours: dw, expected: Expected(shape: wShape, values: grads[1]),
                       hint: "dw[f, c, kh, kw] += dout[n, f, oh, ow]·x[n, c, ih, iw], summed over every image n and position (oh, ow).")
        report.compare("db (∂loss/∂b)", yours: db, expected: Expected(shape: [wShape[0]], values: grads[2]),
                       hint: "db[f] = Σ over n, oh, ow of dout[n, f, oh, ow]: each bias is added at every position of every image.")
        try report.finish()
    }

    /// Three cases per seed: the usual 2×2 stride 2, overlapping 3×3 stride 2, and a random one.
    /// Inputs are distinct values spaced well apart, so every window has a clear winner.
    static func maxPooling(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        for (size, stride) in [(2, 2), (3, 2), (rng.int(2...3), rng.int(1...3))] {
            // At least three windows each way, so strides and overlaps matter.
            let low = size + 2 * stride
            let shape = [rng.int(1...2), rng.int(2...3), rng.int(low...(low + 3)), rng.int(low...(low + 3))]
            try maxPoolingCase(code, &rng, shape: shape, size: size, stride: stride)
        }
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
        let reference = Reference.maxPool(x.doubles, shape, size: size, stride: stride)
        let dout = rng.tensor(reference.shape)
        var report = CaseReport("Max-pooling", setup: "x \(formatShape(shape)), window \(size)×\(size), stride \(stride), "
            + "so out is \(formatShape(reference.shape)); random upstream gradient dout")

        let out = code.maxPoolForward(x, size, stride)
        report.compare("out (forward)", yours: out, expected: Expected(shape: reference.shape, values: reference.values), kind: .exact,
                       hint: "OH = (H − size)/stride + 1; window (oh, ow) starts at row oh·stride, column ow·stride.")
        try report.finish()

        let dx = code.maxPoolBackward(dout, x, size, stride)
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
