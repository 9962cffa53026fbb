import Dispatch

// Data augmentation (lesson 08): small random changes to each training image that leave its label
// alone, drawn afresh every time the image is used, so the network never sees the same picture
// twice and cannot memorize it. Training time only: evaluation sees the images as they are.

/// One grayscale image as floats, 0 (background) to 1 (ink), row-major.
public struct GrayscaleImage: Sendable, Equatable {
    public var pixels: [Float]
    public let rows: Int
    public let columns: Int

    public init(pixels: [Float], rows: Int, columns: Int) {
        guard rows > 0, columns > 0, pixels.count == rows * columns else {
            fatalError("GrayscaleImage: \(pixels.count) pixels do not make a \(rows)×\(columns) image")
        }
        self.pixels = pixels
        self.rows = rows
        self.columns = columns
    }

    /// The pixel at (row, column), or 0 (background) outside the image.
    public func pixel(_ row: Int, _ column: Int) -> Float {
        row >= 0 && row < rows && column >= 0 && column < columns ? pixels[row * columns + column] : 0
    }

    /// A blank image of the same size, filled by `value(row, column)`.
    func map(_ value: (Int, Int) -> Float) -> GrayscaleImage {
        var out = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns { out[row * columns + column] = value(row, column) }
        }
        return GrayscaleImage(pixels: out, rows: rows, columns: columns)
    }
}

// MARK: - The transforms, each with its parameters given

extension GrayscaleImage {
    /// The image moved `dx` pixels right and `dy` pixels down; what moves in from the edge is
    /// background. This is "pad then crop": pad every side with m zeros, then cut a rows×columns
    /// window at offset (m − dx, m − dy) out of the padded image.
    public func shifted(dx: Int, dy: Int) -> GrayscaleImage {
        map { row, column in pixel(row - dy, column - dx) }
    }

    /// The image turned `degrees` counter-clockwise and scaled by `scale` about its centre,
    /// read between pixels by bilinear interpolation. 0° and scale 1 give the image back exactly.
    public func rotatedAndScaled(degrees: Float, scale: Float) -> GrayscaleImage {
        // Each output pixel p reads the source at c + R(−θ)·(p − c)/scale: the inverse map, so every
        // output pixel gets a value (the forward map would leave holes).
        let turn = Double(degrees / 360), fraction = turn - turn.rounded(.down)   // in [0, 1)
        let (sine, cosine) = PortableMath.sinCosTwoPi(fraction)
        let sin = Float(sine) / scale, cos = Float(cosine) / scale
        let centerX = Float(columns - 1) / 2, centerY = Float(rows - 1) / 2
        var x = [Float](repeating: 0, count: rows * columns), y = x
        for row in 0..<rows {
            for column in 0..<columns {
                let u = Float(column) - centerX, v = Float(row) - centerY
                x[row * columns + column] = centerX + cos * u - sin * v
                y[row * columns + column] = centerY + sin * u + cos * v
            }
        }
        return sampled(x: x, y: y)
    }

    /// Elastic distortion (Simard, Steinkraus and Platt, 2003, the classic MNIST augmentation):
    /// every pixel moves by its own small amount, smoothly varying across the image, like ink on
    /// a rubber sheet. The displacement fields are uniform noise in [−1, 1] blurred by a Gaussian
    /// of standard deviation `sigma` pixels and multiplied by `alpha`; the paper used α = 34, σ = 4.
    public func elasticallyDistorted(alpha: Float, sigma: Float, rng: inout RandomSource) -> GrayscaleImage {
        let count = rows * columns
        var dx = (0..<count).map { _ in rng.uniform(-1, 1) }
        var dy = (0..<count).map { _ in rng.uniform(-1, 1) }
        let kernel = gaussianKernel(sigma: sigma), radius = kernel.count / 2
        var scratch = [Float](repeating: 0, count: max(rows, columns) + 2 * radius)
        scratch.withUnsafeMutableBufferPointer { s in
            dx.withUnsafeMutableBufferPointer { gaussianBlur($0.baseAddress!, rows: rows, columns: columns, kernel: kernel, scratch: s.baseAddress!) }
            dy.withUnsafeMutableBufferPointer { gaussianBlur($0.baseAddress!, rows: rows, columns: columns, kernel: kernel, scratch: s.baseAddress!) }
        }
        return displaced(dx: dx.map { alpha * $0 }, dy: dy.map { alpha * $0 })
    }

