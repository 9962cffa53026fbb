// `--use-exercises`: train a lesson with the learner's own code wherever their exercise passes.
import Engine
import Foundation
import Grading

extension Flag {
    /// The switch lessons 01, 04 and 05 add to their command line.
    public static let useExercises = Flag("--use-exercises", .toggle,
        help: "train with your own code from Exercises/ wherever that exercise passes its check")
}

/// Decides, piece by piece, whether a lesson runs the learner's code or the engine's.
///
/// With `--use-exercises`, each exercise the lesson could use is graded first, each in a child
/// process (a crash in it cannot take the lesson down); those that pass replace the engine's
/// layer or loss, the others are reported and left to the engine. Without the flag it changes
/// nothing.
///
///     let yours = LearnerCode(options, pieces: ["linear", "softmaxCrossEntropy"])
///     let model = yours.adopt(Linear(inputs: 784, outputs: 10))        // lesson 01
///     let model = Models.tutorialCNN(seed: options.seed, layers: yours.layers)   // lessons 04, 05
///     let (loss, dLogits) = yours.softmaxCrossEntropy(logits: logits, labels: labels)
public final class LearnerCode {
    /// Every piece of lessons 04 and 05's networks that an exercise covers.
    public static let convolutionalPieces = ["convolution", "relu", "maxPooling", "linear", "dropout", "softmaxCrossEntropy"]

    /// The exercises (by id, as in `swift run progress`) whose code this lesson runs.
    public let used: Set<String>
    let code = Implementations.learner

    /// Grades `pieces` (exercise ids) when `--use-exercises` is set and says which code will run.
    public init(_ options: LessonOptions, pieces: [String]) {
        // A copy of this program started only to grade one exercise does that and exits here.
        Isolation.serveRequest(with: .learner)
        guard options.isSet(Flag.useExercises.name) else {
            used = []
            return
        }
        var used = Set<String>()
        print("--use-exercises: grading your code for \(pieces.joined(separator: ", ")) first")
        for id in pieces {
            let exercise = Catalog.exercise(id)
            let verdict = Isolation.gradeInChildProcess(id)
            switch verdict.status {
            case .passed:
                used.insert(id)
                print("  \(exercise.title): yours (\(exercise.exercisePath) passes its check)")
            case .notStarted:
                print("  \(exercise.title): the engine's (yours is not started)")
            case .failed:
                print("  \(exercise.title): the engine's (yours fails its check: \(verdict.summary); "
                      + "details: \(exercise.command))")
            }
        }
        self.used = used
        if !used.isEmpty && used != ["softmaxCrossEntropy"] {
            print("  Training steps run your layers; evaluation passes run the engine's on the same weights.")
        }
        if used.contains("convolution") {
            print("  Plain loops are far slower than the engine's kernels: try --steps 30 --batch-size 20.")
        }
    }

    /// The layers models are built from (`Models.tutorialCNN(seed:layers:)`): the learner's where
    /// their exercise passes, the engine's elsewhere.
    public var layers: LayerSet {
        var set = LayerSet.engine
        let code = self.code
        if used.contains("linear") { set.linear = { LearnerLinear(weight: $0, bias: $1, code: code) } }
        if used.contains("relu") { set.relu = { LearnerReLU(code: code) } }
        if used.contains("convolution") {
            set.convolution = { LearnerConv2D(weight: $0, bias: $1, stride: $2, padding: $3, code: code) }
        }
        if used.contains("maxPooling") { set.maxPool = { LearnerMaxPool2D(size: $0, stride: $1, code: code) } }
        if used.contains("dropout") { set.dropout = { LearnerDropout(keepProbability: $0, seed: $1, code: code) } }
        return set
    }

    /// `layer` itself, or, when it is a `Linear` and the learner's linear layer passes, the
    /// learner's layer sharing its parameters (lesson 01 builds its one layer directly).
    public func adopt(_ layer: any Layer) -> any Layer {
        guard let linear = layer as? Linear, used.contains("linear") else { return layer }
        return LearnerLinear(replacing: linear, code: code)
    }

    /// Softmax cross-entropy: the learner's `softmaxCrossEntropyLoss` if it passes, else the engine's.
    public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        used.contains("softmaxCrossEntropy")
            ? code.softmaxCrossEntropy(logits, labels)
            : Engine.softmaxCrossEntropy(logits: logits, labels: labels)
    }
}
