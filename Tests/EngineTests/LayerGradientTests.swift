import Testing
@testable import Engine

@Suite("Linear and softmax cross-entropy gradients")
struct LayerGradientTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func softmaxCrossEntropyMatchesNumericalGradient(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        let n = 1 + rng.integer(below: 6), classes = 2 + rng.integer(below: 9)
        let logits = Tensor(normal: [n, classes], standardDeviation: 2, rng: &rng)
        let labels = (0..<n).map { _ in rng.integer(below: classes) }

        let (_, gradient) = softmaxCrossEntropy(logits: logits, labels: labels)
        let numeric = numericalGradient(of: { Double(softmaxCrossEntropy(logits: $0, labels: labels).loss) }, at: logits)
        #expect(maxRelativeError(gradient, numeric) < 1e-2)
    }

    @Test func softmaxCrossEntropyKnownValues() {
        // Equal logits: every class has probability 1/C, so the loss is ln C.
        let (loss, gradient) = softmaxCrossEntropy(logits: Tensor(zeros: [4, 10]), labels: [0, 3, 9, 9])
        #expect(abs(loss - 2.302585) < 1e-5)
        // gradient = (p − onehot) / N = (0.1 − 1) / 4 at the label, 0.1 / 4 elsewhere.
        #expect(abs(gradient[1, 3] - (-0.9 / 4)) < 1e-6)
        #expect(abs(gradient[1, 4] - 0.1 / 4) < 1e-6)
    }

    @Test func softmaxCrossEntropyIsStableForHugeLogits() {
        let logits = Tensor(shape: [2, 3], scalars: [1e4, -1e4, 0, -1e4, 1e4, 1e4])
        let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: [1, 0])
        #expect(loss.isFinite)
        #expect(gradient.isFinite)
        // Row 0 puts all its mass on class 0, label 1: loss 2e4. Row 1: label 0 has weight e^-2e4: loss 2e4 + ln 2.
        #expect(abs(loss - (2e4 + 2e4 + 0.6931472) / 2) < 1)
        #expect(abs(gradient[0, 0] - 0.5) < 1e-6 && abs(gradient[0, 1] + 0.5) < 1e-6)
    }

    @Test(arguments: [11, 12, 13])
    func linearMatchesNumericalGradients(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        let n = 1 + rng.integer(below: 5), inputs = 1 + rng.integer(below: 7), outputs = 1 + rng.integer(below: 6)
        let layer = Linear(weight: Tensor(normal: [inputs, outputs], rng: &rng),
                           bias: Tensor(normal: [outputs], rng: &rng))
        let x = Tensor(normal: [n, inputs], rng: &rng)
        let upstream = Tensor(normal: [n, outputs], rng: &rng)   // random, never all ones

        _ = layer.forward(x, mode: .training)
        layer.zeroGradients()
        let dx = layer.backward(upstream)

        let numericDx = numericalGradient(of: { weightedSum(layer.forward($0, mode: .evaluation), upstream) }, at: x)
        #expect(maxRelativeError(dx, numericDx) < 1e-2)

        let w = layer.weight.value
        let numericDW = numericalGradient(of: { w in
            layer.weight.value = w
            defer { layer.weight.value = w }
            return weightedSum(layer.forward(x, mode: .evaluation), upstream)
        }, at: w)
        layer.weight.value = w
        #expect(maxRelativeError(layer.weight.gradient, numericDW) < 1e-2)

        let b = layer.bias.value
        let numericDb = numericalGradient(of: { b in
            layer.bias.value = b
            return weightedSum(layer.forward(x, mode: .evaluation), upstream)
        }, at: b)
        layer.bias.value = b
        #expect(maxRelativeError(layer.bias.gradient, numericDb) < 1e-2)
    }

    @Test func backwardAccumulatesIntoGradients() {
        var rng = RandomSource(seed: 3)
        let layer = Linear(weight: Tensor(normal: [3, 2], rng: &rng), bias: Tensor(zeros: [2]))
        let x = Tensor(normal: [4, 3], rng: &rng)
        let upstream = Tensor(normal: [4, 2], rng: &rng)
        _ = layer.forward(x, mode: .training)
        layer.zeroGradients()
        _ = layer.backward(upstream)
        let once = layer.weight.gradient
        _ = layer.backward(upstream)
        for (twice, single) in zip(layer.weight.gradient.scalars, once.scalars) {
            #expect(abs(twice - 2 * single) < 1e-5)
        }
    }

    @Test func accuracyCountsArgmaxHits() {
        let logits = Tensor(shape: [4, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])
        #expect(accuracy(logits: logits, labels: [0, 1, 0, 0]) == 0.75)
    }
}
