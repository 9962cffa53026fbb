// Chapter 05 · Inverted dropout, with the random mask given (so the check is exact).
// Check it:  swift test --filter ExercisesTests.Chapter05/dropout
// Solution:  Solutions/05-Dropout.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// The training-time forward pass of inverted dropout.
///
///   x, mask, out  have the same shape (any)
///   mask          holds 1 where the unit is kept and 0 where it is dropped; a unit is kept with
///                 probability keepProbability (p)
///   out = x · mask / p
///
/// Hint: dividing by p at training time keeps the expected value of every unit unchanged, so at
/// test time the layer does nothing at all. Divide by p, the keep probability, not by 1 − p.
public func dropoutForward(input x: Tensor, mask: Tensor, keepProbability p: Float) -> Tensor {
    notStarted()
}

/// The backward pass: dx = dout · mask / p.
///
/// Hint: the forward multiplied each unit by mask/p, a constant as far as x is concerned, so the
/// gradient is multiplied by the same constant: a dropped unit gets no gradient, a kept one 1/p of it.
public func dropoutBackward(outputGradient dout: Tensor, mask: Tensor, keepProbability p: Float) -> Tensor {
    notStarted()
}
