// Chapter 03 · Update rules: SGD, momentum and Adam. Each function updates `parameter` in place
// from its gradient, one training step at a time; the state (velocity, moments) lives in tensors
// the caller keeps between steps, the same shape as the parameter.
// Check them:  swift test --filter ExercisesTests.Chapter03/sgd
//              swift test --filter ExercisesTests.Chapter03/momentum
//              swift test --filter ExercisesTests.Chapter03/adam
// Solution:    Solutions/03-Optimizers.swift
// Tensors:     book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// Plain stochastic gradient descent: step downhill.
///
///   parameter, gradient  have the same shape (any)
///   parameter ← parameter − learningRate · gradient      (element by element)
///
/// Hint: `parameter.scalars[i]` and `gradient.scalars[i]` walk both tensors in the same order,
/// whatever their shape.
public func sgdStep(parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
    notStarted()
}

/// SGD with (heavy-ball) momentum, the form the engine's `SGD(momentum:)` uses:
///
///   velocity  ← momentum · velocity + gradient
///   parameter ← parameter − learningRate · velocity
///
///   parameter, velocity, gradient  have the same shape; velocity starts at zero before step 1
///
/// Hint: the velocity is the memory of past steps: write the new velocity back into `velocity`,
/// and use the new one (not the old one) to move the parameter.
public func momentumStep(parameter: inout Tensor, velocity: inout Tensor, gradient: Tensor,
                         learningRate: Float, momentum: Float) {
    notStarted()
}

/// Adam (Kingma & Ba, 2015), one step. `t` counts steps from 1.
///
///   m ← β1·m + (1 − β1)·g                 running mean of the gradient   (first moment)
///   v ← β2·v + (1 − β2)·g²                running mean of its square     (second moment)
///   m̂ = m / (1 − β1ᵗ)    v̂ = v / (1 − β2ᵗ)  bias correction: m and v start at 0
///   parameter ← parameter − learningRate · m̂ / (√v̂ + ε)
///
///   parameter, m, v, gradient  have the same shape; m and v start at zero before step 1
///
/// Hint: without the bias correction the first steps are far too small (m is 10× too small at
/// t = 1 with β1 = 0.9). ε goes outside the square root. Store the new m and v (not m̂, v̂).
/// `Foundation.pow(Float, Float)` raises to a power.
public func adamStep(parameter: inout Tensor, m: inout Tensor, v: inout Tensor, gradient: Tensor,
                     step t: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
    notStarted()
}
