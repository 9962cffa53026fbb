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
///     let model = yours.adopt(Linear(inputs: 784, outputs: 10))
///     let (loss, dLogits) = yours.softmaxCrossEntropy(logits: logits, labels: labels)
public final class LearnerCode {
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
        if used.contains("convolution") || used.contains("maxPooling") {
            print("  (your naive loops are far slower than the engine's kernels: try fewer --steps)")
        }
    }

    /// `model` with every layer the learner's passing code can replace replaced; the parameters
    /// stay the same objects. A `Sequential` is adopted layer by layer.
    public func adopt(_ model: any Layer) -> any Layer {
        switch model {
        case let sequential as Sequential:
            sequential.layers = sequential.layers.map(adopt)
            return sequential
        case let linear as Linear where used.contains("linear"):
            return LearnerLinear(replacing: linear, code: code)
        default:
            return adoptLayer(model)
        }
    }

    /// Softmax cross-entropy: the learner's `softmaxCrossEntropyLoss` if it passes, else the engine's.
    public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        used.contains("softmaxCrossEntropy")
            ? code.softmaxCrossEntropy(logits, labels)
            : Engine.softmaxCrossEntropy(logits: logits, labels: labels)
    }
}
