// The learner's grading: `swift test --filter Exercises`.
//
// Each exercise is graded in its own child process (a Swift Testing exit test), so a crash in one
// (an index out of range, a fatalError) fails that exercise with its reason and the others are
// still graded. An exercise whose code still calls `notStarted()` is never a failure (a fresh clone
// passes): the grader prints its own line, "not started: …", and Swift Testing, which has no such
// status, labels the test cancelled.
import Foundation
import Grading
import LearnerLayers
import Testing

/// Grades exercise `id` from Exercises/ in a child process and reports the verdict on this test.
func grade(_ id: String) async throws {
    let exercise = Catalog.exercise(id)
    Isolation.enableBacktracesInChildren()   // a crash then names the line of Exercises/ it happened on
    // The child always ends with a non-zero status (finished, not started, or crashed), which is
    // what `.failure` matches; Swift Testing hands back its output only when the condition holds.
    let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent],
                               "the grading process ended with status 0: does your code call exit(0)?") { [id] in
        Isolation.gradeInChild(id, with: .learner)
    }
    guard let result else { return }
    let ending: Isolation.Ending = switch result.exitStatus {
    case .exitCode(let code): .exitCode(code)
    case .signal(let signal): .signal(signal)
    @unknown default: .exitCode(-1)
    }
    let verdict = Isolation.verdict(for: exercise, ending: ending, standardOutput: result.standardOutputContent,
                                    standardError: result.standardErrorContent)
    switch verdict.status {
    case .passed:
        return
    case .notStarted:
        print(verdict.line(for: exercise))
        fflush(nil)      // now, next to Swift Testing's own line for the test, not when the run ends
        try Test.cancel(Comment(rawValue: "not started: \(verdict.summary) in \(exercise.exercisePath)"))
    case .failed:
        // Recorded as an error whose text is the grader's one-line summary, so that the failure's
        // first line reads it (a plain comment would open with the toolchain's "Issue recorded").
        Issue.record(ExerciseFailure(description: verdict.summary), Comment(rawValue: verdict.details),
                     sourceLocation: sourceLocation(of: exercise, verdict: verdict))
    }
}

/// A failed exercise, as Swift Testing prints it: "Caught error: " and the grader's summary.
struct ExerciseFailure: Error, CustomStringConvertible {
    let description: String
}

/// Where the failing function is written, so editors jump to the learner's code.
func sourceLocation(of exercise: Exercise, verdict: Verdict) -> SourceLocation {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent(exercise.exercisePath).path
    let crashedIn = exercise.functions.first { verdict.failedOutput?.hasPrefix($0 + "(") == true }
    let function = crashedIn ?? (verdict.isInFirstFunction ? exercise.functions[0] : exercise.functions[exercise.functions.count - 1])
    let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").components(separatedBy: "\n")
    let line = (lines.firstIndex { $0.contains("func \(function)(") } ?? 0) + 1
    return SourceLocation(fileID: "Exercises/\(exercise.file)", filePath: path, line: line, column: 1)
}
