import Foundation
import Testing
@testable import Engine

/// Batch norm written the obvious way, in Double: x viewed as (N, C, S) with S = H·W (1 for flat
/// features); statistics per channel over N·S values. The fast kernels are checked against it.
private enum NaiveBatchNorm {
    static func statistics(_ x: Tensor) -> (mean: [Double], variance: [Double]) {
        let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *), m = Double(n * s)
        var mean = [Double](repeating: 0, count: c), variance = mean
        for ch in 0..<c {
            for i in 0..<n { for j in 0..<s { mean[ch] += Double(x.scalars[(i * c + ch) * s + j]) } }
            mean[ch] /= m
            for i in 0..<n { for j in 0..<s { let d = Double(x.scalars[(i * c + ch) * s + j]) - mean[ch]; variance[ch] += d * d } }
            variance[ch] /= m
        }
        return (mean, variance)
    }

    /// out = γ·(x − mean)/√(var + ε) + β with the given per-channel mean and variance.
    static func normalize(_ x: Tensor, mean: [Double], variance: [Double], gamma: Tensor, beta: Tensor, epsilon: Double = 1e-5) -> Tensor {
        let c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
        var out = x
        for k in 0..<x.count {
            let ch = (k / s) % c
            out.scalars[k] = Float(Double(gamma.scalars[ch]) * (Double(x.scalars[k]) - mean[ch]) / (variance[ch] + epsilon).squareRoot()
                + Double(beta.scalars[ch]))
        }
        return out
    }

    /// dx, dγ, dβ of the training-mode forward pass, from the textbook formula.
    static func backward(_ x: Tensor, _ dy: Tensor, gamma: Tensor, epsilon: Double = 1e-5) -> (dx: Tensor, dGamma: [Double], dBeta: [Double]) {
        let c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *), m = Double(x.shape[0] * s)
        let (mean, variance) = statistics(x)
        var dGamma = [Double](repeating: 0, count: c), dBeta = dGamma
        func xhat(_ k: Int) -> Double { let ch = (k / s) % c; return (Double(x.scalars[k]) - mean[ch]) / (variance[ch] + epsilon).squareRoot() }
        for k in 0..<x.count { let ch = (k / s) % c; dBeta[ch] += Double(dy.scalars[k]); dGamma[ch] += Double(dy.scalars[k]) * xhat(k) }
        var dx = x
        for k in 0..<x.count {
            let ch = (k / s) % c
            dx.scalars[k] = Float(Double(gamma.scalars[ch]) / (variance[ch] + epsilon).squareRoot()
                * (Double(dy.scalars[k]) - dBeta[ch] / m - xhat(k) * dGamma[ch] / m))
        }
        return (dx, dGamma, dBeta)
    }
}

/// A layer's input gradient and every parameter's gradient, each against centered differences of
/// Σ upstream·forward(x) (forward in `mode`), as (what, error) pairs; `error` compares analytic
/// with numeric.
func gradientErrors(_ layer: any Layer, input x: Tensor, upstream: Tensor, mode: Mode = .training, step: Float = 1e-2,
                    error: (Tensor, Tensor) -> Float = { maxRelativeError($0, $1) }) -> [(what: String, error: Float)] {
    _ = layer.forward(x, mode: .training)
    layer.zeroGradients()
    let dx = layer.backward(upstream)
    let numericDx = numericalGradient(of: { weightedSum(layer.forward($0, mode: mode), upstream) }, at: x, step: step)
    var errors = [("input", error(dx, numericDx))]
    for (i, parameter) in layer.parameters.enumerated() {
        let original = parameter.value
        let numeric = numericalGradient(of: { v in
            parameter.value = v
            defer { parameter.value = original }
            return weightedSum(layer.forward(x, mode: mode), upstream)
        }, at: original, step: step)
        errors.append(("parameter \(i) \(parameter.name) \(original.shape)", error(parameter.gradient, numeric)))
    }
    return errors
}

private func randomBatchNorm(channels: Int, rng: inout RandomSource) -> BatchNorm {
    let bn = BatchNorm(channels: channels)
    bn.gamma.value = Tensor(uniform: [channels], low: 0.5, high: 1.5, rng: &rng)
    bn.beta.value = Tensor(uniform: [channels], low: -1, high: 1, rng: &rng)
    return bn
}

