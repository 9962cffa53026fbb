// Chapter 06 · Kaiming (He) initialization for layers followed by ReLU.
// Check it:  swift test --filter ExercisesTests.Chapter06/kaiming
// Solution:  Solutions/06-KaimingInitialization.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// A weight tensor of independent normal draws with mean 0 and standard deviation √(2 / fanIn).
///
///   shape   (D, M)           a linear layer's weight (inputs, outputs): fanIn = D
///           (F, C, KH, KW)   a convolution's weight: each output sums C·KH·KW inputs, fanIn = C·KH·KW
///   rng     the source of randomness: draw every number from it (rng.normal()), so that the same
///           seed gives the same weights
///   returns a tensor of the given shape
///
/// Hint: fan-in is the number of inputs each output unit adds up, not the number of outputs.
/// √(2/fanIn) is the standard deviation: multiply standard normal draws by it.
public func kaimingNormal(shape: [Int], rng: inout RandomSource) -> Tensor {
    notStarted()
}
