import Engine
import Foundation

enum Chapter01Checks {
    /// The learner's centered differences on a function whose gradient is known exactly:
    ///   f(x) = Σᵢ sin(xᵢ)·xᵢ₊₁ + xᵢ²   (indices wrap around)
    /// With h = 1e-4 centered differences are good to about 1e-9 of the gradient's scale here;
    /// one-sided ones miss by about 1e-4, and a coordinate left out of place spoils its neighbour
    /// (the sin(xᵢ)·xᵢ₊₁ coupling) by as much. The check allows 1e-6, in Double.
    static func numericalGradient(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let n = rng.int(3...8)
        let x = (0..<n).map { _ in Double(rng.normal()) }
        let h = 1e-4
        func f(_ x: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<x.count { sum += sin(x[i]) * x[(i + 1) % x.count] + x[i] * x[i] }
            return sum
        }
        let exact = (0..<n).map { i in cos(x[i]) * x[(i + 1) % n] + sin(x[(i + n - 1) % n]) + 2 * x[i] }
        var report = CaseReport("Numerical gradient",
            setup: "f(x) = Σᵢ sin(xᵢ)·xᵢ₊₁ + xᵢ² at a random x of \(n) numbers, step h = 1e-4")
        let yours = code.numericalGradient(f, x, h)
        let forward = (0..<n).map { i -> Double in
            var up = x
            up[i] += h
            return (f(up) - f(x)) / h
        }
        report.compare("gradient", yours: yours, shape: [yours.count], expected: Expected(shape: [n], values: exact),
                       kind: .analytic, hint: "(f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h), with every other coordinate exactly at x.",
                       mistakes: [KnownMistake(description: "you use the one-sided difference (f(x + h·eᵢ) − f(x)) / h", values: forward),
                                  KnownMistake(description: "you divide by h instead of 2h", values: exact.map { 2 * $0 })],
                       tolerance: 1e-6, floorFraction: 1)
        try report.finish()
    }

    /// Three rungs: moderate logits; a row with 200 added to every logit (exp(200) overflows
    /// Float, so only a shifted softmax survives); rows where one logit dominates the others by
    /// 140 or more, with the label on it in one row and elsewhere in another. The last is what a
    /// shift by anything but the row's maximum does not survive (with 3 classes the mean is still
    /// 93 below the top logit, and exp(89) overflows), nor −log of a probability that underflowed
    /// to 0 (exp(−104) is below Float's smallest number).
    static func softmaxCrossEntropy(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("moderate logits", &rng) { rng throws(GradingFailure) in
            try softmaxCase(code, &rng) { _, _, _ in "" }
        }
        try ladder.rung("a row with 200 added to every logit", &rng) { rng throws(GradingFailure) in
            try softmaxCase(code, &rng) { logits, _, rng in
                let bigRow = rng.integer(below: logits.shape[0])
                for c in 0..<logits.shape[1] { logits[bigRow, c] += 200 }
                return " with 200 added to row \(bigRow)"
            }
        }
        try ladder.rung("one logit 140 or more above the rest of its row", &rng) { rng throws(GradingFailure) in
            try softmaxCase(code, &rng, minimumRows: 2) { logits, labels, rng in
                let classes = logits.shape[1]
                for (row, labelOnTop) in [(0, true), (1, false)] {
                    let top = labelOnTop ? labels[row] : (labels[row] + 1 + rng.integer(below: classes - 1)) % classes
                    logits[row, top] = (0..<classes).map { logits[row, $0] }.max()! + rng.uniform(140, 180)
                }
                return "; in rows 0 and 1 one logit is 140 to 180 above the others (row 0: the label's; row 1: another)"
            }
        }
    }