@Suite("Batch norm, layer norm and global average pooling")
struct NormalizationTests {
    /// Shapes with H·W below, at and above the kernels' SIMD widths, with tails, flat features,
    /// and one large enough to be split across threads.
    static let shapes: [[Int]] = [[4, 3, 5, 5], [2, 2, 7, 7], [3, 2, 4, 8], [6, 5], [5, 4, 1, 1], [16, 8, 30, 30]]

    @Test(arguments: shapes)
    func batchNormTrainingMatchesPlainLoops(shape: [Int]) {
        var rng = RandomSource(seed: UInt64(shape.reduce(1, *)))
        let c = shape[1]
        let bn = randomBatchNorm(channels: c, rng: &rng)
        let x = Tensor(normal: shape, mean: 2, standardDeviation: 3, rng: &rng)   // mean far from zero
        let y = bn.forward(x, mode: .training)
        let (mean, variance) = NaiveBatchNorm.statistics(x)
        #expect(maxScaledError(y, NaiveBatchNorm.normalize(x, mean: mean, variance: variance, gamma: bn.gamma.value, beta: bn.beta.value)) < 1e-5)

        let dy = Tensor(normal: shape, rng: &rng)
        bn.gamma.gradient = Tensor(repeating: 0.5, shape: [c])     // backward accumulates
        bn.beta.gradient = Tensor(repeating: -0.5, shape: [c])
        let dx = bn.backward(dy)
        let reference = NaiveBatchNorm.backward(x, dy, gamma: bn.gamma.value)
        #expect(maxScaledError(dx, reference.dx) < 1e-4)
        #expect(maxScaledError(bn.gamma.gradient, Tensor(shape: [c], scalars: reference.dGamma.map { Float($0 + 0.5) })) < 1e-4)
        #expect(maxScaledError(bn.beta.gradient, Tensor(shape: [c], scalars: reference.dBeta.map { Float($0 - 0.5) })) < 1e-4)
    }