    /// Each output pixel reads the source at its own position plus (dx, dy) (bilinear): the warp
    /// behind the elastic distortion, with the displacement fields given.
    public func displaced(dx: [Float], dy: [Float]) -> GrayscaleImage {
        guard dx.count == pixels.count, dy.count == pixels.count else {
            fatalError("displaced: displacement fields of \(dx.count) and \(dy.count) values for a \(rows)×\(columns) image")
        }
        var x = dx, y = dy
        for row in 0..<rows {
            for column in 0..<columns {
                x[row * columns + column] += Float(column)
                y[row * columns + column] += Float(row)
            }
        }
        return sampled(x: x, y: y)
    }

    /// Random erasing / cutout: the `height`×`width` rectangle at (`top`, `left`) set to background,
    /// so the network must recognize the object with a part of it missing.
    public func erased(top: Int, left: Int, height: Int, width: Int) -> GrayscaleImage {
        map { row, column in
            (top..<(top + height)).contains(row) && (left..<(left + width)).contains(column) ? 0 : pixel(row, column)
        }
    }

    /// Brightness and contrast jitter: x ↦ clamp(m + contrast·(x − m) + brightness, 0, 1), where m is
    /// the image's mean. contrast 1, brightness 0 is the identity.
    public func jittered(brightness: Float, contrast: Float) -> GrayscaleImage {
        let mean = pixels.reduce(0, +) / Float(pixels.count)
        return GrayscaleImage(pixels: pixels.map { min(max(mean + contrast * ($0 - mean) + brightness, 0), 1) },
                              rows: rows, columns: columns)
    }

    /// The mirror image, left and right swapped. A shirt mirrored is still a shirt; a 2 mirrored is
    /// not a 2, so digits never get this one.
    public func flippedHorizontally() -> GrayscaleImage {
        map { row, column in pixel(row, columns - 1 - column) }
    }

    /// The image read at the points (x[i], y[i]) by bilinear interpolation.
    func sampled(x: [Float], y: [Float]) -> GrayscaleImage {
        var out = [Float](repeating: 0, count: rows * columns)
        pixels.withUnsafeBufferPointer { image in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    out.withUnsafeMutableBufferPointer { out in
                        sampleBilinear(image.baseAddress!, rows: rows, columns: columns, x: x.baseAddress!,
                                       y: y.baseAddress!, into: out.baseAddress!, count: out.count)
                    }
                }
            }
        }
        return GrayscaleImage(pixels: out, rows: rows, columns: columns)
    }
}

// MARK: - Random augmentation

/// The kinds of random change `--augment` can choose, applied in this order.
public enum Transform: String, CaseIterable, Sendable {
    case shift, rotate, elastic, flip, jitter, erase

    /// Which labels survive it, for the error message when it is asked for where it does not belong.
    var preservesDigits: Bool { self != .flip }
}

/// Which random transforms to apply to every training image, and how strongly.
public struct Augmentation: Sendable {
    public var transforms: [Transform]
    /// shift: up to this many pixels in each direction (pad by it, then crop at a random offset).
    public var maxShift = 2
    /// rotate: an angle drawn uniformly from ±this many degrees, and a scale from `scales`.
    public var maxRotationDegrees: Float = 12
    public var scales: ClosedRange<Float> = 0.9...1.1
    /// elastic: Simard et al.'s α (pixels of displacement) and σ (smoothness, pixels).
    public var elasticAlpha: Float = 34
    public var elasticSigma: Float = 4
    /// erase: with this probability, a rectangle with sides drawn from `eraseSides` pixels, inside the image.
    public var eraseProbability: Float = 0.5
    public var eraseSides: ClosedRange<Int> = 4...10
    /// jitter: brightness added from ±this, contrast multiplied by 1 ± `maxContrastChange`.
    public var maxBrightnessChange: Float = 0.1
    public var maxContrastChange: Float = 0.2
    /// flip: mirror with this probability.
    public var flipProbability: Float = 0.5

