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
        self.rng = RandomSource(seed: seed)
        self.order = Array(0..<set.count)
        rng.shuffle(&order)
    }

    /// The next batch of `batchSize` images, (batchSize, rows·columns), and their labels.
    public mutating func next() -> (images: Tensor, labels: [Int]) {
        set.batch(nextIndices())
    }

    /// The indices of the next batch's images (what `next` converts; `AugmentedBatches` augments them).
    public mutating func nextIndices() -> [Int] {
        if position + batchSize > order.count {   // start a new epoch (the last partial batch is dropped)
            rng.shuffle(&order)
            position = 0
            epoch += 1
        }
        defer { position += batchSize }
        return Array(order[position..<(position + batchSize)])
    }
}

/// Runs `model` over `set` in evaluation mode and returns the accuracy and the mean loss.
public func evaluate(_ model: any Layer, on set: ImageSet, batchSize: Int = 1_000) -> (accuracy: Float, loss: Float) {
    var correct = 0.0, totalLoss = 0.0
    var start = 0
    while start < set.count {
        let indices = Array(start..<min(start + batchSize, set.count))
        let (images, labels) = set.batch(indices)
        let logits = model.forward(images, mode: .evaluation)
        let (loss, _) = softmaxCrossEntropy(logits: logits, labels: labels)
        correct += Double(accuracy(logits: logits, labels: labels)) * Double(indices.count)
        totalLoss += Double(loss) * Double(indices.count)
        start += batchSize
    }
    return (Float(correct / Double(set.count)), Float(totalLoss / Double(set.count)))
}
