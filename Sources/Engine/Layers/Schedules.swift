/// A step learning-rate schedule: start at `initial` and multiply by `factor` every `every` epochs
/// (PyTorch's StepLR). The SimpleCNN halves its rate after epoch 5: `StepSchedule(initial: 1e-3, every: 5, factor: 0.5)`.
public struct StepSchedule: Sendable, Equatable {
    public let initial: Float
    public let every: Int
    public let factor: Float

    public init(initial: Float, every: Int, factor: Float = 0.5) {
        guard every >= 1, factor > 0 else {
            fatalError("StepSchedule: every must be at least 1 and factor positive; got every \(every), factor \(factor)")
        }
        self.initial = initial
        self.every = every
        self.factor = factor
    }

    /// The learning rate for epoch `epoch`, counting from 0: initial · factor^(epoch / every).
    public func learningRate(epoch: Int) -> Float {
        var rate = initial
        for _ in 0..<(max(epoch, 0) / every) { rate *= factor }
        return rate
    }
}
