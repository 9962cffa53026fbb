import Foundation
import Testing
@testable import Engine

/// A rows×columns image of zeros with a single 1 at (row, column).
private func oneHot(rows: Int, columns: Int, row: Int, column: Int) -> GrayscaleImage {
    var pixels = [Float](repeating: 0, count: rows * columns)
    pixels[row * columns + column] = 1
    return GrayscaleImage(pixels: pixels, rows: rows, columns: columns)
}

/// Where the single nonzero pixel of `image` is, or nil if there is not exactly one.
private func onlyInk(_ image: GrayscaleImage) -> (row: Int, column: Int)? {
    let lit = image.pixels.indices.filter { image.pixels[$0] != 0 }
    return lit.count == 1 ? (lit[0] / image.columns, lit[0] % image.columns) : nil
}

private func randomImage(rows: Int = 28, columns: Int = 28, seed: UInt64) -> GrayscaleImage {
    var rng = RandomSource(seed: seed)
    return GrayscaleImage(pixels: (0..<(rows * columns)).map { _ in rng.uniform() }, rows: rows, columns: columns)
}

/// A small labelled set of random bytes.
private func randomSet(count: Int, rows: Int = 28, columns: Int = 28, seed: UInt64) -> ImageSet {
    var rng = RandomSource(seed: seed)
    return ImageSet(pixels: (0..<(count * rows * columns)).map { _ in UInt8(rng.integer(below: 256)) },
                    labels: (0..<count).map { UInt8(($0 * 7) % 10) }, rows: rows, columns: columns)
}

@Suite("Augmentation transforms")
struct AugmentationTransformTests {
    @Test func shiftMovesAOneHotPixelWhereItShould() throws {
        let image = oneHot(rows: 5, columns: 6, row: 1, column: 2)
        let moved = try #require(onlyInk(image.shifted(dx: 3, dy: 2)))
        #expect(moved.row == 3 && moved.column == 5)      // 3 right, 2 down
        let back = try #require(onlyInk(image.shifted(dx: -2, dy: -1)))
        #expect(back.row == 0 && back.column == 0)
        #expect(image.shifted(dx: 4, dy: 0).pixels.allSatisfy { $0 == 0 })   // pushed off the right edge: background
        #expect(image.shifted(dx: 0, dy: 0) == image)
    }

    @Test func shiftIsPadThenCrop() {
        // Pad a random image with m = 2 zeros on every side, cut the 28×28 window at (m − dy, m − dx).
        let image = randomImage(seed: 1), m = 2
        for (dx, dy) in [(2, -1), (-2, 2), (0, 1), (-1, -1)] {
            var padded = [Float](repeating: 0, count: 32 * 32)
            for r in 0..<28 { for c in 0..<28 { padded[(r + m) * 32 + c + m] = image.pixels[r * 28 + c] } }
            var crop = [Float]()
            for r in 0..<28 { for c in 0..<28 { crop.append(padded[(r + m - dy) * 32 + c + m - dx]) } }
            #expect(image.shifted(dx: dx, dy: dy).pixels == crop, "shift (\(dx), \(dy))")
        }
    }

    @Test func rotationByZeroAndScaleOneIsTheIdentity() {
        let image = randomImage(seed: 2)
        #expect(image.rotatedAndScaled(degrees: 0, scale: 1) == image)
        #expect(image.rotatedAndScaled(degrees: 360, scale: 1) == image)
    }

    @Test func quarterTurnAndDoubleScaleMovePixelsByHand() throws {
        // 5×5, centre (2, 2). Turning 90° counter-clockwise takes the top middle pixel to the left middle.
        let top = oneHot(rows: 5, columns: 5, row: 0, column: 2)
        let turned = try #require(onlyInk(top.rotatedAndScaled(degrees: 90, scale: 1)))
        #expect(turned.row == 2 && turned.column == 0)
        let right = try #require(onlyInk(oneHot(rows: 5, columns: 5, row: 2, column: 4).rotatedAndScaled(degrees: -90, scale: 1)))
        #expect(right.row == 4 && right.column == 2)         // clockwise: the right middle goes to the bottom
        // Scaling by 2 about the centre: a pixel one to the right of it lands two to the right.
        let scaled = oneHot(rows: 5, columns: 5, row: 2, column: 3).rotatedAndScaled(degrees: 0, scale: 2)
        #expect(scaled.pixel(2, 4) == 1)
        #expect(scaled.pixel(2, 3) == 0.5)   // reads halfway between the centre (0) and the pixel (1)
        #expect(scaled.pixel(1, 4) == 0.5 && scaled.pixel(3, 3) == 0.25)   // the pixel spread over 2×2 the area
        #expect(scaled.pixels.reduce(0, +) == 3)
    }

