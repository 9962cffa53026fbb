// Chapter 05 · Reference solution for Exercises/05-Dropout.swift.
import Engine

public func dropoutForward(input x: Tensor, mask: Tensor, keepProbability p: Float) -> Tensor {
    var out = x
    for i in 0..<x.count { out.scalars[i] = x.scalars[i] * mask.scalars[i] / p }
    return out
}

public func dropoutBackward(outputGradient dout: Tensor, mask: Tensor, keepProbability p: Float) -> Tensor {
    var dx = dout
    for i in 0..<dout.count { dx.scalars[i] = dout.scalars[i] * mask.scalars[i] / p }
    return dx
}
