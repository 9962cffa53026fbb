/// Per-channel input normalization: out = (x − mean[c]) / std[c], with the mean and standard
/// deviation of each channel measured once, on the training split, and then fixed. Centred,
/// unit-scale inputs suit the initializations of chapter 6 better than raw pixels in [0, 1].
///
/// It is the model's first layer, so whatever the model is evaluated on (the test split, a
/// shifted copy of it) goes through the same fixed statistics: the test images never influence them.
/// No parameters: nothing here is learned.
public final class InputNormalization: Layer {
    public let means: [Float]
    public let standardDeviations: [Float]

    public init(means: [Float], standardDeviations: [Float]) {
        guard !means.isEmpty, means.count == standardDeviations.count, standardDeviations.allSatisfy({ $0 > 0 }) else {
            fatalError("InputNormalization: \(means.count) means and \(standardDeviations.count) standard deviations "
                + "(one of each per channel, all deviations > 0): \(standardDeviations)")
        }
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// The statistics of a training set's pixels (one channel), each image scaled to [0, 1] as
    /// `ImageSet.batch` does. Pass the training split, never the test split.
    public convenience init(statisticsOf training: ImageSet) {
        // Pixels are bytes: count each of the 256 values, then the mean and variance are exact sums.
        var counts = [Int](repeating: 0, count: 256)
        for byte in training.pixels { counts[Int(byte)] += 1 }
        let total = Double(training.pixels.count)
        let mean = counts.enumerated().reduce(0.0) { $0 + Double($1.offset) / 255 * Double($1.element) } / total
        let variance = counts.enumerated().reduce(0.0) { sum, entry in
            let d = Double(entry.offset) / 255 - mean
            return sum + d * d * Double(entry.element)
        } / total
        self.init(means: [Float(mean)], standardDeviations: [Float(max(variance, 1e-12).squareRoot())])
    }

    /// The per-channel statistics of `images`, (N, C, H, W).
    public convenience init(statisticsOf images: Tensor) {
        guard images.rank == 4, images.count > 0 else {
            fatalError("InputNormalization: statistics need images (N, C, H, W), got \(images.shape)")
        }
        let (n, channels, area) = (images.shape[0], images.shape[1], images.shape[2] * images.shape[3])
        var means = [Float](), deviations = [Float]()
        for c in 0..<channels {
            var sum = 0.0, sumOfSquares = 0.0
            for i in 0..<n {
                for x in images.scalars[((i * channels + c) * area)..<((i * channels + c + 1) * area)] {
                    sum += Double(x)
                    sumOfSquares += Double(x) * Double(x)
                }
            }
            let mean = sum / Double(n * area)
            means.append(Float(mean))
            deviations.append(Float(max(sumOfSquares / Double(n * area) - mean * mean, 1e-12).squareRoot()))
        }
        self.init(means: means, standardDeviations: deviations)
    }

    public var name: String {
        zip(means, standardDeviations).map { "normalize (x − \($0.formatted(places: 4))) / \($1.formatted(places: 4))" }
            .joined(separator: ", ")
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    /// x is (N, C·H·W) or (N, C, H, W): each example's values, channel after channel.
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        scaled(x, by: standardDeviations.map { 1 / $0 }, plus: zip(means, standardDeviations).map { -$0 / $1 })
    }

    /// The map is x/std plus a constant: dx = dout / std.
    public func backward(_ dout: Tensor) -> Tensor {
        scaled(dout, by: standardDeviations.map { 1 / $0 }, plus: means.map { _ in 0 })
    }

    /// t · scale[c] + shift[c], channel by channel.
    private func scaled(_ t: Tensor, by scale: [Float], plus shift: [Float]) -> Tensor {
        let channels = means.count
        guard t.rank >= 2, let n = t.shape.first, n > 0, t.count % (n * channels) == 0 else {
            fatalError("\(name): expected (N, …) with a multiple of \(channels) values per example, got \(t.shape)")
        }
        let area = t.count / (n * channels)
        var out = t
        out.scalars.withUnsafeMutableBufferPointer { v in
            for i in 0..<n {
                for c in 0..<channels {
                    let (a, b) = (scale[c], shift[c])
                    for j in ((i * channels + c) * area)..<((i * channels + c + 1) * area) { v[j] = v[j] * a + b }
                }
            }
        }
        return out
    }
}