    @Test func bilinearSamplingReadsBetweenPixels() {
        let image: [Float] = [0, 1, 2,
                              3, 4, 5]
        let x: [Float] = [1, 1.25, 0.5, -0.5, 2.5, 0.5, 10]
        let y: [Float] = [0, 1, 0.5, 1, 0, 1.5, 0]
        var out = [Float](repeating: -1, count: x.count)
        sampleBilinear(image, rows: 2, columns: 3, x: x, y: y, into: &out, count: x.count)
        // exact pixel; ¾·4 + ¼·5; the mean of 0, 1, 3, 4; half the edge pixel 3 (outside is 0);
        // half of 2; half of (3 + 4)/2 below the bottom; far outside.
        #expect(out == [1, 4.25, 2, 1.5, 1, 1.75, 0])
    }

    @Test func displacementFieldsMoveThePixels() {
        let image = randomImage(rows: 6, columns: 7, seed: 3)
        let zero = [Float](repeating: 0, count: 42)
        #expect(image.displaced(dx: zero, dy: zero) == image)
        // Reading one pixel to the right everywhere moves the content one pixel left.
        #expect(image.displaced(dx: zero.map { _ in 1 }, dy: zero) == image.shifted(dx: -1, dy: 0))
        var rng = RandomSource(seed: 4)
        #expect(image.elasticallyDistorted(alpha: 0, sigma: 4, rng: &rng) == image)
    }

    @Test func elasticDistortionIsSmallAndSmooth() {
        let image = randomImage(seed: 5)
        var rng = RandomSource(seed: 6)
        let distorted = image.elasticallyDistorted(alpha: 34, sigma: 4, rng: &rng)
        #expect(distorted != image)
        // α = 34, σ = 4 moves pixels about a pixel or two: most of the image changes by less than a full shade.
        let changed = zip(image.pixels, distorted.pixels).filter { abs($0 - $1) > 0.999 }.count
        #expect(changed < 10)
        var again = RandomSource(seed: 6)
        #expect(image.elasticallyDistorted(alpha: 34, sigma: 4, rng: &again) == distorted)
    }

    @Test func gaussianBlurMatchesThePlainLoop() {
        let kernel = gaussianKernel(sigma: 2)
        #expect(kernel.count == 13)
        #expect(abs(kernel.reduce(0, +) - 1) < 1e-6)
        #expect(kernel == kernel.reversed())
        #expect(abs(PortableMath.exp(-4.5) - Foundation.exp(-4.5)) < 1e-14)
        let (rows, columns) = (11, 9)   // the columns are not a multiple of 4: the scalar tail runs too
        var rng = RandomSource(seed: 7)
        let field = (0..<(rows * columns)).map { _ in rng.uniform(-1, 1) }
        // The 2-D convolution with the outer product kernel·kernelᵀ, zero outside.
        let r = kernel.count / 2
        var expected = [Float](repeating: 0, count: field.count)
        for y in 0..<rows { for x in 0..<columns {
            var sum = 0.0
            for i in -r...r { for j in -r...r where (0..<rows).contains(y + i) && (0..<columns).contains(x + j) {
                sum += Double(kernel[i + r]) * Double(kernel[j + r]) * Double(field[(y + i) * columns + x + j])
            } }
            expected[y * columns + x] = Float(sum)
        } }
        var blurred = field
        var scratch = [Float](repeating: .nan, count: max(rows, columns) + 2 * r)
        gaussianBlur(&blurred, rows: rows, columns: columns, kernel: kernel, scratch: &scratch)
        #expect(zip(blurred, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func erasingBlanksExactlyTheRectangle() {
        let ones = GrayscaleImage(pixels: [Float](repeating: 1, count: 28 * 28), rows: 28, columns: 28)
        let erased = ones.erased(top: 3, left: 20, height: 5, width: 7)
        #expect(erased.pixels.filter { $0 == 0 }.count == 35)
        #expect(erased.pixel(3, 20) == 0 && erased.pixel(7, 26) == 0)
        #expect(erased.pixel(2, 20) == 1 && erased.pixel(8, 26) == 1 && erased.pixel(3, 19) == 1 && erased.pixel(3, 27) == 1)
        // Random erasing with probability 1: one rectangle with sides in 4...10, fully inside.
        var augmentation = Augmentation([.erase])
        augmentation.eraseProbability = 1
        for seed in 0..<50 as Range<UInt64> {
            var rng = RandomSource(seed: seed)
            let out = augmentation.apply(to: ones, rng: &rng)
            let zeros = out.pixels.indices.filter { out.pixels[$0] == 0 }
            let rows = Set(zeros.map { $0 / 28 }), columns = Set(zeros.map { $0 % 28 })
            #expect((4...10).contains(rows.count) && (4...10).contains(columns.count))
            #expect(zeros.count == rows.count * columns.count)       // a solid rectangle
            #expect(rows.max()! - rows.min()! == rows.count - 1 && columns.max()! - columns.min()! == columns.count - 1)
        }
    }

