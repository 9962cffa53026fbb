import Foundation  // exp

/// A set of labeled grayscale images, kept as bytes (47 MB for MNIST's 60,000 training images,
/// instead of 188 MB as Float); batches are converted to Float when they are drawn.
public struct ImageSet: Sendable {
    /// count × rows × columns pixels, 0 (background) to 255 (ink), image after image, row-major.
    public let pixels: [UInt8]
    /// One label per image, 0..<classCount.
    public let labels: [UInt8]
    public let rows: Int
    public let columns: Int

    public init(pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int) {
        guard rows > 0, columns > 0, pixels.count == labels.count * rows * columns else {
            fatalError("ImageSet: \(pixels.count) pixels do not make \(labels.count) images of \(rows)×\(columns)")
        }
        self.pixels = pixels
        self.labels = labels
        self.rows = rows
        self.columns = columns
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// Pixels per image (784 for MNIST).
    public var imageSize: Int { rows * columns }

    /// Images `range` as a new set (the train/validation split uses this).
    public func subset(_ range: Range<Int>) -> ImageSet {
        ImageSet(pixels: Array(pixels[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)]),
                 labels: Array(labels[range]), rows: rows, columns: columns)
    }

    /// The images at `indices` as a (B, rows·columns) tensor scaled to [0, 1], and their labels.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
        let size = imageSize
        let images = Tensor(uninitializedShape: [indices.count, size]) { out in
            pixels.withUnsafeBufferPointer { src in
                for (row, index) in indices.enumerated() {
                    guard index >= 0 && index < count else {
                        fatalError("ImageSet.batch: image index \(index) is outside 0..<\(count)")
                    }
                    convert(src.baseAddress! + index * size, to: out.baseAddress! + row * size, count: size)
                }
            }
        }
        return (images, indices.map { Int(labels[$0]) })
    }
}

/// Bytes 0…255 to floats 0…1, sixteen at a time (this runs for every pixel of every batch).
func convert(_ source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<Float>, count: Int) {
    let scale = SIMD16<Float>(repeating: 1 / 255)
    var i = 0
    while i + 16 <= count {
        let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<UInt8>.self)
        let floats = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes)) * scale
        UnsafeMutableRawPointer(destination + i).storeBytes(of: floats, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count {
        destination[i] = Float(source[i]) * (1 / 255)
        i += 1
    }
}

/// Draws training batches: shuffles the set at the start of every epoch and walks through it,
/// like the 2017 tutorial's `mnist.train.next_batch(100)`. One epoch of 55,000 images is
/// 550 steps of 100.
public struct BatchSampler {
    public let set: ImageSet
    public let batchSize: Int
    public let seed: UInt64
    /// Batches handed out (or skipped) so far.
    public private(set) var batchesDrawn = 0
    private var order: [Int]
    private var position = 0
    private var rng: RandomSource
    /// Completed passes over the set.
    public private(set) var epoch = 0
    /// Passes over the set so far, counting the current one's part: 1.5 halfway through the second.
    public var epochsSeen: Double { Double(epoch) + Double(position) / Double(order.count) }

    public init(_ set: ImageSet, batchSize: Int, seed: UInt64) {
        guard batchSize > 0, batchSize <= set.count else {
            fatalError("BatchSampler: batch size \(batchSize) must be between 1 and the set's \(set.count) images")
        }
        self.set = set
        self.batchSize = batchSize
        self.seed = seed
        self.rng = RandomSource(seed: seed)
        self.order = Array(0..<set.count)
        rng.shuffle(&order)
    }

    /// The next batch of `batchSize` images, (batchSize, rows·columns), and their labels.
    public mutating func next() -> (images: Tensor, labels: [Int]) {
        set.batch(Array(advance()))
    }

    /// Moves past `count` batches without building them: a resumed run skips the batches it already
    /// trained on, so it continues with exactly the images an uninterrupted run would see next.
    public mutating func skip(_ count: Int) {
        for _ in 0..<count { _ = advance() }
    }

    /// The indices of the next batch's images (what `next` converts; `AugmentedBatches` augments them).
    public mutating func nextIndices() -> [Int] { Array(advance()) }

    /// The indices of the next batch.
    private mutating func advance() -> ArraySlice<Int> {
        if position + batchSize > order.count {   // start a new epoch (the last partial batch is dropped)
            rng.shuffle(&order)
            position = 0
            epoch += 1
        }
        defer { position += batchSize; batchesDrawn += 1 }
        return order[position..<(position + batchSize)]
    }
}

/// What a model got right and wrong on a set of images: the accuracy and mean loss, and each
/// image's predicted class and the probability the model gave it.
public struct Evaluation: Sendable {
    public let accuracy: Float
    public let loss: Float
    /// Per image, in the set's order: the class with the largest score, and its softmax probability.
    public let predictions: [Int]
    public let confidences: [Float]
    public let labels: [Int]

    /// counts[true class][predicted class], over every image.
    public func confusionMatrix(classes: Int = 10) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (label, prediction) in zip(labels, predictions) { counts[label][prediction] += 1 }
        return counts
    }

    /// The indices of the `count` wrong predictions made with the highest confidence, most confident first.
    public func mostConfidentMistakes(_ count: Int) -> [Int] {
        let wrong = labels.indices.filter { labels[$0] != predictions[$0] }
        return Array(wrong.sorted { confidences[$0] > confidences[$1] }.prefix(count))
    }
}

/// Runs `model` over `set` in evaluation mode: the accuracy, the mean loss, and every prediction.
public func evaluate(_ model: any Layer, on set: ImageSet, batchSize: Int = 1_000) -> Evaluation {
    var correct = 0.0, totalLoss = 0.0
    var predictions: [Int] = [], confidences: [Float] = [], labels: [Int] = []
    var start = 0
    while start < set.count {
        let indices = Array(start..<min(start + batchSize, set.count))
        let (images, batchLabels) = set.batch(indices)
        let logits = model.forward(images, mode: .evaluation)
        let (loss, _) = softmaxCrossEntropy(logits: logits, labels: batchLabels)
        correct += Double(accuracy(logits: logits, labels: batchLabels)) * Double(indices.count)
        totalLoss += Double(loss) * Double(indices.count)
        predictions += logits.argmaxRows()
        confidences += largestProbabilities(logits)
        labels += batchLabels
        start += batchSize
    }
    return Evaluation(accuracy: Float(correct / Double(set.count)), loss: Float(totalLoss / Double(set.count)),
                      predictions: predictions, confidences: confidences, labels: labels)
}

/// Each row's largest softmax probability: 1 / Σⱼ exp(zⱼ − max z).   logits is (N, K)
private func largestProbabilities(_ logits: Tensor) -> [Float] {
    let k = logits.shape[1]
    return (0..<logits.shape[0]).map { row in
        let scores = logits.scalars[(row * k)..<((row + 1) * k)]
        let largest = scores.max()!
        return 1 / scores.reduce(0) { $0 + exp($1 - largest) }
    }
}
