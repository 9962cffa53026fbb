import Foundation
import Testing
@testable import Engine

@Suite("ReLU, dropout, reshape")
struct ActivationLayerTests {
    @Test func reluForwardAndNumericalGradient() {
        var rng = RandomSource(seed: 21)
        // Values kept away from 0, where ReLU has a kink, so a centered difference of ±0.01 is exact.
        var x = Tensor(uniform: [3, 37], low: -1, high: 1, rng: &rng)
        for i in 0..<x.count where abs(x.scalars[i]) < 0.05 { x.scalars[i] = 0.5 }
        let relu = ReLU()
        let y = relu.forward(x, mode: .training)
        #expect(y.scalars == x.scalars.map { max($0, 0) })
        let dy = Tensor(uniform: y.shape, low: -1, high: 1, rng: &rng)
        let dx = relu.backward(dy)
        let numeric = numericalGradient(of: { weightedSum(relu.forward($0, mode: .evaluation), dy) }, at: x)
        #expect(maxRelativeError(dx, numeric) < 1e-3)
    }

    @Test func reluOnALargeTensorUsesEveryLaneAndTheTail() {
        // 400,003 values: split across threads, with a scalar tail.
        var rng = RandomSource(seed: 22)
        let x = Tensor(uniform: [400_003], low: -1, high: 1, rng: &rng)
        let relu = ReLU()
        let y = relu.forward(x, mode: .training)
        #expect(y.scalars == x.scalars.map { max($0, 0) })
        let dy = Tensor(uniform: [400_003], low: -1, high: 1, rng: &rng)
        let dx = relu.backward(dy)
        #expect(dx.scalars == zip(x.scalars, dy.scalars).map { $0 > 0 ? $1 : 0 })
    }

