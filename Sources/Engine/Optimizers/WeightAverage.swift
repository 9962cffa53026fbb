/// The mean of the weights over the last steps of training (Polyak–Ruppert averaging).
///
/// SGD with a large, constant learning rate never settles: each step jumps to a new point near the
/// minimum, and where training stops depends on which batches came last. The average of those
/// points lies closer to the minimum than most of them. Call `accumulate` after each optimizer
/// step you want in the average, then `withAveragedWeights` to evaluate the averaged model:
///
///     average = runningMean + (weights − runningMean) / k      after the k-th accumulated step
///
/// The running mean is kept in Double: in Float, 100,000 updates of (w − mean)/k each round off a
/// little, and the mean drifts by about 1e-4 of its size (measured in WeightAverageTests).
public final class WeightAverage {
    private let parameters: [Parameter]
    private var means: [[Double]]
    /// How many steps are in the average so far.
    public private(set) var count = 0

    public init(_ parameters: [Parameter]) {
        self.parameters = parameters
        self.means = parameters.map { Array(repeating: 0, count: $0.value.count) }
    }

    /// Adds the parameters' current values to the average.
    public func accumulate() {
        count += 1
        let weight = 1 / Double(count)
        for (i, p) in parameters.enumerated() {
            means[i].withUnsafeMutableBufferPointer { mean in
                p.value.scalars.withUnsafeBufferPointer { w in
                    for j in 0..<mean.count { mean[j] += (Double(w[j]) - mean[j]) * weight }
                }
            }
        }
    }

    /// Runs `body` with the averaged weights in place of the current ones, then puts the current
    /// ones back: training can go on afterwards exactly as if nothing had happened.
    public func withAveragedWeights<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard count > 0 else { fatalError("WeightAverage: no step accumulated yet; call accumulate() after an optimizer step") }
        let current = parameters.map(\.value)
        for (p, mean) in zip(parameters, means) { p.value = Tensor(shape: p.value.shape, scalars: mean.map { Float($0) }) }
        defer { for (p, value) in zip(parameters, current) { p.value = value } }
        return try body()
    }
}
