// Chapter 04 · Max-pooling, forward and backward.
// Check it:  swift test --filter ExercisesTests.Chapter04/maxPooling
// Solution:  Solutions/04-MaxPooling.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// The forward pass of max-pooling: the largest value in each size×size window, channel by channel.
///
///   x   is (N, C, H, W)
///   out is (N, C, OH, OW)   OH = (H − size) / stride + 1,  OW = (W − size) / stride + 1   (no padding)
///
///   out[n, c, oh, ow] = max over 0 ≤ i, j < size of  x[n, c, oh·stride + i, ow·stride + j]
///
/// Hint: the usual 2×2 window with stride 2 halves H and W, but the check also uses overlapping
/// windows (stride smaller than size) and windows that do not tile the image exactly.
public func maxPoolForward(input x: Tensor, size: Int, stride: Int) -> Tensor {
    notStarted()
}

/// The backward pass: each window's gradient goes to the one input that was its maximum.
///
///   dout is (N, C, OH, OW);  x is (N, C, H, W)
///   returns dx (N, C, H, W): for each window, dx[position of its max] += dout[n, c, oh, ow],
///   and 0 everywhere no window took its maximum from.
///
/// Hint: only the winner of a window influenced the output, so only it gets gradient; sending
/// dout to every position of the window is the usual mistake. When windows overlap, one input can
/// win several windows: add (+=), do not overwrite.
public func maxPoolBackward(outputGradient dout: Tensor, input x: Tensor, size: Int, stride: Int) -> Tensor {
    notStarted()
}
