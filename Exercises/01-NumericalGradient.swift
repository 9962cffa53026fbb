// Chapter 01 · The numerical gradient: the referee for every backward pass you will write.
// Check it:  swift test --filter ExercisesTests.Chapter01/numericalGradient
// Solution:  Solutions/01-NumericalGradient.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// The gradient of `f` at `x`, estimated by centered differences.
///
///   x       is (n)   the point, as plain Doubles
///   f                a function of n numbers returning one number (a loss)
///   h                the step, e.g. 1e-5
///   returns (n)      entry i is  ( f(x + h·eᵢ) − f(x − h·eᵢ) ) / (2h)
///
/// where eᵢ is the vector that is 1 at position i and 0 elsewhere: nudge one coordinate up and
/// down by h, leave all the others exactly where they were, and see how much f moved.
///
/// Hint: the centered difference is accurate to O(h²); the one-sided (f(x + h·eᵢ) − f(x)) / h only
/// to O(h), which the check notices. Put xᵢ back to its original value before moving on to i + 1.
public func numericalGradient(of f: ([Double]) -> Double, at x: [Double], step h: Double) -> [Double] {
    notStarted()
}
