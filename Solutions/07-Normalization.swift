// Chapter 07 · Reference solution for Exercises/07-Normalization.swift.
import Engine
import Foundation  // sqrt

/// The mean of some values and the sum of their squared deviations from it.
func meanAndSquares(_ values: [Float]) -> (mean: Float, squares: Float) {
    var mean: Float = 0
    for value in values { mean += value }
    mean /= Float(values.count)
    var squares: Float = 0
    for value in values { squares += (value - mean) * (value - mean) }
    return (mean, squares)
}

public func batchNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    var out = Tensor(zeros: [n, d])
    for feature in 0..<d {
        let (mean, squares) = meanAndSquares((0..<n).map { x[$0, feature] })
        let variance = squares / Float(n)
        let inverseStd = 1 / sqrt(variance + epsilon)
        for row in 0..<n {
            out[row, feature] = gamma[feature] * (x[row, feature] - mean) * inverseStd + beta[feature]
        }
    }
    return out
}

public func batchNormBackward(outputGradient dout: Tensor, input x: Tensor, gamma: Tensor, epsilon: Float)
    -> (input: Tensor, gamma: Tensor, beta: Tensor) {
    let n = x.shape[0], d = x.shape[1]
    var dx = Tensor(zeros: [n, d]), dgamma = Tensor(zeros: [d]), dbeta = Tensor(zeros: [d])
    for feature in 0..<d {
        let (mean, squares) = meanAndSquares((0..<n).map { x[$0, feature] })
        let variance = squares / Float(n)
        let inverseStd = 1 / sqrt(variance + epsilon)

        var meanG: Float = 0, meanGXhat: Float = 0          // means over the batch of g and g·x̂
        for row in 0..<n {
            let xhat = (x[row, feature] - mean) * inverseStd
            let g = dout[row, feature] * gamma[feature]
            dbeta[feature] += dout[row, feature]
            dgamma[feature] += dout[row, feature] * xhat
            meanG += g / Float(n)
            meanGXhat += g * xhat / Float(n)
        }
        for row in 0..<n {
            let xhat = (x[row, feature] - mean) * inverseStd
            let g = dout[row, feature] * gamma[feature]
            dx[row, feature] = (g - meanG - xhat * meanGXhat) * inverseStd
        }
    }
    return (dx, dgamma, dbeta)
}

public func batchNormEvaluationForward(input x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                       runningVariance: Tensor, epsilon: Float) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    var out = Tensor(zeros: [n, d])
    for feature in 0..<d {
        let inverseStd = 1 / sqrt(runningVariance[feature] + epsilon)
        for row in 0..<n {
            out[row, feature] = gamma[feature] * (x[row, feature] - runningMean[feature]) * inverseStd + beta[feature]
        }
    }
    return out
}

public func batchNormUpdateRunningStatistics(runningMean: inout Tensor, runningVariance: inout Tensor, input x: Tensor,
                                             momentum: Float) {
    let n = x.shape[0], d = x.shape[1]
    for feature in 0..<d {
        let (mean, squares) = meanAndSquares((0..<n).map { x[$0, feature] })
        let variance = squares / Float(n - 1)                     // unbiased, for the running estimate
        runningMean[feature] = (1 - momentum) * runningMean[feature] + momentum * mean
        runningVariance[feature] = (1 - momentum) * runningVariance[feature] + momentum * variance
    }
}

public func layerNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    var out = Tensor(zeros: [n, d])
    for row in 0..<n {
        let (mean, squares) = meanAndSquares((0..<d).map { x[row, $0] })
        let variance = squares / Float(d)
        let inverseStd = 1 / sqrt(variance + epsilon)
        for feature in 0..<d {
            out[row, feature] = gamma[feature] * (x[row, feature] - mean) * inverseStd + beta[feature]
        }
    }
    return out
}

public func layerNormBackward(outputGradient dout: Tensor, input x: Tensor, gamma: Tensor, epsilon: Float)
    -> (input: Tensor, gamma: Tensor, beta: Tensor) {
    let n = x.shape[0], d = x.shape[1]
    var dx = Tensor(zeros: [n, d]), dgamma = Tensor(zeros: [d]), dbeta = Tensor(zeros: [d])
    for row in 0..<n {
        let (mean, squares) = meanAndSquares((0..<d).map { x[row, $0] })
        let variance = squares / Float(d)
        let inverseStd = 1 / sqrt(variance + epsilon)

        var meanG: Float = 0, meanGXhat: Float = 0          // means along the row of g and g·x̂
        for feature in 0..<d {
            let xhat = (x[row, feature] - mean) * inverseStd
            let g = dout[row, feature] * gamma[feature]
            dbeta[feature] += dout[row, feature]
            dgamma[feature] += dout[row, feature] * xhat
            meanG += g / Float(d)
            meanGXhat += g * xhat / Float(d)
        }
        for feature in 0..<d {
            let xhat = (x[row, feature] - mean) * inverseStd
            let g = dout[row, feature] * gamma[feature]
            dx[row, feature] = (g - meanG - xhat * meanGXhat) * inverseStd
        }
    }
    return (dx, dgamma, dbeta)
}