    @Test func jitterChangesBrightnessAndContrastAndClamps() {
        let image = GrayscaleImage(pixels: [0, 0.5, 1, 0.5], rows: 2, columns: 2)   // mean 0.5
        #expect(image.jittered(brightness: 0, contrast: 1) == image)
        #expect(image.jittered(brightness: 0.25, contrast: 1).pixels == [0.25, 0.75, 1, 0.75])
        #expect(image.jittered(brightness: 0, contrast: 0.5).pixels == [0.25, 0.5, 0.75, 0.5])
        #expect(image.jittered(brightness: 0, contrast: 3).pixels == [0, 0.5, 1, 0.5])
    }

    @Test func flipMirrorsAndTwiceIsTheIdentity() throws {
        let flipped = try #require(onlyInk(oneHot(rows: 4, columns: 6, row: 3, column: 1).flippedHorizontally()))
        #expect(flipped.row == 3 && flipped.column == 4)
        let image = randomImage(seed: 8)
        #expect(image.flippedHorizontally().flippedHorizontally() == image)
        #expect(image.flippedHorizontally() != image)
    }

    @Test func textImagesDrawTwoRowsPerLine() {
        let image = GrayscaleImage(pixels: [1, 0, 0.25,
                                            1, 1, 0.25], rows: 2, columns: 3)
        #expect(textImages([image, image], perLine: 2, gap: 1) == "█▒░ █▒░")
    }
}

@Suite("Augmentation pipeline")
struct AugmentationPipelineTests {
    static let everyTransform = Augmentation(Transform.allCases)

    @Test func sameSeedSameImagesWhateverTheThreads() {
        let set = randomSet(count: 40, seed: 9)
        let indices = Array((0..<40).reversed())
        let one = Self.everyTransform.batch(from: set, indices: indices, seed: 3, step: 7, workers: 1)
        let four = Self.everyTransform.batch(from: set, indices: indices, seed: 3, step: 7, workers: 4)
        #expect(one.images == four.images)
        #expect(one.images != Self.everyTransform.batch(from: set, indices: indices, seed: 3, step: 8).images)
        #expect(one.images != Self.everyTransform.batch(from: set, indices: indices, seed: 4, step: 7).images)
        #expect(one.images != set.batch(indices).images)
    }

    @Test func labelsNeverChange() {
        let set = randomSet(count: 30, seed: 10)
        let batches = AugmentedBatches(set, batchSize: 10, seed: 5, augmentation: Self.everyTransform, workers: 2)
        var sampler = BatchSampler(set, batchSize: 10, seed: 5)
        for _ in 0..<7 {   // more than two epochs
            let indices = sampler.nextIndices()
            #expect(batches.next().labels == indices.map { Int(set.labels[$0]) })
        }
    }