    static func softmaxCase(_ code: Implementations, _ rng: inout RandomSource, minimumRows: Int = 2,
                            _ adjust: (inout Tensor, [Int], inout RandomSource) -> String) throws(GradingFailure) {
        let n = rng.int(minimumRows...8), classes = rng.int(3...10)
        var logits = rng.tensor([n, classes], scale: 3)
        let labels = (0..<n).map { _ in rng.integer(below: classes) }
        let adjusted = adjust(&logits, labels, &rng)
        var report = CaseReport("Softmax cross-entropy",
            setup: "logits \(formatShape([n, classes])) ~ N(0, 3²)\(adjusted), random labels")

        let (loss, gradient) = try report.call("loss function", inputs: [("logits", logits)]) { code.softmaxCrossEntropy(logits, labels) }
        let z = logits.doubles
        let expectedLoss = Reference.softmaxCrossEntropy(z, labels: labels, classes: classes)
        report.compare("loss", yours: loss, expected: expectedLoss,
                       hint: "the loss is the MEAN over rows of −log p[label]; subtract each row's max before exp, and compute "
                           + "−log p[label] as log Σ exp(z − max) − (z[label] − max), never as −log of a probability that may be 0.",
                       mistakes: [KnownMistake(description: "you sum over the rows instead of averaging", values: [expectedLoss * Double(n)])])
        let numerical = Reference.numericalGradient({ Reference.softmaxCrossEntropy($0, labels: labels, classes: classes) }, at: z)
        var probabilitiesOverN = numerical
        for row in 0..<n { probabilitiesOverN[row * classes + labels[row]] += 1 / Double(n) }
        report.compare("gradient (∂loss/∂logits)", yours: gradient, expected: Expected(shape: [n, classes], values: numerical),
                       hint: "(softmax(row) − onehot(label)) / N; the max-subtraction does not change it.",
                       mistakes: [KnownMistake(description: "you do not divide the gradient by N (the loss is a mean)",
                                               values: numerical.map { $0 * Double(n) }),
                                  KnownMistake(description: "you forget to subtract 1 at the correct label",
                                               values: probabilitiesOverN)])
        try report.finish()
    }

    /// Two rungs: one example, where sums over the batch cannot go wrong, then a batch.
    static func linear(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("one example (N = 1)", &rng) { rng throws(GradingFailure) in try linearCase(code, &rng, n: 1) }
        try ladder.rung("a batch (N from 2 to 6)", &rng) { rng throws(GradingFailure) in try linearCase(code, &rng, n: rng.int(2...6)) }
    }

    static func linearCase(_ code: Implementations, _ rng: inout RandomSource, n: Int) throws(GradingFailure) {
        let d = rng.int(2...9)
        var m = rng.int(2...9)
        if m == d { m += 1 }                        // D ≠ M, so a forgotten transpose shows in the shape
        let x = rng.tensor([n, d]), w = rng.tensor([d, m]), b = rng.tensor([m])
        let dout = rng.tensor([n, m])               // a random upstream gradient, never all ones
        var report = CaseReport("Linear layer",
            setup: "x \(formatShape([n, d])), W \(formatShape([d, m])), b (\(m)), random upstream gradient dout \(formatShape([n, m]))")

        let out = try report.call("forward pass", inputs: [("x", x), ("W", w), ("b", b)]) { code.linearForward(x, w, b) }
        let forward: ([[Double]]) -> [Double] = { Reference.linear($0[0], $0[1], $0[2], n: n, d: d, m: m) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: [n, m], values: forward([x.doubles, w.doubles, b.doubles])),
                       kind: .exact, hint: "out[n, j] = Σᵢ x[n, i]·W[i, j] + b[j]; W is (D, M), not (M, D).")
        try report.finish()

        let (dx, dw, db) = try report.call("backward pass", inputs: [("dout", dout), ("x", x), ("W", w)]) { code.linearBackward(dout, x, w) }
        let grads = Reference.gradients(of: forward, at: [x.doubles, w.doubles, b.doubles], upstream: dout.doubles)
        let g = dout.doubles
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: [n, d], values: grads[0]),
                       hint: "dx = dout·Wᵀ: dx[n, i] = Σⱼ dout[n, j]·W[i, j].")
        report.compare("dW (∂loss/∂W)", yours: dw, expected: Expected(shape: [d, m], values: grads[1]),
                       hint: "dW = xᵀ·dout has the shape of W, (D, M): dW[i, j] = Σₙ x[n, i]·dout[n, j].",
                       mistakes: [KnownMistake(description: "you average dW over the batch instead of summing",
                                               values: grads[1].map { $0 / Double(n) })])
        report.compare("db (∂loss/∂b)", yours: db, expected: Expected(shape: [m], values: grads[2]),
                       hint: "b was added to every row, so db[j] = Σₙ dout[n, j]: a sum over the batch.",
                       mistakes: [KnownMistake(description: "you average over the batch instead of summing",
                                               values: grads[2].map { $0 / Double(n) }),
                                  KnownMistake(description: "you take the first row of dout instead of summing over the batch",
                                               values: Array(g[0..<m]))])
        try report.finish()
    }
}
