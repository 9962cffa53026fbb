// Chapter 07 · A residual block around a given branch, and global average pooling.
// Check them:  swift test --filter ExercisesTests.Chapter07/residualBlock
//              swift test --filter ExercisesTests.Chapter07/globalAveragePool
// Solution:    Solutions/07-ResidualBlocks.swift
// Tensors:     book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// A piece of a network handed to you as its two passes:
///   forward(x) -> out
///   backward(dout, x) -> dx     ∂loss/∂x, given ∂loss/∂out and the same x the forward pass saw
public typealias Passes = (forward: (Tensor) -> Tensor, backward: (_ outputGradient: Tensor, _ input: Tensor) -> Tensor)

/// The forward pass of a residual block: the branch's output plus the shortcut, then a ReLU.
///
///   x   is (N, C, H, W)
///   branch      F: the main path (in the engine conv → BN → ReLU → conv → BN), (N, C, H, W) -> (N, C', H', W')
///   projection  S when it is given (a block that downsamples: a 1×1 stride-2 convolution that
///               doubles the channels); when it is nil, S is the identity, S(x) = x, and C' = C, H' = H, W' = W
///   out = relu(F(x) + S(x))     is (N, C', H', W')
///
/// Hint: add first, then apply the ReLU once, to the sum. F(x) and S(x) have the same shape.
public func residualBlockForward(input x: Tensor, branch: Passes, projection: Passes?) -> Tensor {
    notStarted()
}

/// The backward pass: ∂loss/∂x, given ∂loss/∂out.
///
///   dout is (N, C', H', W');  x is (N, C, H, W);  returns dx (N, C, H, W)
///   g  = dout where F(x) + S(x) > 0, and 0 where it is ≤ 0        (through the final ReLU)
///   dx = branch.backward(g, x) + (g itself for the identity, projection.backward(g, x) otherwise)
///
/// A sum passes its gradient to both of its terms unchanged: that is why the shortcut carries
/// ∂loss/∂out straight back to x, however deep the network.
///
/// Hint: recompute F(x) + S(x) to know where the ReLU was on. Both paths get the same g, masked by
/// the ReLU of the sum (not of F(x) alone). Call each backward exactly once: in the engine a
/// backward pass also adds to its parameters' gradients, so a second call would count them twice.
public func residualBlockBackward(outputGradient dout: Tensor, input x: Tensor, branch: Passes, projection: Passes?) -> Tensor {
    notStarted()
}

/// Global average pooling: the mean of each channel over the whole image.
///
///   x   is (N, C, H, W)
///   out is (N, C)          out[n, c] = (1 / (H·W)) Σ_h Σ_w x[n, c, h, w]
///
/// Hint: the result is (N, C), not (N, C, 1, 1); images need not be square.
public func globalAveragePoolForward(input x: Tensor) -> Tensor {
    notStarted()
}

/// The backward pass: every pixel of a channel had the same share in its mean.
///
///   dout is (N, C);  x is (N, C, H, W);  returns dx (N, C, H, W)
///   dx[n, c, h, w] = dout[n, c] / (H·W)
///
/// Hint: only x's shape matters here. Do not forget the 1/(H·W) of the mean.
public func globalAveragePoolBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    notStarted()
}