    @Test func prefetchedBatchesAreTheSequentialOnes() {
        // The worker thread prepares batch k + 1 while k is used: the same batches, in the same order,
        // as augmenting BatchSampler's batches one by one, for any number of workers.
        let set = randomSet(count: 50, seed: 11)
        for workers in [1, 3] {
            let batches = AugmentedBatches(set, batchSize: 16, seed: 2, augmentation: Self.everyTransform, workers: workers)
            var sampler = BatchSampler(set, batchSize: 16, seed: 2)
            for step in 1...5 {
                let expected = Self.everyTransform.batch(from: set, indices: sampler.nextIndices(), seed: 2, step: step)
                let got = batches.next()
                #expect(got.images == expected.images && got.labels == expected.labels, "step \(step), \(workers) workers")
                #expect(batches.epoch == sampler.epoch)
            }
        }
    }

    @Test func noTransformsIsTheBatchSampler() {
        let set = randomSet(count: 20, seed: 12)
        let batches = AugmentedBatches(set, batchSize: 8, seed: 4, augmentation: .none)
        var sampler = BatchSampler(set, batchSize: 8, seed: 4)
        for _ in 0..<5 {
            let (a, b) = (batches.next(), sampler.next())
            #expect(a.images == b.images && a.labels == b.labels)
        }
    }

    @Test func theAugmentFlagRefusesFlipsOnDigits() throws {
        #expect(try Augmentation.parse("shift,rotate,erase", dataset: .mnist).transforms == [.shift, .rotate, .erase])
        #expect(try Augmentation.parse("erase,shift", dataset: .mnist).transforms == [.shift, .erase])   // the fixed order
        #expect(try Augmentation.parse("none", dataset: .mnist).transforms.isEmpty)
        #expect(try Augmentation.parse("flip,shift", dataset: .fashionMNIST).transforms == [.shift, .flip])
        for dataset in [DatasetName.mnist, .synthetic] {
            let error = #expect(throws: UsageError.self) { try Augmentation.parse("shift,flip", dataset: dataset) }
            #expect(error?.message == "--augment flip: flips are for --dataset fashion-mnist only; a mirrored digit is not "
                + "the same digit (a flipped 2 is not a 2)")
        }
        let unknown = #expect(throws: UsageError.self) { try Augmentation.parse("shift,twirl", dataset: .mnist) }
        #expect(unknown?.message.contains("got 'twirl'") == true)
    }

    @Test func listFlagsNameTheBadItem() throws {
        let flag = Flag("--augment", .list(["shift", "rotate"]), default: "shift", help: "")
        let options = try LessonOptions.parse(["--augment", "rotate,shift"], program: "p",
                                              defaults: LessonDefaults(steps: 1, batchSize: 1, learningRate: 1, logEvery: 1), extraFlags: [flag])
        #expect(options.value("--augment") == "rotate,shift")
        let error = #expect(throws: UsageError.self) {
            try LessonOptions.parse(["--augment", "shift,spin"], program: "p",
                                    defaults: LessonDefaults(steps: 1, batchSize: 1, learningRate: 1, logEvery: 1), extraFlags: [flag])
        }
        #expect(error?.message == "--augment expects a comma-separated list of shift, rotate; got 'spin' in 'shift,spin'")
    }
}

