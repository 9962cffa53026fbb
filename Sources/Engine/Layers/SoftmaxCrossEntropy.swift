import Foundation  // exp, log

/// Softmax followed by cross-entropy, averaged over the batch, fused with its gradient.
///
///   logits   is (N, C)  unnormalized scores
///   labels   is (N)     the correct class of each row, in 0..<C
///   loss     = mean over rows of −log softmax(logits)[label]
///   gradient is (N, C)  ∂loss/∂logits = (softmax(logits) − onehot(label)) / N
///
/// Numerically stable: each row's maximum is subtracted before exponentiating (softmax does not
/// change when a constant is added to a row), and the log is taken of the normalizer, not of a
/// probability that may have underflowed to zero. Logits of ±1e4 give a finite loss and gradient.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
    guard logits.rank == 2, logits.shape[0] == labels.count else {
        fatalError("softmaxCrossEntropy: logits must be (N, C) with N = \(labels.count) labels; got \(logits.shape)")
    }
    let n = logits.shape[0], classes = logits.shape[1]
    var gradient = Tensor(zeros: logits.shape)
    var totalLoss = 0.0
    logits.scalars.withUnsafeBufferPointer { z in
        gradient.scalars.withUnsafeMutableBufferPointer { g in
            for row in 0..<n {
                let label = labels[row]
                guard label >= 0 && label < classes else {
                    fatalError("softmaxCrossEntropy: label \(label) in row \(row) is outside 0..<\(classes)")
                }
                let base = row * classes
                var maxLogit = -Float.infinity
                for c in 0..<classes { maxLogit = max(maxLogit, z[base + c]) }
                var sum: Float = 0
                for c in 0..<classes {
                    let e = exp(z[base + c] - maxLogit)
                    g[base + c] = e
                    sum += e
                }
                // −log p(label) = log Σ exp(z − max) − (z_label − max)
                totalLoss += Double(log(sum) - (z[base + label] - maxLogit))
                let scale = 1 / (sum * Float(n))
                for c in 0..<classes { g[base + c] *= scale }
                g[base + label] -= 1 / Float(n)
            }
        }
    }
    return (Float(totalLoss / Double(n)), gradient)
}

/// The fraction of rows whose largest logit is at the correct label.
public func accuracy(logits: Tensor, labels: [Int]) -> Float {
    let predictions = logits.argmaxRows()
    guard !labels.isEmpty else { return 0 }
    let correct = zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
    return Float(correct) / Float(labels.count)
}