    public init(_ transforms: [Transform]) {
        self.transforms = Transform.allCases.filter(transforms.contains)
    }

    /// No transforms: every image as it is.
    public static let none = Augmentation([])

    /// `--augment shift,rotate,erase` for `dataset`. Flips are refused on digits.
    public static func parse(_ list: String, dataset: DatasetName) throws(UsageError) -> Augmentation {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var transforms: [Transform] = []
        for name in names where name != "none" {
            guard let transform = Transform(rawValue: name) else {
                throw UsageError(message: "--augment expects a comma-separated list of "
                    + "\(Transform.allCases.map(\.rawValue).joined(separator: ", ")) (or none); got '\(name)'")
            }
            if !transform.preservesDigits && dataset != .fashionMNIST {
                throw UsageError(message: "--augment \(name): flips are for --dataset fashion-mnist only; "
                    + "a mirrored digit is not the same digit (a flipped 2 is not a 2)")
            }
            transforms.append(transform)
        }
        return Augmentation(transforms)
    }

    /// The list as `--augment` takes it: "shift,rotate,erase", or "none".
    public var list: String { transforms.isEmpty ? "none" : transforms.map(\.rawValue).joined(separator: ",") }

    /// `image` with a random draw of every chosen transform, taken from `rng`.
    public func apply(to image: GrayscaleImage, rng: inout RandomSource) -> GrayscaleImage {
        var image = image
        for transform in transforms {
            switch transform {
            case .shift:
                image = image.shifted(dx: rng.integer(below: 2 * maxShift + 1) - maxShift,
                                      dy: rng.integer(below: 2 * maxShift + 1) - maxShift)
            case .rotate:
                image = image.rotatedAndScaled(degrees: rng.uniform(-maxRotationDegrees, maxRotationDegrees),
                                               scale: rng.uniform(scales.lowerBound, scales.upperBound))
            case .elastic:
                image = image.elasticallyDistorted(alpha: elasticAlpha, sigma: elasticSigma, rng: &rng)
            case .flip:
                if rng.uniform() < flipProbability { image = image.flippedHorizontally() }
            case .jitter:
                image = image.jittered(brightness: rng.uniform(-maxBrightnessChange, maxBrightnessChange),
                                       contrast: 1 + rng.uniform(-maxContrastChange, maxContrastChange))
            case .erase:
                guard rng.uniform() < eraseProbability else { break }
                let height = min(image.rows, eraseSides.lowerBound + rng.integer(below: eraseSides.count))
                let width = min(image.columns, eraseSides.lowerBound + rng.integer(below: eraseSides.count))
                image = image.erased(top: rng.integer(below: image.rows - height + 1),
                                     left: rng.integer(below: image.columns - width + 1), height: height, width: width)
            }
        }
        return image
    }

