// Chapter 04 · Activation functions, forward and backward. Each forward applies a function to
// every element; each backward receives ∂loss/∂out and the forward's input x, and returns
// ∂loss/∂x = dout ⊙ f′(x), element by element. All tensors here have the same shape (any).
// Check them:  swift test --filter ExercisesTests.Chapter04/relu
//              swift test --filter ExercisesTests.Chapter04/sigmoid
//              swift test --filter ExercisesTests.Chapter04/tanh
//              swift test --filter ExercisesTests.Chapter04/leakyReLU
//              swift test --filter ExercisesTests.Chapter04/gelu
// Solution:    Solutions/04-Activations.swift
// Tensors:     book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine
import Foundation  // exp, tanh, erf

/// ReLU: out = max(0, x).
public func reluForward(_ x: Tensor) -> Tensor {
    notStarted()
}

/// dx = dout where x > 0, and 0 where x ≤ 0.
///
/// Hint: the gradient flows through unchanged where the unit was on; it is not 1, it is dout.
public func reluBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    notStarted()
}

/// Sigmoid: out = σ(x) = 1 / (1 + exp(−x)).
public func sigmoidForward(_ x: Tensor) -> Tensor {
    notStarted()
}

/// dx = dout · σ(x)·(1 − σ(x)).
///
/// Hint: the derivative is written with σ(x), the output of the forward pass, not with x itself.
public func sigmoidBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    notStarted()
}

/// Hyperbolic tangent: out = tanh(x) (Foundation's `tanh`).
public func tanhForward(_ x: Tensor) -> Tensor {
    notStarted()
}

/// dx = dout · (1 − tanh(x)²).
///
/// Hint: as for the sigmoid, square tanh(x), not x.
public func tanhBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    notStarted()
}

/// Leaky ReLU: out = x where x > 0, negativeSlope · x where x ≤ 0 (negativeSlope is small, e.g. 0.01).
public func leakyReLUForward(_ x: Tensor, negativeSlope: Float) -> Tensor {
    notStarted()
}

/// dx = dout where x > 0, negativeSlope · dout where x ≤ 0.
///
/// Hint: unlike ReLU, the negative side still passes a little gradient: that is the point of it.
public func leakyReLUBackward(outputGradient dout: Tensor, input x: Tensor, negativeSlope: Float) -> Tensor {
    notStarted()
}

/// GELU, exactly (not the tanh approximation): out = x·Φ(x), where Φ(x) = ½·(1 + erf(x/√2)) is the
/// standard normal's cumulative distribution function.
public func geluForward(_ x: Tensor) -> Tensor {
    notStarted()
}

/// dx = dout · (Φ(x) + x·φ(x)), where φ(x) = exp(−x²/2) / √(2π) is the standard normal density.
///
/// Hint: product rule on x·Φ(x); Φ′ = φ. Forgetting the x·φ(x) term is the usual slip.
public func geluBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    notStarted()
}
