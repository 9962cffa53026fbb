import Engine
import Foundation

enum Chapter05Checks {
    static func dropout(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let shape = Chapter04ActivationChecks.randomShape(&rng)
        // Never 0.5: there p and 1 − p are equal and dividing by the wrong one would go unseen.
        let p = rng.uniform() < 0.5 ? rng.uniform(0.25, 0.42) : rng.uniform(0.6, 0.9)
        let x = rng.tensor(shape), dout = rng.tensor(shape)
        var mask = Tensor(zeros: shape)
        for i in 0..<mask.count { mask.scalars[i] = rng.uniform() < p ? 1 : 0 }
        mask.scalars[0] = 1                       // at least one kept and one dropped unit
        mask.scalars[mask.count - 1] = 0
        var report = CaseReport("Inverted dropout", setup: "x \(formatShape(shape)), keep probability p = \(p), "
            + "a random 0/1 mask, random upstream gradient dout")
        let keep = mask.doubles, pd = Double(p)
        let forward: ([[Double]]) -> [Double] = { inputs in zip(inputs[0], keep).map { $0 * $1 / pd } }

        let out = try report.call("forward pass", inputs: [("x", x), ("mask", mask)]) { code.dropoutForward(x, mask, p) }
        report.compare("out (forward)", yours: out, expected: Expected(shape: shape, values: forward([x.doubles])), kind: .exact,
                       hint: "out = x·mask/p: kept units are scaled up by 1/p so that the expected value stays x.",
                       mistakes: [KnownMistake(description: "you do not rescale the kept units by 1/p",
                                               values: zip(x.doubles, keep).map { $0 * $1 }),
                                  KnownMistake(description: "you divide by 1 − p (the drop probability) instead of p",
                                               values: zip(x.doubles, keep).map { $0 * $1 / (1 - pd) })])
        try report.finish()

        let dx = try report.call("backward pass", inputs: [("dout", dout), ("mask", mask)]) { code.dropoutBackward(dout, mask, p) }
        let numerical = Reference.gradients(of: forward, at: [x.doubles], upstream: dout.doubles)[0]
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: shape, values: numerical),
                       hint: "dx = dout·mask/p: the same scaling as the forward pass.",
                       mistakes: [KnownMistake(description: "you do not rescale the gradient by 1/p",
                                               values: zip(dout.doubles, keep).map { $0 * $1 }),
                                  KnownMistake(description: "dropped units still receive gradient (the mask is missing)",
                                               values: dout.doubles.map { $0 / pd })])
        try report.finish()
    }
}

/// Random weights are checked by their statistics, pooled over two calls with different seeds
/// (at least 6,400 draws), and by reproducibility from the seed. How often a correct answer is
/// failed (the false-alarm rate), for normal draws of that size:
/// - standard deviation within 5% of √(2/fan-in): the sample standard deviation varies by
///   1/√(2·6,400) = 0.9% of itself, so 5% is 5.7 of those; a false alarm about once in 10⁸ cases;
/// - mean within 5 standard errors of 0: about once in 1.7 million cases;
/// - shape: excess kurtosis (m₄/m₂² − 3) between −0.3 and +0.6. It is 0 for a normal
///   distribution; for 6,400 normal draws it varies by 0.061, and in 20,000 simulated samples
///   (numpy, n = 6,400) it stayed within −0.22 and +0.34, so both bounds lie beyond 4.9 of those.
///   A normal truncated at 2σ and rescaled to the right standard deviation has −0.63 (in 5,000
///   simulated samples never above −0.55), a uniform −1.2: both are failed on every case.
/// Measured on the reference answer with the course's RandomSource, seeds 1–2,000 at the two
/// smallest shapes ((40, 80) and (32, 12, 3, 3), two seeds each): excess kurtosis from −0.18 to
/// +0.30, standard deviation from 0.968 to 1.031 times √(2/fan-in).
enum Chapter06Checks {
    static let kurtosisBounds = -0.3...0.6

    static func kaiming(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        // A linear weight with fan-in and fan-out at least 2× apart, then a convolution weight.
        let d = rng.int(40...160), factor = rng.int(2...4)
        let linear = rng.uniform() < 0.5 ? [d, d * factor] : [d * factor, d]
        let conv = [rng.int(32...48), rng.int(12...16), 3, 3]
        var ladder = Ladder()
        try ladder.rung("a linear weight (D, M)", &rng) { rng throws(GradingFailure) in try kaimingCase(code, &rng, shape: linear) }
        try ladder.rung("a convolution weight (F, C, 3, 3)", &rng) { rng throws(GradingFailure) in
            try kaimingCase(code, &rng, shape: conv)
        }
    }

