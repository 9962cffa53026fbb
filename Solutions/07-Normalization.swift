// Chapter 07 · Reference solution for Exercises/07-Normalization.swift.
import Engine
import Foundation  // sqrt

public func batchNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    var out = Tensor(zeros: [n, d])
    for feature in 0..<d {
        var mean: Float = 0
        for row in 0..<n { mean += x[row, feature] }
        mean /= Float(n)
        var variance: Float = 0
        for row in 0..<n { variance += (x[row, feature] - mean) * (x[row, feature] - mean) }
        variance /= Float(n)
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
        var mean: Float = 0
        for row in 0..<n { mean += x[row, feature] }
        mean /= Float(n)
        var variance: Float = 0
        for row in 0..<n { variance += (x[row, feature] - mean) * (x[row, feature] - mean) }
        variance /= Float(n)
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

public func layerNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    var out = Tensor(zeros: [n, d])
    for row in 0..<n {
        var mean: Float = 0
        for feature in 0..<d { mean += x[row, feature] }
        mean /= Float(d)
        var variance: Float = 0
        for feature in 0..<d { variance += (x[row, feature] - mean) * (x[row, feature] - mean) }
        variance /= Float(d)
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
        var mean: Float = 0
        for feature in 0..<d { mean += x[row, feature] }
        mean /= Float(d)
        var variance: Float = 0
        for feature in 0..<d { variance += (x[row, feature] - mean) * (x[row, feature] - mean) }
        variance /= Float(d)
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
