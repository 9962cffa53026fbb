// Chapter 01 · Reference solution for Exercises/01-SoftmaxCrossEntropy.swift.
import Engine
import Foundation  // exp, log

public func softmaxCrossEntropyLoss(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
    let n = logits.shape[0], classes = logits.shape[1]
    var gradient = Tensor(zeros: [n, classes])
    var totalLoss: Float = 0
    for row in 0..<n {
        var maxLogit = logits[row, 0]
        for c in 0..<classes { maxLogit = max(maxLogit, logits[row, c]) }
        var sum: Float = 0
        for c in 0..<classes { sum += exp(logits[row, c] - maxLogit) }
        // −log p(label) = log Σ exp(z − max) − (z_label − max)
        totalLoss += log(sum) - (logits[row, labels[row]] - maxLogit)
        for c in 0..<classes {
            let probability = exp(logits[row, c] - maxLogit) / sum
            let target: Float = c == labels[row] ? 1 : 0
            gradient[row, c] = (probability - target) / Float(n)
        }
    }
    return (totalLoss / Float(n), gradient)
}