    static func kaimingCase(_ code: Implementations, _ rng: inout RandomSource, shape: [Int]) throws(GradingFailure) {
        let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
        let fanOut = shape.count == 2 ? shape[1] : shape[0] * shape[2] * shape[3]
        let expectedStd = (2 / Double(fanIn)).squareRoot()
        let what = shape.count == 2 ? "a linear weight (inputs, outputs)" : "a convolution weight (F, C, KH, KW)"
        var report = CaseReport("Kaiming initialization", setup: "shape \(formatShape(shape)), \(what): fan-in \(fanIn), "
            + "so the standard deviation should be √(2/\(fanIn)) = \(formatNumber(expectedStd)); statistics over two seeds' weights")
        let seed = rng.next()
        var first = RandomSource(seed: seed), second = RandomSource(seed: seed), third = RandomSource(seed: seed &+ 1)
        let weights = code.kaimingNormal(shape, &first)
        guard weights.shape == shape else {
            report.fail("shape", summary: "the weights have shape \(weights.shape); expected \(shape)",
                        hint: "return a tensor of exactly the requested shape.")
            try report.finish()
            return
        }
        let again = code.kaimingNormal(shape, &second), other = code.kaimingNormal(shape, &third)
        if again.scalars != weights.scalars || other.scalars == weights.scalars {
            report.fail("reproducible", summary: again.scalars != weights.scalars
                            ? "the same seed gave different weights" : "different seeds gave the same weights",
                        hint: "draw every number from the `rng` you are given (rng.normal()), not from Float.random.")
            try report.finish()
        }
        guard weights.isFinite, other.isFinite, other.shape == shape else {
            report.fail("finite", summary: "some weights are NaN or infinite", hint: "σ = √(2/fanIn), times rng.normal().")
            try report.finish()
            return
        }
        let values = weights.doubles + other.doubles, count = Double(values.count)
        let mean = values.reduce(0, +) / count
        let m2 = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        let std = m2.squareRoot()
        let ratio = std / expectedStd
        if abs(ratio - 1) > 0.05 {
            let candidates: [(String, Double)] = [
                ("you use the fan-out (\(fanOut)) instead of the fan-in", (2 / Double(fanOut)).squareRoot()),
                ("you use √(1/fanIn) (Xavier/LeCun) instead of √(2/fanIn)", (1 / Double(fanIn)).squareRoot()),
                ("you use the variance 2/fanIn as the standard deviation", 2 / Double(fanIn)),
                ("you count every dimension, including the outputs, as fan-in", (2 / Double(shape.reduce(1, *))).squareRoot()),
                ("you take C alone as the fan-in of a convolution (each output adds up C·KH·KW inputs)",
                 shape.count == 4 ? (2 / Double(shape[1])).squareRoot() : .nan),
            ]
            let guess = candidates.first { abs(std / $0.1 - 1) < 0.05 }
            report.fail("standard deviation", summary: "standard deviation \(formatNumber(std)); expected √(2/\(fanIn)) = "
                            + "\(formatNumber(expectedStd)) within 5% (off by a factor \(String(format: "%.3g", ratio)))",
                        detail: guess.map { ["This is what you get when \($0.0)."] } ?? [],
                        hint: "fan-in is the number of inputs each output adds up: D for (D, M), C·KH·KW for (F, C, KH, KW).")
        } else {
            report.pass("standard deviation \(formatNumber(std)) (expected \(formatNumber(expectedStd)) within 5%)")
        }
        if abs(mean) > 5 * expectedStd / count.squareRoot() {
            report.fail("mean", summary: "mean \(formatNumber(mean)); expected 0 (within \(formatNumber(5 * expectedStd / count.squareRoot())))",
                        hint: "the draws are centred on 0: σ·rng.normal(), nothing added.")
        }
        // The shape of the distribution: how heavy its tails are next to a normal one's.
        let kurtosis = values.reduce(0) { $0 + pow($1 - mean, 4) } / count / (m2 * m2) - 3
        let bounds = "\(kurtosisBounds.lowerBound) to +\(kurtosisBounds.upperBound)"
        if !kurtosisBounds.contains(kurtosis) {
            let tails = kurtosis < 0 ? "too light: values pile up in the middle and stop short of the normal's far tails"
                : "too heavy: too many values far from the mean"
            let guess = [("you draw from a normal truncated at 2σ (rng.truncatedNormal) and rescale it", -0.634),
                         ("you draw from a uniform distribution", -1.2)].first { abs(kurtosis - $0.1) < 0.15 }
            report.fail("distribution", summary: "the weights' excess kurtosis is \(String(format: "%.2f", kurtosis)); a normal "
                            + "distribution has 0 (allowed \(bounds) for \(values.count) draws): their tails are \(tails)",
                        detail: guess.map { ["This is what you get when \($0.0) (excess kurtosis \($0.1))."] } ?? [],
                        hint: "draw from the normal distribution (rng.normal()), not a uniform or truncated one.")
        } else {
            report.pass("excess kurtosis \(String(format: "%.3f", kurtosis)) (a normal distribution has 0; allowed \(bounds))")
        }
        try report.finish()
    }
}

