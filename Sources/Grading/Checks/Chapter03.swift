import Engine
import Foundation

/// Update rules are checked against exactly known values: the same steps replayed in Double.
/// Several steps with random gradients, so state that is not carried from one step to the next
/// shows. The parameter's change since the start is compared (not the parameter itself), so a
/// mistake in a small update is not hidden under the parameter's much larger value. Parameters
/// start small (standard deviation 0.1) and learning rates are not tiny, so that Float can resolve
/// the changes: a change of 1e-5 on a parameter near 1 is lost in its last bits.
enum Chapter03Checks {
    static let steps = 5

    static func randomParameterShape(_ rng: inout RandomSource) -> [Int] {
        switch rng.int(1...3) {
        case 1: [rng.int(5...30)]
        case 2: [rng.int(2...6), rng.int(2...6)]
        default: [rng.int(2...3), rng.int(2...3), rng.int(2...4)]
        }
    }

    /// Values minus the parameter's start, as the comparisons see them.
    static func since(_ values: [Double], _ start: Tensor) -> [Double] { zip(values, start.doubles).map { $0 - $1 } }

    /// The change of the parameter since the start, as a tensor.
    static func change(_ now: Tensor, from start: Tensor) -> Tensor {
        var delta = now
        for i in 0..<delta.count { delta.scalars[i] = now.scalars[i] - start.scalars[i] }
        return delta
    }

    static func sgd(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let shape = randomParameterShape(&rng)
        let learningRate = rng.uniform(0.01, 0.5)
        let start = rng.tensor(shape, scale: 0.1)
        var report = CaseReport("SGD", setup: "parameter \(formatShape(shape)), learning rate \(learningRate), \(steps) steps with random gradients")
        var parameter = start
        var expected = start.doubles
        for step in 1...steps {
            let gradient = rng.tensor(shape)
            try report.call("update", inputs: [("gradient", gradient)]) { code.sgdStep(&parameter, gradient, learningRate) }
            // The usual mistakes, one step from the right state: uphill, and the learning rate left out.
            let (g, lr) = (gradient.doubles, Double(learningRate))
            let uphill = zip(expected, g).map { $0 + lr * $1 }, unscaled = zip(expected, g).map { $0 - $1 }
            for i in 0..<expected.count { expected[i] -= lr * g[i] }
            report.compare("parameter change after step \(step)", yours: change(parameter, from: start),
                           expected: Expected(shape: shape, values: zip(expected, start.doubles).map { $0 - $1 }), kind: .exact,
                           hint: "parameter ← parameter − learningRate · gradient: downhill, scaled by the learning rate.",
                           mistakes: [KnownMistake(description: "you step uphill (+ learningRate·gradient)", values: since(uphill, start)),
                                      KnownMistake(description: "you leave out the learning rate", values: since(unscaled, start))])
            try report.finish()
        }
    }

    static func momentum(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let shape = randomParameterShape(&rng)
        let learningRate = rng.uniform(0.01, 0.5), momentum = rng.uniform(0.5, 0.95)
        let start = rng.tensor(shape, scale: 0.1)
        var report = CaseReport("SGD with momentum",
            setup: "parameter \(formatShape(shape)), learning rate \(learningRate), momentum \(momentum), \(steps) steps with random gradients")
        var parameter = start, velocity = Tensor(zeros: shape)
        var expected = start.doubles, expectedVelocity = [Double](repeating: 0, count: start.count)
        for step in 1...steps {
            let gradient = rng.tensor(shape)
            try report.call("update", inputs: [("gradient", gradient)]) {
                code.momentumStep(&parameter, &velocity, gradient, learningRate, momentum)
            }
            let lr = Double(learningRate)
            let oldVelocity = zip(expected, expectedVelocity).map { $0 - lr * $1 }   // moved before the velocity is updated
            for i in 0..<expected.count {
                expectedVelocity[i] = Double(momentum) * expectedVelocity[i] + Double(gradient.scalars[i])
                expected[i] -= lr * expectedVelocity[i]
            }
            report.compare("parameter change after step \(step)", yours: change(parameter, from: start),
                           expected: Expected(shape: shape, values: since(expected, start)), kind: .exact,
                           hint: "velocity ← momentum·velocity + gradient, then parameter ← parameter − learningRate·velocity (the new velocity).",
                           mistakes: [KnownMistake(description: "you move the parameter with the old velocity, before updating it",
                                                   values: since(oldVelocity, start))])
            report.compare("velocity after step \(step)", yours: velocity, expected: Expected(shape: shape, values: expectedVelocity),
                           kind: .exact,
                           hint: "write the new velocity back into `velocity`: it is the memory carried to the next step "
                               + "(momentum·velocity + gradient, not scaled by the learning rate).",
                           mistakes: [KnownMistake(description: "you never write the new velocity back into `velocity` (it stays 0)",
                                                   values: [Double](repeating: 0, count: expected.count)),
                                      KnownMistake(description: "you fold the learning rate into the velocity (velocity ← "
                                                   + "momentum·velocity + learningRate·gradient)", values: expectedVelocity.map { $0 * lr })])
            try report.finish()
        }
    }

