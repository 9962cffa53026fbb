@testable import Engine

/// Centered-difference numerical gradient of a scalar function of a tensor:
///   ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h
/// The loss is evaluated in Double so the Float rounding of the difference stays small.
func numericalGradient(of f: (Tensor) -> Double, at x: Tensor, step h: Float = 1e-2) -> Tensor {
    var gradient = Tensor(zeros: x.shape)
    var probe = x
    for i in 0..<x.count {
        let original = probe.scalars[i]
        probe.scalars[i] = original + h
        let plus = f(probe)
        probe.scalars[i] = original - h
        let minus = f(probe)
        probe.scalars[i] = original
        gradient.scalars[i] = Float((plus - minus) / Double(2 * h))
    }
    return gradient
}

/// The largest relative error |a − n| / max(|a| + |n|, floor) over all elements.
func maxRelativeError(_ analytic: Tensor, _ numeric: Tensor, floor: Float = 1e-3) -> Float {
    precondition(analytic.shape == numeric.shape, "shapes \(analytic.shape) vs \(numeric.shape)")
    var worst: Float = 0
    for (a, n) in zip(analytic.scalars, numeric.scalars) {
        worst = max(worst, abs(a - n) / max(abs(a) + abs(n), floor))
    }
    return worst
}

/// A weighted sum Σ w_i·y_i with random weights: a scalar "loss" whose gradient with respect to
/// y is w. Random upstream gradients catch bugs that all-ones gradients hide.
func weightedSum(_ y: Tensor, _ w: Tensor) -> Double {
    zip(y.scalars, w.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}
