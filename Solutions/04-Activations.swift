// Chapter 04 · Reference solution for Exercises/04-Activations.swift.
import Engine
import Foundation  // exp, tanh, erf

public func reluForward(_ x: Tensor) -> Tensor {
    var out = x
    for i in 0..<x.count { out.scalars[i] = max(0, x.scalars[i]) }
    return out
}

public func reluBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    var dx = dout
    for i in 0..<x.count where x.scalars[i] <= 0 { dx.scalars[i] = 0 }
    return dx
}

func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

public func sigmoidForward(_ x: Tensor) -> Tensor {
    var out = x
    for i in 0..<x.count { out.scalars[i] = sigmoid(x.scalars[i]) }
    return out
}

public func sigmoidBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    var dx = dout
    for i in 0..<x.count {
        let s = sigmoid(x.scalars[i])
        dx.scalars[i] = dout.scalars[i] * s * (1 - s)
    }
    return dx
}

public func tanhForward(_ x: Tensor) -> Tensor {
    var out = x
    for i in 0..<x.count { out.scalars[i] = tanh(x.scalars[i]) }
    return out
}

public func tanhBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    var dx = dout
    for i in 0..<x.count {
        let t = tanh(x.scalars[i])
        dx.scalars[i] = dout.scalars[i] * (1 - t * t)
    }
    return dx
}

public func leakyReLUForward(_ x: Tensor, negativeSlope: Float) -> Tensor {
    var out = x
    for i in 0..<x.count where x.scalars[i] <= 0 { out.scalars[i] = negativeSlope * x.scalars[i] }
    return out
}

public func leakyReLUBackward(outputGradient dout: Tensor, input x: Tensor, negativeSlope: Float) -> Tensor {
    var dx = dout
    for i in 0..<x.count where x.scalars[i] <= 0 { dx.scalars[i] = negativeSlope * dout.scalars[i] }
    return dx
}

/// Φ(x), the standard normal cumulative distribution function.
func normalCDF(_ x: Float) -> Float { 0.5 * (1 + erf(x / Float(2).squareRoot())) }
/// φ(x), the standard normal density.
func normalDensity(_ x: Float) -> Float { exp(-0.5 * x * x) / (2 * Float.pi).squareRoot() }

public func geluForward(_ x: Tensor) -> Tensor {
    var out = x
    for i in 0..<x.count { out.scalars[i] = x.scalars[i] * normalCDF(x.scalars[i]) }
    return out
}

public func geluBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    var dx = dout
    for i in 0..<x.count {
        let v = x.scalars[i]
        dx.scalars[i] = dout.scalars[i] * (normalCDF(v) + v * normalDensity(v))
    }
    return dx
}
