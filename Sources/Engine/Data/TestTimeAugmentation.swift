import Foundation

/// One fixed, label-preserving change of a test image: a shift by (dx, dy) pixels, optionally
/// after a mirror. Test-time augmentation shows the model each test image through several of
/// these and averages what it says.
public struct FixedTransform: Sendable, Equatable, CustomStringConvertible {
    public var dx: Int
    public var dy: Int
    public var flip: Bool

    public init(dx: Int = 0, dy: Int = 0, flip: Bool = false) {
        self.dx = dx
        self.dy = dy
        self.flip = flip
    }

    public func apply(to image: GrayscaleImage) -> GrayscaleImage {
        let mirrored = flip ? image.flippedHorizontally() : image
        return dx == 0 && dy == 0 ? mirrored : mirrored.shifted(dx: dx, dy: dy)
    }

    public var description: String {
        let shift = "shift (\(dx), \(dy))"
        switch (flip, dx == 0 && dy == 0) {
        case (false, true): return "as is"
        case (false, false): return shift
        case (true, true): return "mirrored"
        case (true, false): return "mirrored, \(shift)"
        }
    }

    /// The first `count` of: the image itself, then the four one-pixel shifts, then the four
    /// diagonal ones. With `flips` (clothing) the mirror image comes second.
    public static func testTimeSet(count: Int, flips: Bool) -> [FixedTransform] {
        let shifts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)]
        var all = shifts.map { FixedTransform(dx: $0.0, dy: $0.1) }
        if flips { all.insert(FixedTransform(flip: true), at: 1) }
        guard count >= 1, count <= all.count else {
            fatalError("FixedTransform.testTimeSet: count \(count) must be from 1 to \(all.count)")
        }
        return Array(all.prefix(count))
    }
}

/// Test-time augmentation: runs `model` (evaluation mode) on every image of `set` seen through each
/// of `transforms`, averages the softmax probabilities over the transforms, and scores the average:
/// accuracy of its most probable class, and mean −log(average probability of the right class).
/// With the single transform "as is" this is `evaluate`.
public func evaluate(_ model: any Layer, on set: ImageSet, averagingOver transforms: [FixedTransform],
                     batchSize: Int = 500) -> (accuracy: Float, loss: Float) {
    guard !transforms.isEmpty else { fatalError("evaluate(averagingOver:): no transforms to average over") }
    var correct = 0, totalLoss = 0.0
    var start = 0
    while start < set.count {
        let indices = Array(start..<min(start + batchSize, set.count))
        var probabilities = [Double](repeating: 0, count: 0)
        var classes = 0
        for transform in transforms {
            let images = Tensor(shape: [indices.count, set.imageSize],
                                scalars: indices.flatMap { transform.apply(to: set.image($0)).pixels })
            let p = softmaxRows(model.forward(images, mode: .evaluation))
            classes = p.shape[1]
            if probabilities.isEmpty { probabilities = [Double](repeating: 0, count: p.count) }
            for i in 0..<p.count { probabilities[i] += Double(p.scalars[i]) / Double(transforms.count) }
        }
        for (row, index) in indices.enumerated() {
            let p = probabilities[(row * classes)..<((row + 1) * classes)]
            let label = Int(set.labels[index])
            if p.indices.max(by: { p[$0] < p[$1] })! - row * classes == label { correct += 1 }
            totalLoss -= Foundation.log(max(p[row * classes + label], 1e-30))
        }
        start += batchSize
    }
    return (Float(correct) / Float(set.count), Float(totalLoss / Double(set.count)))
}

/// Softmax of each row of logits (N, C): exp(z − max z), normalized to sum to 1.
public func softmaxRows(_ logits: Tensor) -> Tensor {
    guard logits.rank == 2 else { fatalError("softmaxRows: logits must be (N, C), got \(logits.shape)") }
    let (n, classes) = (logits.shape[0], logits.shape[1])
    var out = logits
    for row in 0..<n {
        let z = logits.scalars[(row * classes)..<((row + 1) * classes)]
        let top = z.max()!
        let e = z.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        for (j, value) in e.enumerated() { out.scalars[row * classes + j] = value / total }
    }
    return out
}