@Suite("Input normalization and test-time augmentation")
struct NormalizationAndTTATests {
    @Test func statisticsOfATrainingSetByHand() {
        // Pixels 0, 255, 0, 255 → 0, 1, 0, 1: mean 0.5, standard deviation 0.5.
        let set = ImageSet(pixels: [0, 255, 0, 255, 51, 204, 51, 204], labels: [1, 2], rows: 2, columns: 2)
        let first = InputNormalization(statisticsOf: set.subset(0..<1))
        #expect(first.means == [0.5] && first.standardDeviations == [0.5])
        // Both images: values 0, 1, 0, 1, 0.2, 0.8, 0.2, 0.8, mean 0.5, variance (4·0.25 + 4·0.09)/8 = 0.17.
        let both = InputNormalization(statisticsOf: set)
        #expect(abs(both.means[0] - 0.5) < 1e-6 && abs(both.standardDeviations[0] - Float(0.17).squareRoot()) < 1e-6)
        let out = first.forward(set.batch([0, 1]).images, mode: .evaluation)
        #expect(zip(out.scalars, [-1, 1, -1, 1, -0.6, 0.6, -0.6, 0.6] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func perChannelStatisticsAndGradient() {
        // Two channels of 2×1 pixels, two images: channel 0 holds 1, 3, 5, 7; channel 1 holds 10, 10, 20, 20.
        let images = Tensor(shape: [2, 2, 2, 1], scalars: [1, 3, 10, 10, 5, 7, 20, 20])
        let norm = InputNormalization(statisticsOf: images)
        #expect(norm.means == [4, 15])
        #expect(abs(norm.standardDeviations[0] - Float(5).squareRoot()) < 1e-6 && norm.standardDeviations[1] == 5)
        let out = norm.forward(images, mode: .training)
        #expect(abs(out[0, 1, 0, 0] - (-1)) < 1e-6 && abs(out[1, 0, 1, 0] - 3 / Float(5).squareRoot()) < 1e-6)
        let dx = norm.backward(Tensor(repeating: 1, shape: [2, 4]))
        #expect(abs(dx.scalars[0] - 1 / Float(5).squareRoot()) < 1e-6 && dx.scalars[3] == 0.2)
        #expect(norm.parameters.isEmpty)
    }

    @Test func testTimeSets() {
        #expect(FixedTransform.testTimeSet(count: 5, flips: false)
            == [FixedTransform(), FixedTransform(dx: 1), FixedTransform(dx: -1), FixedTransform(dy: 1), FixedTransform(dy: -1)])
        #expect(FixedTransform.testTimeSet(count: 2, flips: true) == [FixedTransform(), FixedTransform(flip: true)])
        #expect(FixedTransform(dx: 1, flip: true).apply(to: oneHot(rows: 2, columns: 3, row: 0, column: 0)).pixel(0, 0) == 0)
        #expect(FixedTransform(dx: -1, flip: true).apply(to: oneHot(rows: 2, columns: 3, row: 0, column: 0)).pixel(0, 1) == 1)
    }

    /// A model whose logits are 10 × the pixels: 1×3 images, 3 classes.
    final class PixelsAreLogits: Layer {
        var name: String { "10 × pixels are logits" }
        func forward(_ x: Tensor, mode: Mode) -> Tensor { 10 * x }
        func backward(_ d: Tensor) -> Tensor { 10 * d }
    }

    @Test func testTimeAugmentationAveragesProbabilities() {
        // One image of bytes (30, 105, 90), label 2: its logits (1.18, 4.12, 3.53) pick class 1.
        // Shifted one pixel right the logits are (0, 1.18, 4.12), left (4.12, 3.53, 0). The average of
        // the three softmax distributions favours class 2; the average of the logits would pick class 1.
        let set = ImageSet(pixels: [30, 105, 90], labels: [2], rows: 1, columns: 3)
        let model = PixelsAreLogits()
        let asIs = evaluate(model, on: set, averagingOver: [FixedTransform()])
        #expect(asIs.accuracy == 0 && asIs.accuracy == evaluate(model, on: set).accuracy)
        #expect(abs(asIs.loss - evaluate(model, on: set).loss) < 1e-5)
        let shifts = [FixedTransform(), FixedTransform(dx: 1), FixedTransform(dx: -1)]
        let averaged = evaluate(model, on: set, averagingOver: shifts)
        let logits = shifts.map { $0.apply(to: set.image(0)).pixels.map { 10 * Double($0) } }
        let probabilities = logits.map { z in z.map { Foundation.exp($0) / z.reduce(0) { $0 + Foundation.exp($1) } } }
        let mean = (0..<3).map { c in probabilities.reduce(0) { $0 + $1[c] } / 3 }
        #expect(mean[2] > mean[1] && mean[2] > mean[0])
        let meanLogits = (0..<3).map { c in logits.reduce(0) { $0 + $1[c] } / 3 }
        #expect(meanLogits[1] > meanLogits[2])
        #expect(averaged.accuracy == 1)
        #expect(abs(Double(averaged.loss) + Foundation.log(mean[2])) < 1e-5)
    }
}