    /// The random stream of image `index` of batch `step` under `seed`: its own generator, so the
    /// draws do not depend on which thread augments which image, or in what order.
    public static func randomStream(seed: UInt64, step: Int, index: Int) -> RandomSource {
        func mix(_ z: UInt64) -> UInt64 {   // SplitMix64's finalizer: every input bit flips half the output bits
            var z = z &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return RandomSource(seed: mix(mix(mix(seed ^ augmentationStream) ^ UInt64(step)) ^ UInt64(index)))
    }

    /// Augmentation draws get their own stream, distinct from the batch order's and the weights' (same --seed).
    static let augmentationStream: UInt64 = 0xA096_0E47_0000_0008

    /// The images at `indices` of `set`, each augmented with its own stream (batch `step`), as a
    /// (B, rows·columns) tensor, and their labels, unchanged. `workers` threads share the images;
    /// the result is the same for any number of them.
    public func batch(from set: ImageSet, indices: [Int], seed: UInt64, step: Int, workers: Int = 1) -> (images: Tensor, labels: [Int]) {
        let size = set.imageSize, count = indices.count, pieces = max(1, min(workers, count))
        let images = Tensor(uninitializedShape: [count, size]) { buffer in
            let out = SendablePointer(buffer.baseAddress!)
            let work: @Sendable (Int) -> Void = { piece in
                for row in (count * piece / pieces)..<(count * (piece + 1) / pieces) {
                    var rng = Augmentation.randomStream(seed: seed, step: step, index: row)
                    let image = self.apply(to: set.image(indices[row]), rng: &rng)
                    image.pixels.withUnsafeBufferPointer { (out.pointer + row * size).update(from: $0.baseAddress!, count: size) }
                }
            }
            if pieces == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: pieces, execute: work) }
        }
        return (images, indices.map { Int(set.labels[$0]) })
    }
}

extension ImageSet {
    /// Image `index` as floats in [0, 1].
    public func image(_ index: Int) -> GrayscaleImage {
        guard index >= 0 && index < count else { fatalError("ImageSet.image: index \(index) is outside 0..<\(count)") }
        var out = [Float](repeating: 0, count: imageSize)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { convert(src.baseAddress! + index * imageSize, to: $0.baseAddress!, count: imageSize) }
        }
        return GrayscaleImage(pixels: out, rows: rows, columns: columns)
    }
}

// MARK: - Prefetching

/// Training batches like `BatchSampler`'s (the same order for the same seed), each image randomly
/// augmented, prepared on a worker thread: while the network trains on batch k, batch k + 1 is
/// being drawn and augmented, so training never waits for augmentation.
public final class AugmentedBatches {
    public let augmentation: Augmentation
    private var sampler: BatchSampler
    private let seed: UInt64
    private let workers: Int
    private var step = 0
    private var pending: PendingBatch
    private let queue = DispatchQueue(label: "augmentation", qos: .userInitiated)
    /// Completed passes over the set, as of the last batch returned.
    public private(set) var epoch = 0

    public init(_ set: ImageSet, batchSize: Int, seed: UInt64, augmentation: Augmentation, workers: Int = 1) {
        self.sampler = BatchSampler(set, batchSize: batchSize, seed: seed)
        self.augmentation = augmentation
        self.seed = seed
        self.workers = workers
        self.pending = PendingBatch(epoch: 0)   // a placeholder until `self` exists: replaced by batch 1 at once
        pending = prepareNext()
    }

    /// The next batch, (batchSize, rows·columns), augmented, and its labels.
    public func next() -> (images: Tensor, labels: [Int]) {
        let ready = pending
        ready.done.wait()               // already finished, unless augmentation is slower than a training step
        pending = prepareNext()
        epoch = ready.epoch
        return ready.batch!
    }

    /// Draws the next indices now (on this thread, so the order is BatchSampler's) and starts augmenting them.
    private func prepareNext() -> PendingBatch {
        let indices = sampler.nextIndices()
        step += 1
        let job = PendingBatch(epoch: sampler.epoch)
        let (set, augmentation, seed, step, workers) = (sampler.set, augmentation, seed, step, workers)
        queue.async {
            job.batch = augmentation.batch(from: set, indices: indices, seed: seed, step: step, workers: workers)
            job.done.signal()
        }
        return job
    }
}

/// A batch being prepared: written once by the worker, read after `done` is signalled.
private final class PendingBatch: @unchecked Sendable {
    let epoch: Int
    var batch: (images: Tensor, labels: [Int])?
    let done = DispatchSemaphore(value: 0)
    init(epoch: Int) { self.epoch = epoch }
}
