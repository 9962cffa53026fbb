import Engine

/// One exercise: where it lives, what it asks for, and the check that grades it.
public struct Exercise: Sendable, Identifiable {
    /// The name of its test in ExercisesTests, e.g. "linear".
    public let id: String
    public let chapter: Int
    public let title: String
    /// The file name, the same in Exercises/ and Solutions/.
    public let file: String
    /// The functions the learner writes.
    public let functions: [String]
    let check: @Sendable (Implementations, inout RandomSource) throws(GradingFailure) -> Void

    public var exercisePath: String { "Exercises/\(file)" }
    public var solutionPath: String { "Solutions/\(file)" }
    /// The command that grades this exercise alone.
    public var command: String { "swift test --filter ExercisesTests.\(Catalog.suiteName(chapter))/\(id)" }
}

/// Every exercise of the course, in chapter order.
public enum Catalog {
    public static let chapterTitles: [Int: String] = [
        1: "a linear classifier", 3: "optimizers", 4: "convolutional networks", 5: "dropout",
        6: "initialization", 7: "residual blocks and normalization", 8: "augmentation",
    ]

    /// The Swift Testing suite that grades a chapter's exercises, e.g. "Chapter04".
    public static func suiteName(_ chapter: Int) -> String { chapter < 10 ? "Chapter0\(chapter)" : "Chapter\(chapter)" }

    public static let all: [Exercise] = [
        Exercise(id: "numericalGradient", chapter: 1, title: "numerical gradient (centered differences)",
                 file: "01-NumericalGradient.swift", functions: ["numericalGradient"], check: Chapter01Checks.numericalGradient),
        Exercise(id: "softmaxCrossEntropy", chapter: 1, title: "softmax cross-entropy: loss and gradient",
                 file: "01-SoftmaxCrossEntropy.swift", functions: ["softmaxCrossEntropyLoss"], check: Chapter01Checks.softmaxCrossEntropy),
        Exercise(id: "linear", chapter: 1, title: "linear layer: forward, dx, dW, db",
                 file: "01-Linear.swift", functions: ["linearForward", "linearBackward"], check: Chapter01Checks.linear),
        Exercise(id: "sgd", chapter: 3, title: "SGD update", file: "03-Optimizers.swift",
                 functions: ["sgdStep"], check: Chapter03Checks.sgd),
        Exercise(id: "momentum", chapter: 3, title: "SGD with momentum update", file: "03-Optimizers.swift",
                 functions: ["momentumStep"], check: Chapter03Checks.momentum),
        Exercise(id: "adam", chapter: 3, title: "Adam update", file: "03-Optimizers.swift",
                 functions: ["adamStep"], check: Chapter03Checks.adam),
        Exercise(id: "relu", chapter: 4, title: "ReLU forward and backward", file: "04-Activations.swift",
                 functions: ["reluForward", "reluBackward"], check: Chapter04ActivationChecks.relu),
        Exercise(id: "sigmoid", chapter: 4, title: "sigmoid forward and backward", file: "04-Activations.swift",
                 functions: ["sigmoidForward", "sigmoidBackward"], check: Chapter04ActivationChecks.sigmoid),
        Exercise(id: "tanh", chapter: 4, title: "tanh forward and backward", file: "04-Activations.swift",
                 functions: ["tanhForward", "tanhBackward"], check: Chapter04ActivationChecks.tanh),
        Exercise(id: "leakyReLU", chapter: 4, title: "leaky ReLU forward and backward", file: "04-Activations.swift",
                 functions: ["leakyReLUForward", "leakyReLUBackward"], check: Chapter04ActivationChecks.leakyReLU),
        Exercise(id: "gelu", chapter: 4, title: "GELU forward and backward", file: "04-Activations.swift",
                 functions: ["geluForward", "geluBackward"], check: Chapter04ActivationChecks.gelu),
        Exercise(id: "convolution", chapter: 4, title: "2-D convolution with stride and padding: forward, dx, dw, db",
                 file: "04-Convolution.swift", functions: ["conv2dForward", "conv2dBackward"],
                 check: Chapter04ConvolutionChecks.convolution),
        Exercise(id: "maxPooling", chapter: 4, title: "max-pooling forward and backward", file: "04-MaxPooling.swift",
                 functions: ["maxPoolForward", "maxPoolBackward"], check: Chapter04ConvolutionChecks.maxPooling),
        Exercise(id: "dropout", chapter: 5, title: "inverted dropout forward and backward", file: "05-Dropout.swift",
                 functions: ["dropoutForward", "dropoutBackward"], check: Chapter05Checks.dropout),
        Exercise(id: "kaiming", chapter: 6, title: "Kaiming (He) normal initialization", file: "06-KaimingInitialization.swift",
                 functions: ["kaimingNormal"], check: Chapter06Checks.kaiming),
        Exercise(id: "batchNorm", chapter: 7, title: "batch normalization forward and backward", file: "07-Normalization.swift",
                 functions: ["batchNormForward", "batchNormBackward"], check: Chapter07Checks.batchNorm),
        Exercise(id: "layerNorm", chapter: 7, title: "layer normalization forward and backward", file: "07-Normalization.swift",
                 functions: ["layerNormForward", "layerNormBackward"], check: Chapter07Checks.layerNorm),
        Exercise(id: "batchNormEvaluation", chapter: 7, title: "batch normalization in evaluation mode, running averages",
                 file: "07-Normalization.swift", functions: ["batchNormEvaluationForward", "batchNormUpdateRunningStatistics"],
                 check: Chapter07Checks.batchNormEvaluation),
        Exercise(id: "residualBlock", chapter: 7, title: "residual block forward and backward (identity and projection)",
                 file: "07-ResidualBlocks.swift", functions: ["residualBlockForward", "residualBlockBackward"],
                 check: Chapter07ResidualChecks.residualBlock),
        Exercise(id: "globalAveragePool", chapter: 7, title: "global average pooling forward and backward",
                 file: "07-ResidualBlocks.swift", functions: ["globalAveragePoolForward", "globalAveragePoolBackward"],
                 check: Chapter07ResidualChecks.globalAveragePool),
        Exercise(id: "shift", chapter: 8, title: "random shift by pad-and-crop, at a given offset", file: "08-Augmentation.swift",
                 functions: ["shift"], check: Chapter08Checks.shift),
        Exercise(id: "horizontalFlip", chapter: 8, title: "horizontal flip", file: "08-Augmentation.swift",
                 functions: ["horizontalFlip"], check: Chapter08Checks.horizontalFlip),
        Exercise(id: "testTimeAugmentation", chapter: 8, title: "test-time augmentation: averaged probabilities",
                 file: "08-Augmentation.swift", functions: ["testTimeAugmentation"], check: Chapter08Checks.testTimeAugmentation),
    ]

    /// The exercise with this id; stops with a message listing the known ones otherwise.
    public static func exercise(_ id: String) -> Exercise {
        guard let found = all.first(where: { $0.id == id }) else {
            fatalError("no exercise named \(id); the exercises are: \(all.map(\.id).joined(separator: ", "))")
        }
        return found
    }
}
