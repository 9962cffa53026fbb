// Chapter 04 · 2-D convolution with stride and zero padding, forward and backward.
// Check it:  swift test --filter ExercisesTests.Chapter04/convolution
// Solution:  Solutions/04-Convolution.swift
// Tensors:   book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine

/// The forward pass of a convolution layer (strictly, a cross-correlation, as in every framework:
/// the filter is not flipped).
///
///   x   is (N, C, H, W)      N images of C channels
///   w   is (F, C, KH, KW)    F filters, each spanning all C channels
///   b   is (F)               one bias per filter
///   out is (N, F, OH, OW)    OH = (H + 2·padding − KH) / stride + 1   (integer division)
///                            OW = (W + 2·padding − KW) / stride + 1
///
///   out[n, f, oh, ow] = b[f] + Σ_c Σ_kh Σ_kw  w[f, c, kh, kw] · x[n, c, oh·stride + kh − padding, ow·stride + kw − padding]
///
/// where x is read as 0 outside the image (that is what zero padding means).
///
/// Hint: write the six loops (n, f, oh, ow, then c, kh, kw inside) and skip the input positions
/// that fall outside 0..<H or 0..<W. Kernels need not be square and images need not be square.
public func conv2dForward(input x: Tensor, weight w: Tensor, bias b: Tensor, stride: Int, padding: Int) -> Tensor {
    notStarted()
}

/// The backward pass: given ∂loss/∂out, return the gradients with respect to x, w and b.
///
///   dout is (N, F, OH, OW);  x is (N, C, H, W);  w is (F, C, KH, KW)
///   returns
///     input  (N, C, H, W)     dx
///     weight (F, C, KH, KW)   dw
///     bias   (F)              db
///
/// Hint: run exactly the loops of the forward pass; wherever the forward did
/// `out[...] += w[f, c, kh, kw] · x[n, c, ih, iw]`, the backward does
/// `dw[f, c, kh, kw] += dout[...] · x[n, c, ih, iw]` and `dx[n, c, ih, iw] += dout[...] · w[f, c, kh, kw]`,
/// with the same ih, iw and the same skipping of padded positions. Every filter is shared by all
/// images and all positions, so dw and db add up over n, oh and ow.
public func conv2dBackward(outputGradient dout: Tensor, input x: Tensor, weight w: Tensor, stride: Int, padding: Int)
    -> (input: Tensor, weight: Tensor, bias: Tensor) {
    notStarted()
}
