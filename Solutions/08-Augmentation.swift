// Chapter 08 · Reference solution for Exercises/08-Augmentation.swift.
import Engine
import Foundation  // exp

public func shift(image x: Tensor, padding: Int, top: Int, left: Int) -> Tensor {
    let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
    var out = Tensor(zeros: x.shape)                    // what comes in from the border stays 0
    for channel in 0..<c {
        for i in 0..<h {
            let row = top + i - padding                 // the row of x that lands on row i
            guard row >= 0, row < h else { continue }
            for j in 0..<w {
                let column = left + j - padding
                guard column >= 0, column < w else { continue }
                out[channel, i, j] = x[channel, row, column]
            }
        }
    }
    return out
}

public func horizontalFlip(image x: Tensor) -> Tensor {
    let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
    var out = Tensor(zeros: x.shape)
    for channel in 0..<c {
        for i in 0..<h {
            for j in 0..<w { out[channel, i, j] = x[channel, i, w - 1 - j] }
        }
    }
    return out
}

public func testTimeAugmentation(logits: [Tensor]) -> Tensor {
    let (n, classes) = (logits[0].shape[0], logits[0].shape[1])
    var average = Tensor(zeros: [n, classes])
    for copy in logits {
        for row in 0..<n {
            var maxLogit = copy[row, 0]
            for c in 0..<classes { maxLogit = max(maxLogit, copy[row, c]) }
            var sum: Float = 0
            for c in 0..<classes { sum += exp(copy[row, c] - maxLogit) }
            for c in 0..<classes { average[row, c] += exp(copy[row, c] - maxLogit) / sum / Float(logits.count) }
        }
    }
    return average
}