    @Test func dropoutKeepsTheExpectation() {
        // The mean over many masks of dropout(x) is x: inverted dropout scales the kept values by 1/p.
        let keep: Float = 0.5
        let dropout = Dropout(keepProbability: keep, seed: 1)
        let x = Tensor(repeating: 3, shape: [1, 1000])
        var total = [Double](repeating: 0, count: 1000)
        var zeros = 0
        let draws = 400
        for _ in 0..<draws {
            let y = dropout.forward(x, mode: .training)
            for i in 0..<1000 {
                total[i] += Double(y.scalars[i])
                if y.scalars[i] == 0 { zeros += 1 } else { #expect(y.scalars[i] == 6) }
            }
        }
        let means = total.map { $0 / Double(draws) }
        let overall = means.reduce(0, +) / 1000
        #expect(abs(overall - 3) < 0.03)                       // 400,000 draws: std of the mean ≈ 0.005
        #expect(means.allSatisfy { abs($0 - 3) < 0.6 })          // each element: std ≈ 0.15
        #expect(abs(Double(zeros) / Double(draws * 1000) - 0.5) < 0.01)
    }

    @Test func dropoutBackwardUsesTheSameMask() {
        let dropout = Dropout(keepProbability: 0.8, seed: 2)
        var rng = RandomSource(seed: 3)
        let x = Tensor(uniform: [4, 50], low: 0.5, high: 1, rng: &rng)
        let y = dropout.forward(x, mode: .training)
        let dy = Tensor(uniform: [4, 50], low: -1, high: 1, rng: &rng)
        let dx = dropout.backward(dy)
        for i in 0..<x.count {
            let mask = y.scalars[i] / x.scalars[i]       // 0 or 1/0.8
            #expect(mask == 0 || abs(mask - 1.25) < 1e-5)
            #expect(abs(dx.scalars[i] - dy.scalars[i] * mask) < 1e-5)
        }
        let numeric = numericalGradient(of: { probe in
            weightedSum(dropout.forward(probe, mask: Tensor(shape: y.shape, scalars: zip(y.scalars, x.scalars).map { $0 / $1 })), dy)
        }, at: x)
        #expect(maxRelativeError(dx, numeric) < 1e-3)
    }

    @Test func dropoutIsTheIdentityInEvaluationModeAndAtKeepOne() {
        var rng = RandomSource(seed: 4)
        let x = Tensor(uniform: [2, 30], low: -1, high: 1, rng: &rng)
        #expect(Dropout(keepProbability: 0.5, seed: 1).forward(x, mode: .evaluation) == x)
        let off = Dropout(keepProbability: 1, seed: 1)
        #expect(off.forward(x, mode: .training) == x)
        #expect(off.backward(x) == x)
    }

    @Test func dropoutDependsOnItsSeed() {
        let x = Tensor(repeating: 1, shape: [1, 200])
        let a = Dropout(keepProbability: 0.5, seed: 1).forward(x, mode: .training)
        let b = Dropout(keepProbability: 0.5, seed: 1).forward(x, mode: .training)
        let c = Dropout(keepProbability: 0.5, seed: 2).forward(x, mode: .training)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func reshapeAndFlattenRoundTrip() {
        var rng = RandomSource(seed: 5)
        let x = Tensor(uniform: [3, 784], low: 0, high: 1, rng: &rng)
        let reshape = Reshape(to: [1, 28, 28]), flatten = Flatten()
        let images = reshape.forward(x, mode: .training)
        #expect(images.shape == [3, 1, 28, 28])
        let flat = flatten.forward(images, mode: .training)
        #expect(flat.shape == [3, 784])
        #expect(flat.scalars == x.scalars)
        #expect(reshape.backward(flatten.backward(flat)).shape == [3, 784])
    }
}

@Suite("Initializers and schedules")
struct InitializerTests {
    static func std(_ t: Tensor) -> Float { t.meanAndStandardDeviation().std }

    @Test func scalesFollowFanInAndFanOut() {
        var rng = RandomSource(seed: 7)
        let shape = [400, 300]
        let kaiming = Initializer.kaimingNormal.tensor(shape, fanIn: 400, fanOut: 300, rng: &rng)
        #expect(abs(Self.std(kaiming) - (2.0 / 400).squareRoot()) < 0.002)
        let kaimingUniform = Initializer.kaimingUniform.tensor(shape, fanIn: 400, fanOut: 300, rng: &rng)
        #expect(abs(Self.std(kaimingUniform) - (2.0 / 400).squareRoot()) < 0.002)
        let xavier = Initializer.xavierUniform.tensor(shape, fanIn: 400, fanOut: 300, rng: &rng)
        #expect(abs(Self.std(xavier) - (2.0 / 700).squareRoot()) < 0.002)
        #expect(xavier.scalars.allSatisfy { abs($0) <= (6.0 / 700).squareRoot() })
        let xavierNormal = Initializer.xavierNormal.tensor(shape, fanIn: 400, fanOut: 300, rng: &rng)
        #expect(abs(Self.std(xavierNormal) - (2.0 / 700).squareRoot()) < 0.002)
    }

    @Test func truncatedNormalStaysWithinTwoStandardDeviations() {
        var rng = RandomSource(seed: 8)
        let t = Initializer.truncatedNormal(standardDeviation: 0.1).tensor([5000], fanIn: 1, fanOut: 1, rng: &rng)
        #expect(t.scalars.allSatisfy { abs($0) <= 0.2 })
        // A normal truncated at ±2σ has standard deviation 0.88σ.
        #expect(abs(Self.std(t) - 0.088) < 0.004)
        #expect(Initializer.constant(0.1).tensor([3], fanIn: 1, fanOut: 1, rng: &rng).scalars == [0.1, 0.1, 0.1])
    }

    @Test func stepScheduleHalvesEveryFiveEpochs() {
        let schedule = StepSchedule(initial: 1e-3, every: 5, factor: 0.5)
        #expect((0..<5).allSatisfy { schedule.learningRate(epoch: $0) == 1e-3 })
        #expect((5..<10).allSatisfy { schedule.learningRate(epoch: $0) == 5e-4 })
        #expect(schedule.learningRate(epoch: 10) == 2.5e-4)
    }
}

@Suite("CNN models")
struct ModelTests {
    @Test func tutorialCNNShapesAndParameterCount() {
        let model = Models.tutorialCNN(seed: 1)
        var shape = [100, 784]
        var shapes: [[Int]] = []
        for layer in model.layers {
            shape = layer.outputShape(for: shape)
            shapes.append(shape)
        }
        #expect(shapes == [[100, 1, 28, 28], [100, 32, 28, 28], [100, 32, 28, 28], [100, 32, 14, 14],
                           [100, 64, 14, 14], [100, 64, 14, 14], [100, 64, 7, 7], [100, 3136],
                           [100, 1024], [100, 1024], [100, 10]])
        // 5·5·1·32 + 32, 5·5·32·64 + 64, 3136·1024 + 1024, 1024·10 + 10
        #expect(model.layers.map(\.parameterCount) == [0, 832, 0, 0, 51_264, 0, 0, 0, 3_212_288, 0, 10_250])
        #expect(model.parameterCount == 3_274_634)
        // Lesson 05 adds dropout and no parameters.
        let withDropout = Models.tutorialCNN(keepProbability: 0.5, seed: 1)
        #expect(withDropout.layers.count == 12)
        #expect(withDropout.layers[10] is Dropout)
        #expect(withDropout.parameterCount == 3_274_634)
    }

