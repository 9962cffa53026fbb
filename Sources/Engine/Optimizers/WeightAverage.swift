/// The mean of the weights over the last steps of training (Polyak–Ruppert averaging).
///
/// SGD with a large, constant learning rate never settles: each step jumps to a new point near the
/// minimum, and where training stops depends on which batches came last. The average of those
/// points lies closer to the minimum than most of them. Call `accumulate` after each optimizer
/// step you want in the average, then `withAveragedWeights` to evaluate the averaged model:
///
///     average = runningMean + (weights − runningMean) / k      after the k-th accumulated step
///
/// A running mean in Float keeps its error near Float's rounding of the weights themselves, even
/// over 100,000 steps (a running sum would lose the late steps' digits).
public final class WeightAverage {
    private let parameters: [Parameter]
    private var means: [Tensor]
    /// How many steps are in the average so far.
    public private(set) var count = 0

    public init(_ parameters: [Parameter]) {
        self.parameters = parameters
        self.means = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    /// Adds the parameters' current values to the average.
    public func accumulate() {
        count += 1
        let weight = 1 / Float(count)
        for (i, p) in parameters.enumerated() {
            means[i].scalars.withUnsafeMutableBufferPointer { mean in
                p.value.scalars.withUnsafeBufferPointer { w in
                    for j in 0..<mean.count { mean[j] += (w[j] - mean[j]) * weight }
                }
            }
        }
    }

    /// Runs `body` with the averaged weights in place of the current ones, then puts the current
    /// ones back: training can go on afterwards exactly as if nothing had happened.
    public func withAveragedWeights<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard count > 0 else { fatalError("WeightAverage: no step accumulated yet; call accumulate() after an optimizer step") }
        let current = parameters.map(\.value)
        for (p, mean) in zip(parameters, means) { p.value = mean }
        defer { for (p, value) in zip(parameters, current) { p.value = value } }
        return try body()
    }
}