enum Chapter07Checks {
    static func batchNorm(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try normalization(code, &rng, overRows: true)
    }

    static func layerNorm(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        try normalization(code, &rng, overRows: false)
    }

    /// Small groups (so dividing the variance by count − 1 shows, but see below), groups of very different
    /// spreads (so a forgotten ε shows), and a random upstream gradient (with all ones, the
    /// gradient of a normalized output is 0 and hides every mistake in dx).
    /// Two rungs: γ = 1 and β = 0 (the normalization alone), then random γ and β.
    static func normalization(_ code: Implementations, _ rng: inout RandomSource, overRows: Bool) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("γ = 1 and β = 0", &rng) { rng throws(GradingFailure) in
            try normalizationCase(code, &rng, overRows: overRows, plainScale: true)
        }
        try ladder.rung("random γ and β", &rng) { rng throws(GradingFailure) in
            try normalizationCase(code, &rng, overRows: overRows, plainScale: false)
        }
    }

    static func normalizationCase(_ code: Implementations, _ rng: inout RandomSource, overRows: Bool,
                                  plainScale: Bool) throws(GradingFailure) {
        // Groups of 3 to 6: with 2, a normalized pair is ±1 whatever x is, so its gradient is all
        // cancellation and Float rounding; with more than 6, count and count − 1 differ too little.
        let n = rng.int(3...6), d = rng.int(3...6)
        var x = rng.tensor([n, d])
        for row in 0..<n {
            for column in 0..<d {
                let group = overRows ? column : row
                let spread: Float = group % 2 == 0 ? 0.1 : 2, shift = Float(group % 3) - 1
                x[row, column] = x[row, column] * spread + shift
            }
        }
        var gamma = rng.tensor([d]), beta = rng.tensor([d])
        if plainScale { (gamma, beta) = (Tensor(repeating: 1, shape: [d]), Tensor(zeros: [d])) }
        let dout = rng.tensor([n, d])
        let epsilon = rng.uniform(0.002, 0.02)
        let title = overRows ? "Batch normalization" : "Layer normalization"
        var report = CaseReport(title, setup: "x \(formatShape([n, d])) with "
            + (overRows ? "columns" : "rows") + " of different spreads, " + (plainScale ? "γ = 1 and β = 0" : "random γ and β (\(d))") + ", ε = \(epsilon), random upstream gradient dout")
        let eps = Double(epsilon)
        let forward: ([[Double]]) -> [Double] = {
            Reference.normalize($0[0], n: n, d: d, gamma: $0[1], beta: $0[2], epsilon: eps, overRows: overRows)
        }
        let along = overRows ? "each column over the batch (over n)" : "each row over its features (over d)"
        let out = try report.call("forward pass", inputs: [("x", x), ("γ", gamma), ("β", beta)]) {
            (overRows ? code.batchNormForward : code.layerNormForward)(x, gamma, beta, epsilon)
        }
        let unbiased = Reference.normalize(x.doubles, n: n, d: d, gamma: gamma.doubles, beta: beta.doubles, epsilon: eps,
                                           overRows: overRows, unbiased: true)
        let other = Reference.normalize(x.doubles, n: n, d: d, gamma: gamma.doubles, beta: beta.doubles, epsilon: eps,
                                        overRows: !overRows)
        let noEpsilon = Reference.normalize(x.doubles, n: n, d: d, gamma: gamma.doubles, beta: beta.doubles, epsilon: 0,
                                            overRows: overRows)
        report.compare("out (forward)", yours: out, expected: Expected(shape: [n, d], values: forward([x.doubles, gamma.doubles, beta.doubles])),
                       kind: .exact, hint: "normalize \(along), with the variance divided by the count and ε inside the square root; "
                           + "then γ·x̂ + β per column.",
                       mistakes: [KnownMistake(description: "you divide the variance by count − 1 (the unbiased estimate)", values: unbiased),
                                  KnownMistake(description: "you normalize " + (overRows ? "each row (that is layer normalization)"
                                                                              : "each column (that is batch normalization)"), values: other),
                                  KnownMistake(description: "you leave ε out", values: noEpsilon)])
        try report.finish()

        let (dx, dgamma, dbeta) = try report.call("backward pass", inputs: [("dout", dout), ("x", x), ("γ", gamma)]) {
            (overRows ? code.batchNormBackward : code.layerNormBackward)(dout, x, gamma, epsilon)
        }
        let grads = Reference.gradients(of: forward, at: [x.doubles, gamma.doubles, beta.doubles], upstream: dout.doubles)
        // The usual mistakes, in Double: dx = (g − a·mean(g) − b·x̂·mean(g·x̂))/√(σ² + ε) with one or
        // both of the extra paths left out (a, b = 0), and dγ averaged or without x̂.
        func dxWithPaths(meanPath: Bool, variancePath: Bool, gammaInG: Bool = true) -> [Double] {
            var result = [Double](repeating: 0, count: n * d)
            for group in 0..<(overRows ? d : n) {
                let indices = (0..<(overRows ? n : d)).map { k in overRows ? k * d + group : group * d + k }
                let values = indices.map { Double(x.scalars[$0]) }, count = Double(values.count)
                let mean = values.reduce(0, +) / count
                let inverseStd = 1 / (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count + eps).squareRoot()
                let g = indices.map { Double(dout.scalars[$0]) * (gammaInG ? Double(gamma.scalars[$0 % d]) : 1) }
                let xhat = values.map { ($0 - mean) * inverseStd }
                let meanG = g.reduce(0, +) / count, meanGXhat = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / count
                for (k, index) in indices.enumerated() {
                    result[index] = (g[k] - (meanPath ? meanG : 0) - (variancePath ? xhat[k] * meanGXhat : 0)) * inverseStd
                }
            }
            return result
        }
        let withoutEpsilon = Reference.gradients(of: {
            Reference.normalize($0[0], n: n, d: d, gamma: $0[1], beta: $0[2], epsilon: 0, overRows: overRows)
        }, at: [x.doubles, gamma.doubles, beta.doubles], upstream: dout.doubles)
        let epsilonText = "your backward pass leaves out ε (your forward pass has it right)"
        let epsilonHint = "your formula is right; recompute σ² and x̂ in the backward pass exactly as the forward pass does, "
            + "with the same ε inside √(σ² + ε)."
        report.compare("dx (∂loss/∂x)", yours: dx, expected: Expected(shape: [n, d], values: grads[0]),
                       hint: "the mean and variance depend on every x of the " + (overRows ? "column" : "row")
                           + ": dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + ε) with g = dout·γ, means \(overRows ? "over n" : "over d").",
                       mistakes: [KnownMistake(description: "you leave out the paths through the mean and the variance "
                                               + "(dx = dout·γ/√(σ² + ε))", values: dxWithPaths(meanPath: false, variancePath: false)),
                                  KnownMistake(description: "you leave out the path through the variance (the − x̂·mean(g·x̂) "
                                               + "term); the mean's path is right", values: dxWithPaths(meanPath: true, variancePath: false)),
                                  KnownMistake(description: "you leave out the path through the mean (the − mean(g) term); "
                                               + "the variance's path is right", values: dxWithPaths(meanPath: false, variancePath: true)),
                                  KnownMistake(description: epsilonText, values: withoutEpsilon[0], hint: epsilonHint),
                                  KnownMistake(description: "you leave γ out of dx (g = dout instead of dout·γ)",
                                               values: dxWithPaths(meanPath: true, variancePath: true, gammaInG: false))])
        let dbetaExpected = grads[2]
        report.compare("dγ (∂loss/∂γ)", yours: dgamma, expected: Expected(shape: [d], values: grads[1]),
                       hint: "dγ[d] = Σₙ dout[n, d]·x̂[n, d], summed over the batch.",
                       mistakes: [KnownMistake(description: "you average dγ over the batch instead of summing",
                                               values: grads[1].map { $0 / Double(n) }),
                                  KnownMistake(description: "you leave x̂ out of dγ (that is dβ)", values: dbetaExpected),
                                  KnownMistake(description: epsilonText, values: withoutEpsilon[1], hint: epsilonHint)])
        report.compare("dβ (∂loss/∂β)", yours: dbeta, expected: Expected(shape: [d], values: dbetaExpected),
                       hint: "dβ[d] = Σₙ dout[n, d], summed over the batch.",
                       mistakes: [KnownMistake(description: "you average dβ over the batch instead of summing",
                                               values: dbetaExpected.map { $0 / Double(n) })])
        try report.finish()
    }
}
