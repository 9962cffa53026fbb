import Engine

/// The outcome of grading one exercise.
public struct Verdict: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case passed
        case failed
        case notStarted
    }
    public var status: Status
    /// One line: what is wrong (failed), which function is unwritten (not started), or what passed.
    public var summary: String
    /// The full diagnostic a learner acts on (empty when passed).
    public var details: String
    /// For a wrong answer, the first output that was wrong ("out (forward)", "dx (∂loss/∂x)"); for a
    /// crash, the learner's function it happened in. The failure then points at that function.
    public var failedOutput: String?

    public init(status: Status, summary: String, details: String = "", failedOutput: String? = nil) {
        self.status = status
        self.summary = summary
        self.details = details
        self.failedOutput = failedOutput
    }

    /// The grader's own line for `exercise`, in the words `swift run progress` uses, e.g.
    /// `not started: linear layer: forward, dx, dW, db (Exercises/01-Linear.swift): linearForward still calls notStarted()`.
    /// `swift test --filter Exercises` prints it for an exercise not yet started: Swift Testing itself
    /// can only label that test "cancelled" (or "skipped"), and the run still ends "passed".
    public func line(for exercise: Exercise) -> String {
        let word = switch status {
        case .passed: "done"
        case .failed: "failing"
        case .notStarted: "not started"
        }
        return "\(word): \(exercise.title) (\(exercise.exercisePath)): \(summary)"
    }

    /// Whether the mistake is in the exercise's first function (its forward pass, where it has one).
    public var isInFirstFunction: Bool {
        (failedOutput ?? summary).lowercased().contains("forward")
    }
}

public enum Grader {
    /// The seeds the learner's grading uses: each one a different random case (shapes, values,
    /// strides, hyperparameters). Fixed, so that a failure can be reproduced run after run.
    public static let defaultSeeds: [UInt64] = [1, 2, 3]

    /// Grades `exercise` with `code`, in this process, on one random case per seed; stops at the
    /// first wrong case. Unwritten functions (the learner's `notStarted()`) end the process, and a
    /// crash in the learner's code too: run this in a child process (see `Isolation`).
    public static func grade(_ exercise: Exercise, with code: Implementations,
                             seeds: [UInt64] = defaultSeeds) -> Verdict {
        for seed in seeds {
            var rng = RandomSource(seed: seed &* 0x9E37_79B9 &+ UInt64(exercise.id.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF))
            do {
                try exercise.check(code, &rng)
            } catch {
                return Verdict(status: .failed, summary: error.summary,
                               details: "\(exercise.exercisePath): \(error.details)\n  (random case number \(seed))",
                               failedOutput: error.failedOutput)
            }
        }
        return Verdict(status: .passed, summary: "passes on \(seeds.count) random cases")
    }
}