    @Test func tutorialCNNInitialization() {
        let model = Models.tutorialCNN(seed: 1)
        for p in model.parameters where p.name == "bias" { #expect(p.value.scalars.allSatisfy { $0 == 0.1 }) }
        for p in model.parameters where p.name == "weight" {
            #expect(p.value.scalars.allSatisfy { abs($0) <= 0.2 })
        }
        #expect(Models.tutorialCNN(seed: 1).parameters[0].value == model.parameters[0].value)
        #expect(Models.tutorialCNN(seed: 2).parameters[0].value != model.parameters[0].value)
    }

    @Test func simpleCNNShapesAndParameterCount() {
        let model = Models.simpleCNN(seed: 1)
        #expect(model.outputShape(for: [64, 784]) == [64, 10])
        // 3·3·1·32 + 32, 3·3·32·64 + 64, 3136·128 + 128, 128·10 + 10
        #expect(model.layers.map(\.parameterCount).filter { $0 > 0 } == [320, 18_496, 401_536, 1_290])
        #expect(model.parameterCount == 421_642)
        #expect(model.layers.contains { ($0 as? Dropout)?.keepProbability == 0.5 })
    }

    @Test func summaryTableShowsTheChaptersArithmetic() {
        let table = Models.tutorialCNN(seed: 1).summary(inputShape: [784])
        let lines = table.split(separator: "\n").map(String.init)
        func row(_ prefix: String) -> String? { lines.first { $0.hasPrefix(prefix) } }
        #expect(row("conv 5×5 1→32")?.contains("28×28×32") == true)
        #expect(row("conv 5×5 1→32")?.hasSuffix("832") == true)
        #expect(row("conv 5×5 32→64")?.hasSuffix("51,264") == true)
        #expect(lines.filter { $0.hasPrefix("maxpool") }.map { $0.contains("14×14×32") || $0.contains("7×7×64") } == [true, true])
        #expect(row("flatten")?.contains("3136") == true)
        #expect(row("linear 3136→1024")?.hasSuffix("3,212,288") == true)
        #expect(row("total")?.hasSuffix("3,274,634") == true)
        #expect(row("reshape to 1×28×28")?.contains("28×28×1") == true)
    }

    @Test func forwardAndBackwardRunOnABatchOfOne() {
        for model in [Models.tutorialCNN(keepProbability: 0.5, seed: 3), Models.simpleCNN(seed: 3)] {
            var rng = RandomSource(seed: 9)
            let x = Tensor(uniform: [1, 784], low: 0, high: 1, rng: &rng)
            let logits = model.forward(x, mode: .training)
            #expect(logits.shape == [1, 10])
            let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: [7])
            #expect(loss.isFinite)
            model.zeroGradients()
            #expect(model.backward(dLogits).shape == [1, 784])
            #expect(model.parameters.allSatisfy { $0.gradient.isFinite })
        }
    }
}

/// Bad shapes stop with a message that names the layer and the shapes (run in a child process).
@Suite("Layer shape errors")
struct ShapeErrorTests {
    @Test func convolutionNamesItselfAndTheShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomSource(seed: 1)
            let conv = Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 5, padding: .same, rng: &rng)
            _ = conv.forward(Tensor(zeros: [2, 16, 14, 14]), mode: .training)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv 5×5 32→64 pad 2: expected input (N, 32, H, W), got [2, 16, 14, 14]"), "\(message)")
    }

    @Test func kernelLargerThanThePaddedInput() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomSource(seed: 1)
            let conv = Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 5, rng: &rng)
            _ = conv.forward(Tensor(zeros: [1, 1, 3, 3]), mode: .evaluation)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv 5×5 1→2: the 5×5 kernel does not fit in the 3×3 input"), "\(message)")
    }

    @Test func poolingAndReshape() async {
        let pool = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = MaxPool2D().forward(Tensor(zeros: [4, 784]), mode: .training)
        }
        let poolMessage = String(decoding: pool?.standardErrorContent ?? [], as: UTF8.self)
        #expect(poolMessage.contains("maxpool 2×2: expected input (N, C, H, W) with H and W at least 2, got [4, 784]"))
        let reshape = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Reshape(to: [1, 28, 28]).forward(Tensor(zeros: [4, 780]), mode: .training)
        }
        let reshapeMessage = String(decoding: reshape?.standardErrorContent ?? [], as: UTF8.self)
        #expect(reshapeMessage.contains("reshape to 1×28×28: expected input (N, …) with 784 values per example, got [4, 780]"))
    }
}