    @Test(arguments: [[3, 2, 3, 3], [5, 3]])
    func batchNormMatchesNumericalGradients(shape: [Int]) {
        var rng = RandomSource(seed: 7)
        let bn = randomBatchNorm(channels: shape[1], rng: &rng)
        let x = Tensor(normal: shape, rng: &rng), upstream = Tensor(normal: shape, rng: &rng)
        // Training mode: the batch's own statistics, which move with x.
        for (what, error) in gradientErrors(bn, input: x, upstream: upstream) { #expect(error < 1e-2, "\(what)") }
    }

    /// PyTorch's convention: running = 0.9·running + 0.1·batch, the variance unbiased (M / (M − 1)).
    @Test func batchNormRunningStatisticsFollowPyTorch() {
        var rng = RandomSource(seed: 3)
        let bn = BatchNorm(channels: 2)
        let x1 = Tensor(normal: [4, 2, 3, 3], standardDeviation: 2, rng: &rng), x2 = Tensor(normal: [4, 2, 3, 3], mean: 1, rng: &rng)
        _ = bn.forward(x1, mode: .training)
        _ = bn.forward(x2, mode: .training)
        let (m1, v1) = NaiveBatchNorm.statistics(x1), (m2, v2) = NaiveBatchNorm.statistics(x2)
        let unbiased = 36.0 / 35.0   // M = 4·3·3 values per channel
        for c in 0..<2 {
            let mean = 0.9 * (0.9 * 0 + 0.1 * m1[c]) + 0.1 * m2[c]
            let variance = 0.9 * (0.9 * 1 + 0.1 * v1[c] * unbiased) + 0.1 * v2[c] * unbiased
            #expect(abs(Double(bn.runningMean.scalars[c]) - mean) < 1e-5)
            #expect(abs(Double(bn.runningVariance.scalars[c]) - variance) < 1e-5)
        }
        // Evaluation mode normalizes with the running statistics and leaves them alone.
        let before = (bn.runningMean, bn.runningVariance)
        let x3 = Tensor(normal: [3, 2, 3, 3], rng: &rng)
        let y = bn.forward(x3, mode: .evaluation)
        let expected = NaiveBatchNorm.normalize(x3, mean: bn.runningMean.scalars.map(Double.init),
                                                variance: bn.runningVariance.scalars.map(Double.init),
                                                gamma: bn.gamma.value, beta: bn.beta.value)
        #expect(maxScaledError(y, expected) < 1e-5)
        #expect(bn.runningMean == before.0 && bn.runningVariance == before.1)
    }

    /// Training mode: an example's output depends on the rest of its batch. Evaluation: it does not.
    @Test func batchNormTrainingDependsOnTheBatchEvaluationDoesNot() {
        var rng = RandomSource(seed: 4)
        let bn = BatchNorm(channels: 3)
        let a = Tensor(normal: [4, 3], rng: &rng), b = Tensor(normal: [4, 3], standardDeviation: 5, rng: &rng)
        var mixed = b
        for i in 0..<3 { mixed.scalars[i] = a.scalars[i] }          // example 0 of a, with the rest of b
        let firstRow = { (t: Tensor) in Array(t.scalars[0..<3]) }
        #expect(firstRow(bn.forward(a, mode: .training)) != firstRow(bn.forward(mixed, mode: .training)))
        #expect(firstRow(bn.forward(a, mode: .evaluation)) == firstRow(bn.forward(mixed, mode: .evaluation)))
        // A fresh layer in evaluation mode (running mean 0, variance 1) is nearly the identity.
        let fresh = BatchNorm(channels: 3)
        #expect(maxScaledError(fresh.forward(a, mode: .evaluation), a) < 1e-5)
    }

    @Test(arguments: [[4, 6], [3, 2, 5, 5], [2, 40]])
    func layerNormMatchesPlainLoopsAndNumericalGradients(shape: [Int]) {
        var rng = RandomSource(seed: UInt64(shape.count * 10 + shape[1]))
        let d = shape.dropFirst().reduce(1, *)
        let ln = LayerNorm(features: d)
        ln.gamma.value = Tensor(uniform: [d], low: 0.5, high: 1.5, rng: &rng)
        ln.beta.value = Tensor(uniform: [d], low: -1, high: 1, rng: &rng)
        let x = Tensor(normal: shape, standardDeviation: 2, rng: &rng), upstream = Tensor(normal: shape, rng: &rng)
        // Each example is one "channel" of a (1, N, D) batch norm whose γ, β act per feature instead.
        var expected = x
        let n = shape[0]
        for i in 0..<n {
            let row = (0..<d).map { Double(x.scalars[i * d + $0]) }
            let mean = row.reduce(0, +) / Double(d), variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            for j in 0..<d {
                expected.scalars[i * d + j] = Float(Double(ln.gamma.value.scalars[j]) * (row[j] - mean) / (variance + 1e-5).squareRoot()
                    + Double(ln.beta.value.scalars[j]))
            }
        }
        let y = ln.forward(x, mode: .training)
        #expect(maxScaledError(y, expected) < 1e-5)
        #expect(ln.forward(x, mode: .evaluation) == y)               // no batch statistics: both modes agree

        for (what, error) in gradientErrors(ln, input: x, upstream: upstream, mode: .evaluation) { #expect(error < 1e-2, "\(what)") }
    }

    @Test func globalAveragePoolMatchesPlainLoopsAndNumericalGradients() {
        var rng = RandomSource(seed: 9)
        let x = Tensor(normal: [3, 4, 5, 6], rng: &rng), upstream = Tensor(normal: [3, 4], rng: &rng)
        let pool = GlobalAveragePool()
        let y = pool.forward(x, mode: .training)
        #expect(y.shape == [3, 4])
        for n in 0..<3 { for c in 0..<4 {
            var sum = 0.0
            for i in 0..<5 { for j in 0..<6 { sum += Double(x[n, c, i, j]) } }
            #expect(abs(Double(y[n, c]) - sum / 30) < 1e-5)
        } }
        for (what, error) in gradientErrors(pool, input: x, upstream: upstream, mode: .evaluation) { #expect(error < 1e-2, "\(what)") }
    }
}
