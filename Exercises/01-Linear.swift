// Chapter 01 · The linear (fully connected) layer: out = x·W + b.
// Check it:  swift test --filter ExercisesTests.Chapter01/linear
// Solution:  Solutions/01-Linear.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// The forward pass of a linear layer.
///
///   x   is (N, D)   a batch of N input vectors of D features
///   W   is (D, M)   column j holds the weights of output j (the engine's layout)
///   b   is (M)
///   out is (N, M)   out[n, j] = Σᵢ x[n, i]·W[i, j] + b[j]
///
/// Hint: three nested loops (n, j, i). `x[n, i]` reads an element; `Tensor(zeros: [N, M])` makes
/// the result.
public func linearForward(input x: Tensor, weight W: Tensor, bias b: Tensor) -> Tensor {
    notStarted()
}

/// The backward pass of a linear layer: given ∂loss/∂out, return the gradients of the loss with
/// respect to x, W and b.
///
///   dout is (N, M)   ∂loss/∂out, the upstream gradient
///   x    is (N, D)   the input of the forward pass
///   W    is (D, M)
///   returns
///     input  (N, D)  dx = dout·Wᵀ     dx[n, i] = Σⱼ dout[n, j]·W[i, j]
///     weight (D, M)  dW = xᵀ·dout     dW[i, j] = Σₙ x[n, i]·dout[n, j]
///     bias   (M)     db[j] = Σₙ dout[n, j]
///
/// Hint: each gradient has the shape of the thing it is the gradient of; that alone tells you
/// which matrix is transposed. b is added to every row of the batch, so its gradient is summed
/// over the rows (not averaged: the loss already took the mean).
public func linearBackward(outputGradient dout: Tensor, input x: Tensor, weight W: Tensor)
    -> (input: Tensor, weight: Tensor, bias: Tensor) {
    notStarted()
}
