// Chapter 08 · Augmentation: shift and flip an image at training time, average predictions at test time.
// Check them:  swift test --filter ExercisesTests.Chapter08/shift
//              swift test --filter ExercisesTests.Chapter08/horizontalFlip
//              swift test --filter ExercisesTests.Chapter08/testTimeAugmentation
// Solution:    Solutions/08-Augmentation.swift
// Tensors:     book/tensor-cheatsheet.md (creating, indexing, shapes, loops)
import Engine
import Foundation  // exp

/// A random shift done the usual way: pad the image with `padding` zeros on every side, then crop
/// an H×W window back out of the padded image. The random part is where the window starts
/// (top and left, each drawn from 0...2·padding); here they are given, so the check is exact.
///
///   x   is (C, H, W), one image;   out is (C, H, W), the same shape
///   padded[c, i, j] = x[c, i − padding, j − padding]  inside the image, 0 in the border
///   out[c, i, j]    = padded[c, top + i, left + j]
///
/// top = left = padding leaves the image where it was; top = 0 moves it down by `padding` rows
/// and left = 0 right by `padding` columns. Pixels that come in from outside are 0.
///
/// Hint: you do not need to build the padded image: out[c, i, j] = x[c, top + i − padding,
/// left + j − padding] when that row and column lie inside the image, and 0 otherwise. Nothing
/// wraps around from the other side.
public func shift(image x: Tensor, padding: Int, top: Int, left: Int) -> Tensor {
    notStarted()
}

/// A horizontal flip, the mirror image: left and right change places, up and down stay.
///
///   x is (C, H, W);   out is (C, H, W)
///   out[c, i, j] = x[c, i, W − 1 − j]
///
/// Only for images whose label survives it: a flipped shirt is still a shirt, but a flipped 2 is
/// not a 2, so the course flips Fashion-MNIST and never the digits.
///
/// Hint: the last column is W − 1, not W. Writing into a new tensor is simplest; swapping in
/// place must stop halfway, or every pair is swapped twice.
public func horizontalFlip(image x: Tensor) -> Tensor {
    notStarted()
}

/// Test-time augmentation: the network sees K transformed copies of each test image (the image
/// itself, shifted ones, flipped ones, …); its prediction is the average of the copies'
/// probabilities.
///
///   logits   K tensors, each (N, classes): logits[k][n, ·] are the scores of copy k of image n
///   returns  (N, classes)   out[n, ·] = (1/K) Σₖ softmax(logits[k][n, ·])
///
/// Every row of the result is a probability distribution: entries in [0, 1] that sum to 1.
///
/// Hint: average the probabilities, not the logits: softmax each copy's row first. Subtract each
/// row's maximum before exp (a logit of 100 overflows Float's exp), and divide by K, not by N.
public func testTimeAugmentation(logits: [Tensor]) -> Tensor {
    notStarted()
}
