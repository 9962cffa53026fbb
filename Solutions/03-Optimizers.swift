// Chapter 03 · Reference solution for Exercises/03-Optimizers.swift.
import Engine
import Foundation  // pow

public func sgdStep(parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
    for i in 0..<parameter.count {
        parameter.scalars[i] -= learningRate * gradient.scalars[i]
    }
}

public func momentumStep(parameter: inout Tensor, velocity: inout Tensor, gradient: Tensor,
                         learningRate: Float, momentum: Float) {
    for i in 0..<parameter.count {
        velocity.scalars[i] = momentum * velocity.scalars[i] + gradient.scalars[i]
        parameter.scalars[i] -= learningRate * velocity.scalars[i]
    }
}

public func adamStep(parameter: inout Tensor, m: inout Tensor, v: inout Tensor, gradient: Tensor,
                     step t: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
    let correction1 = 1 - pow(beta1, Float(t))            // 1 − β1ᵗ
    let correction2 = 1 - pow(beta2, Float(t))            // 1 − β2ᵗ
    for i in 0..<parameter.count {
        let g = gradient.scalars[i]
        m.scalars[i] = beta1 * m.scalars[i] + (1 - beta1) * g
        v.scalars[i] = beta2 * v.scalars[i] + (1 - beta2) * g * g
        let mHat = m.scalars[i] / correction1
        let vHat = v.scalars[i] / correction2
        parameter.scalars[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
    }
}