    static func adam(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        let shape = randomParameterShape(&rng)
        let learningRate = rng.uniform(0.01, 0.1)
        let beta1 = rng.uniform(0.8, 0.95), beta2 = rng.uniform(0.9, 0.999)
        // A large ε, so that where it goes (outside the square root) makes a visible difference.
        let epsilon = rng.uniform(0.05, 0.3)
        let start = rng.tensor(shape, scale: 0.1)
        var report = CaseReport("Adam", setup: "parameter \(formatShape(shape)), learning rate \(learningRate), "
            + "β1 \(beta1), β2 \(beta2), ε \(epsilon) (large on purpose), \(steps) steps with random gradients")
        var parameter = start, m = Tensor(zeros: shape), v = Tensor(zeros: shape)
        var expected = start.doubles
        var expectedM = [Double](repeating: 0, count: start.count), expectedV = expectedM
        var noCorrection = start.doubles, noCorrectionM = expectedM, noCorrectionV = expectedM
        let (b1, b2, lr, eps) = (Double(beta1), Double(beta2), Double(learningRate), Double(epsilon))
        for step in 1...steps {
            let gradient = rng.tensor(shape)
            try report.call("update", inputs: [("gradient", gradient)]) {
                code.adamStep(&parameter, &m, &v, gradient, step, learningRate, beta1, beta2, epsilon)
            }
            var epsilonInside = expected
            for i in 0..<expected.count {
                let g = Double(gradient.scalars[i])
                expectedM[i] = b1 * expectedM[i] + (1 - b1) * g
                expectedV[i] = b2 * expectedV[i] + (1 - b2) * g * g
                let mHat = expectedM[i] / (1 - pow(b1, Double(step))), vHat = expectedV[i] / (1 - pow(b2, Double(step)))
                expected[i] -= lr * mHat / (vHat.squareRoot() + eps)
                epsilonInside[i] -= lr * mHat / (vHat + eps).squareRoot()
                noCorrectionM[i] = b1 * noCorrectionM[i] + (1 - b1) * g
                noCorrectionV[i] = b2 * noCorrectionV[i] + (1 - b2) * g * g
                noCorrection[i] -= lr * noCorrectionM[i] / (noCorrectionV[i].squareRoot() + eps)
            }
            report.compare("parameter change after step \(step)", yours: change(parameter, from: start),
                           expected: Expected(shape: shape, values: zip(expected, start.doubles).map { $0 - $1 }), kind: .exact,
                           hint: "m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ), parameter −= lr·m̂/(√v̂ + ε), with t counting from 1.",
                           mistakes: [KnownMistake(description: "you leave out the bias correction (m̂ = m, v̂ = v)",
                                                   values: since(noCorrection, start)),
                                      KnownMistake(description: "you put ε inside the square root (√(v̂ + ε)); Adam adds it "
                                                   + "outside, √v̂ + ε", values: since(epsilonInside, start))])
            let (correction1, correction2) = (1 - pow(b1, Double(step)), 1 - pow(b2, Double(step)))
            report.compare("m after step \(step)", yours: m, expected: Expected(shape: shape, values: expectedM), kind: .exact,
                           hint: "store m = β1·m + (1 − β1)·g itself, not the bias-corrected m̂.",
                           mistakes: [KnownMistake(description: "you store the bias-corrected m̂ in m",
                                                   values: expectedM.map { $0 / correction1 })])
            report.compare("v after step \(step)", yours: v, expected: Expected(shape: shape, values: expectedV), kind: .exact,
                           hint: "store v = β2·v + (1 − β2)·g², the squared gradient's running mean, not v̂.",
                           mistakes: [KnownMistake(description: "you store the bias-corrected v̂ in v",
                                                   values: expectedV.map { $0 / correction2 })])
            try report.finish()
        }
    }
}
