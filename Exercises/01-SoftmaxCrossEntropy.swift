// Chapter 01 · Softmax cross-entropy: the loss of a classifier and its gradient.
// Check it:  swift test --filter ExercisesTests.Chapter01/softmaxCrossEntropy
// Solution:  Solutions/01-SoftmaxCrossEntropy.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// Softmax followed by cross-entropy, averaged over the batch, with its gradient.
///
///   logits   is (N, C)   unnormalized scores, one row per example
///   labels   is (N)      the correct class of each row, in 0..<C
///   loss                 mean over the N rows of  −log pₙ[labelₙ],  where pₙ = softmax(logits row n)
///   gradient is (N, C)   ∂loss/∂logits = (pₙ − onehot(labelₙ)) / N
///
/// softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ).
///
/// Hint: exp(89) is already infinite in Float. Subtract each row's maximum from the row before
/// exponentiating (softmax does not change when you add a constant to a row), and compute the loss
/// as log Σⱼ exp(zⱼ − max) − (z_label − max) rather than as −log of a probability that may be 0.
/// The loss is a mean, so every entry of the gradient is divided by N.
public func softmaxCrossEntropyLoss(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
    notStarted()
}
