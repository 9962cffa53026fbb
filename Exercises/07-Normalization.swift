// Chapter 07 · Batch normalization and layer normalization (training mode), forward and backward;
// batch normalization in evaluation mode, with the running averages it keeps.
// In training mode both normalize with a mean and a biased variance (divide by the count, not
// count − 1), then scale by γ and shift by β. They differ in what they average over.
// Check them:  swift test --filter ExercisesTests.Chapter07/batchNorm
//              swift test --filter ExercisesTests.Chapter07/layerNorm
//              swift test --filter ExercisesTests.Chapter07/batchNormEvaluation
// Solution:    Solutions/07-Normalization.swift
// Tensors:     book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine
import Foundation  // sqrt

/// Batch normalization over a batch of feature vectors: each feature (column) is normalized with
/// the mean and variance of that column over the batch.
///
///   x      is (N, D);   gamma, beta are (D);   out is (N, D)
///   μ[d]  = (1/N) Σₙ x[n, d]
///   σ²[d] = (1/N) Σₙ (x[n, d] − μ[d])²
///   x̂[n, d] = (x[n, d] − μ[d]) / √(σ²[d] + ε)
///   out[n, d] = gamma[d] · x̂[n, d] + beta[d]
///
/// Hint: the variance divides by N (the batch's own statistics), and ε goes inside the square root.
public func batchNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    notStarted()
}

/// The backward pass of batch normalization.
///
///   dout is (N, D);  x is (N, D);  gamma is (D)
///   returns input (N, D), gamma (D), beta (D):
///     dbeta[d]  = Σₙ dout[n, d]
///     dgamma[d] = Σₙ dout[n, d] · x̂[n, d]
///     with g = dout · gamma (per column):
///     dx[n, d]  = ( g[n, d] − mean over n of g[·, d] − x̂[n, d] · mean over n of (g ⊙ x̂)[·, d] ) / √(σ²[d] + ε)
///
/// Hint: μ and σ² depend on every x in the column, so dx is not just g/√(σ² + ε); the two mean
/// terms are those extra paths. Recompute μ, σ² and x̂ from x as in the forward pass.
public func batchNormBackward(outputGradient dout: Tensor, input x: Tensor, gamma: Tensor, epsilon: Float)
    -> (input: Tensor, gamma: Tensor, beta: Tensor) {
    notStarted()
}

/// Batch normalization in evaluation mode: each feature is normalized with the running averages
/// kept during training, not with the statistics of the batch at hand. Each row's output then
/// depends on that row alone (a batch of one works, and the prediction does not depend on what
/// else is in the batch).
///
///   x      is (N, D);   gamma, beta, runningMean, runningVariance are (D);   out is (N, D)
///   out[n, d] = gamma[d] · (x[n, d] − runningMean[d]) / √(runningVariance[d] + ε) + beta[d]
///
/// Hint: nothing here is computed from x's column; ε (1e-5 in the check, as in PyTorch and the
/// engine) goes inside the square root, and it matters for a feature whose variance is tiny.
public func batchNormEvaluationForward(input x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                       runningVariance: Tensor, epsilon: Float) -> Tensor {
    notStarted()
}

/// The running averages, updated after every training batch x with that batch's statistics
/// (the PyTorch convention, which the engine's BatchNorm follows; they start at 0 and 1):
///
///   x is (N, D);   runningMean, runningVariance are (D), updated in place
///   μ[d]  = (1/N) Σₙ x[n, d]                     σ²[d] = (1/(N − 1)) Σₙ (x[n, d] − μ[d])²   (unbiased)
///   runningMean[d]     ← (1 − momentum) · runningMean[d]     + momentum · μ[d]
///   runningVariance[d] ← (1 − momentum) · runningVariance[d] + momentum · σ²[d]
///
/// Hint: momentum (0.1) is the weight of the NEW batch, not of the old average (Keras uses the
/// opposite convention). The training-mode forward pass normalizes with the biased variance
/// (divide by N), but the running variance estimates the variance of the whole data, so it is
/// updated with the unbiased one (divide by N − 1).
public func batchNormUpdateRunningStatistics(runningMean: inout Tensor, runningVariance: inout Tensor, input x: Tensor,
                                             momentum: Float) {
    notStarted()
}

/// Layer normalization: each example (row) is normalized with the mean and variance of its own D
/// features; there is no dependence between rows.
///
///   x      is (N, D);   gamma, beta are (D);   out is (N, D)
///   μ[n]  = (1/D) Σ_d x[n, d]
///   σ²[n] = (1/D) Σ_d (x[n, d] − μ[n])²
///   out[n, d] = gamma[d] · (x[n, d] − μ[n]) / √(σ²[n] + ε) + beta[d]
///
/// Hint: the same formulas as batch normalization with the roles of rows and columns swapped for
/// the statistics, but gamma and beta are still per feature (per column).
public func layerNormForward(input x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
    notStarted()
}

/// The backward pass of layer normalization.
///
///   dout is (N, D);  x is (N, D);  gamma is (D)
///   returns input (N, D), gamma (D), beta (D):
///     dbeta[d]  = Σₙ dout[n, d],   dgamma[d] = Σₙ dout[n, d] · x̂[n, d]
///     with g = dout · gamma (per column):
///     dx[n, d]  = ( g[n, d] − mean over d of g[n, ·] − x̂[n, d] · mean over d of (g ⊙ x̂)[n, ·] ) / √(σ²[n] + ε)
///
/// Hint: the means in dx run along the row now (over d), while dgamma and dbeta still add up over
/// the batch (over n).
public func layerNormBackward(outputGradient dout: Tensor, input x: Tensor, gamma: Tensor, epsilon: Float)
    -> (input: Tensor, gamma: Tensor, beta: Tensor) {
    notStarted()
}
