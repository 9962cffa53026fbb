// One test per exercise, grouped by chapter. Run one with the command `swift run progress` shows,
// e.g. `swift test --filter ExercisesTests.Chapter01/linear`.
import Testing

@Suite("Chapter 01 · a linear classifier")
struct Chapter01 {
    @Test("numerical gradient · Exercises/01-NumericalGradient.swift")
    func numericalGradient() async throws { try await grade("numericalGradient") }

    @Test("softmax cross-entropy · Exercises/01-SoftmaxCrossEntropy.swift")
    func softmaxCrossEntropy() async throws { try await grade("softmaxCrossEntropy") }

    @Test("linear layer · Exercises/01-Linear.swift")
    func linear() async throws { try await grade("linear") }
}

@Suite("Chapter 03 · optimizers")
struct Chapter03 {
    @Test("SGD · Exercises/03-Optimizers.swift")
    func sgd() async throws { try await grade("sgd") }

    @Test("momentum · Exercises/03-Optimizers.swift")
    func momentum() async throws { try await grade("momentum") }

    @Test("Adam · Exercises/03-Optimizers.swift")
    func adam() async throws { try await grade("adam") }
}

@Suite("Chapter 04 · convolutional networks")
struct Chapter04 {
    @Test("ReLU · Exercises/04-Activations.swift")
    func relu() async throws { try await grade("relu") }

    @Test("sigmoid · Exercises/04-Activations.swift")
    func sigmoid() async throws { try await grade("sigmoid") }

    @Test("tanh · Exercises/04-Activations.swift")
    func tanh() async throws { try await grade("tanh") }

    @Test("leaky ReLU · Exercises/04-Activations.swift")
    func leakyReLU() async throws { try await grade("leakyReLU") }

    @Test("GELU · Exercises/04-Activations.swift")
    func gelu() async throws { try await grade("gelu") }

    @Test("convolution · Exercises/04-Convolution.swift")
    func convolution() async throws { try await grade("convolution") }

    @Test("max-pooling · Exercises/04-MaxPooling.swift")
    func maxPooling() async throws { try await grade("maxPooling") }
}

@Suite("Chapter 05 · dropout")
struct Chapter05 {
    @Test("inverted dropout · Exercises/05-Dropout.swift")
    func dropout() async throws { try await grade("dropout") }
}

@Suite("Chapter 06 · initialization")
struct Chapter06 {
    @Test("Kaiming initialization · Exercises/06-KaimingInitialization.swift")
    func kaiming() async throws { try await grade("kaiming") }
}

@Suite("Chapter 07 · residual blocks and normalization")
struct Chapter07 {
    @Test("batch normalization · Exercises/07-Normalization.swift")
    func batchNorm() async throws { try await grade("batchNorm") }

    @Test("layer normalization · Exercises/07-Normalization.swift")
    func layerNorm() async throws { try await grade("layerNorm") }

    @Test("batch normalization, evaluation mode · Exercises/07-Normalization.swift")
    func batchNormEvaluation() async throws { try await grade("batchNormEvaluation") }

    @Test("residual block · Exercises/07-ResidualBlocks.swift")
    func residualBlock() async throws { try await grade("residualBlock") }

    @Test("global average pooling · Exercises/07-ResidualBlocks.swift")
    func globalAveragePool() async throws { try await grade("globalAveragePool") }
}

@Suite("Chapter 08 · augmentation")
struct Chapter08 {
    @Test("shift · Exercises/08-Augmentation.swift")
    func shift() async throws { try await grade("shift") }

    @Test("horizontal flip · Exercises/08-Augmentation.swift")
    func horizontalFlip() async throws { try await grade("horizontalFlip") }

    @Test("test-time augmentation · Exercises/08-Augmentation.swift")
    func testTimeAugmentation() async throws { try await grade("testTimeAugmentation") }
}
