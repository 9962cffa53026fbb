import Engine
import Foundation

/// Batch normalization in evaluation mode and the running averages behind it, checked against
/// exactly known values (replayed in Double), in PyTorch's convention, which the engine follows:
/// momentum 0.1 weighs the new batch, the running variance takes the unbiased batch variance,
/// ε = 1e-5 inside the square root.
extension Chapter07Checks {
    static let momentum: Float = 0.1
    static let evaluationEpsilon: Float = 1e-5

    static func batchNormEvaluation(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("evaluation forward with given running statistics", &rng) { rng throws(GradingFailure) in
            try evaluationForward(code, &rng)
        }
        try ladder.rung("running averages over \(trainingBatches) training batches", &rng) { rng throws(GradingFailure) in
            try runningAverages(code, &rng)
        }
    }

    /// One feature's running variance is tiny (2e-5, next to ε = 1e-5), so leaving ε out or
    /// putting it outside the square root shows; the others lie between 0.3 and 4.
    static func evaluationForward(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let n = rng.int(2...5), d = rng.int(3...6), tiny = rng.integer(below: d)
        let mean = rng.tensor([d], scale: 2)
        var variance = Tensor(zeros: [d])
        for i in 0..<d { variance.scalars[i] = i == tiny ? 2e-5 : rng.uniform(0.3, 4) }
        var x = rng.tensor([n, d])
        for row in 0..<n {
            for feature in 0..<d { x[row, feature] = mean[feature] + variance[feature].squareRoot() * x[row, feature] }
        }
        let gamma = rng.tensor([d]), beta = rng.tensor([d]), epsilon = evaluationEpsilon
        var report = CaseReport("Batch normalization, evaluation mode", setup: "x \(formatShape([n, d])), γ and β (\(d)), "
            + "running mean and variance (\(d)) with variance 2e-5 at feature \(tiny), ε = 1e-5")
        let (xs, mu, v, g, b) = (x.doubles, mean.doubles, variance.doubles, gamma.doubles, beta.doubles)
        /// γ·(x − μ)/scale(v) + β with the running statistics, for a given way of turning v into the divisor.
        func normalized(_ divisor: (Double) -> Double) -> [Double] {
            (0..<(n * d)).map { i in g[i % d] * (xs[i] - mu[i % d]) / divisor(v[i % d]) + b[i % d] }
        }
        let eps = Double(epsilon)
        let out = try report.call("forward pass", inputs: [("x", x), ("γ", gamma), ("β", beta), ("runningMean", mean),
                                                         ("runningVariance", variance)]) {
            code.batchNormEvaluationForward(x, gamma, beta, mean, variance, epsilon)
        }
        report.compare("out (forward)", yours: out, expected: Expected(shape: [n, d], values: normalized { ($0 + eps).squareRoot() }),
                       kind: .exact, hint: "out = γ·(x − runningMean)/√(runningVariance + ε) + β, per feature; nothing is "
                           + "computed from the batch in evaluation mode.",
                       mistakes: [KnownMistake(description: "you normalize with the batch's own mean and variance (that is "
                                               + "training mode)", values: Reference.normalize(xs, n: n, d: d, gamma: g, beta: b,
                                                                                               epsilon: eps, overRows: true)),
                                  KnownMistake(description: "you leave ε out", values: normalized { $0.squareRoot() }),
                                  KnownMistake(description: "you add ε outside the square root", values: normalized { $0.squareRoot() + eps }),
                                  KnownMistake(description: "you divide by the variance instead of the standard deviation",
                                               values: normalized { $0 + eps })])
        try report.finish()
    }

    static let trainingBatches = 4

    /// Small batches (N from 3 to 6, where N and N − 1 differ), features with means from −3 to 5 and
    /// standard deviations 0.5 and 3, so that every convention shows in the first update.
    static func runningAverages(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let n = rng.int(3...6), d = rng.int(3...6)
        var report = CaseReport("Batch normalization, running averages", setup: "\(trainingBatches) training batches x "
            + "\(formatShape([n, d])), running mean and variance (\(d)) starting at 0 and 1, momentum \(momentum)")
        var runningMean = Tensor(zeros: [d]), runningVariance = Tensor(repeating: 1, shape: [d])
        var expectedMean = [Double](repeating: 0, count: d), expectedVariance = [Double](repeating: 1, count: d)
        let m = Double(momentum)
        for batch in 1...trainingBatches {
            var x = rng.tensor([n, d])
            for row in 0..<n {
                for feature in 0..<d {
                    x[row, feature] = x[row, feature] * (feature % 2 == 0 ? 0.5 : 3) + Float([-3, 2, 5][feature % 3])
                }
            }
            try report.call("update", inputs: [("x", x)]) {
                code.batchNormUpdateRunningStatistics(&runningMean, &runningVariance, x, momentum)
            }
            let columns = (0..<d).map { feature in (0..<n).map { Double(x[$0, feature]) } }
            let batchMean = columns.map { $0.reduce(0, +) / Double(n) }
            let squares = zip(columns, batchMean).map { column, mean in column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } }
            let unbiased = squares.map { $0 / Double(n - 1) }, biased = squares.map { $0 / Double(n) }
            func average(_ old: [Double], _ new: [Double], weight: Double) -> [Double] {
                zip(old, new).map { (1 - weight) * $0 + weight * $1 }
            }
            let (oldMean, oldVariance) = (expectedMean, expectedVariance)
            expectedMean = average(oldMean, batchMean, weight: m)
            expectedVariance = average(oldVariance, unbiased, weight: m)
            let keras = "you weight the new batch by 1 − momentum (the Keras convention); here momentum is the new batch's weight"
            let replaced = "you replace the running value by the batch's instead of averaging"
            report.compare("running mean after batch \(batch)", yours: runningMean, expected: Expected(shape: [d], values: expectedMean),
                           kind: .exact, hint: "runningMean ← (1 − momentum)·runningMean + momentum·μ, with μ the batch's mean "
                               + "of each feature (column).",
                           mistakes: [KnownMistake(description: keras, values: average(oldMean, batchMean, weight: 1 - m)),
                                      KnownMistake(description: replaced, values: batchMean)])
            report.compare("running variance after batch \(batch)", yours: runningVariance,
                           expected: Expected(shape: [d], values: expectedVariance), kind: .exact,
                           hint: "runningVariance ← (1 − momentum)·runningVariance + momentum·σ², with the UNBIASED σ² "
                               + "(divide by N − 1) of each feature.",
                           mistakes: [KnownMistake(description: "you update it with the biased batch variance (divide by N); "
                                                   + "the running variance takes the unbiased one (divide by N − 1)",
                                                   values: average(oldVariance, biased, weight: m)),
                                      KnownMistake(description: keras, values: average(oldVariance, unbiased, weight: 1 - m)),
                                      KnownMistake(description: replaced, values: unbiased),
                                      KnownMistake(description: "you average the standard deviation instead of the variance",
                                                   values: average(oldVariance, unbiased.map { $0.squareRoot() }, weight: m))])
            try report.finish()
        }
    }
}
