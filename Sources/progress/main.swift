// swift run progress: every exercise, chapter by chapter, as done, failing or not started.
//
// Each exercise is graded in its own child process (this program started again with
// DLFS_GRADE_EXERCISE set), so a crash in one is reported as that exercise failing.
import Dispatch
import Foundation
import Grading
import LearnerLayers

Isolation.serveRequest(with: .learner)

if CommandLine.arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print("""
        usage: swift run progress
        Grades every exercise in Exercises/ and lists it as done, failing (with the reason) or not
        started, chapter by chapter. `swift test --filter Exercises` gives the full diagnostics.
        """)
    exit(0)
}

/// Verdicts filled in by concurrent graders, one slot per exercise.
final class Verdicts: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Verdict?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    subscript(i: Int) -> Verdict {
        get { lock.withLock { slots[i]! } }
        set { lock.withLock { slots[i] = newValue } }
    }
}

let exercises = Catalog.all
let verdicts = Verdicts(count: exercises.count)
DispatchQueue.concurrentPerform(iterations: exercises.count) { i in   // two at a time on two cores
    verdicts[i] = Isolation.gradeInChildProcess(exercises[i].id)
}

let width = exercises.map(\.title.count).max() ?? 0
func padded(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

var done = 0, failing = 0
print("Exercises: your progress\n")
for chapter in Set(exercises.map(\.chapter)).sorted() {
    print("Chapter \(chapter < 10 ? "0" : "")\(chapter) · \(Catalog.chapterTitles[chapter] ?? "")")
    for (i, exercise) in exercises.enumerated() where exercise.chapter == chapter {
        let verdict = verdicts[i]
        switch verdict.status {
        case .passed:
            done += 1
            print("  ✓ \(padded(exercise.title))  done")
        case .failed:
            failing += 1
            print("  ✗ \(padded(exercise.title))  failing: \(verdict.summary)")
        case .notStarted:
            let partly = verdict.summary.contains("already right") ? " (\(verdict.summary))" : ""
            print("  · \(padded(exercise.title))  not started\(partly)")
        }
        if verdict.status != .passed {
            print("      write:    \(exercise.exercisePath) (\(exercise.functions.joined(separator: ", ")))")
            print("      check:    \(exercise.command)")
            print("      solution: \(exercise.solutionPath)")
        }
    }
    print("")
}
let total = exercises.count
let percent = Int((Double(done) / Double(total) * 100).rounded())
print("Overall: \(done) of \(total) done (\(percent)%), \(failing) failing, \(total - done - failing) not started.")
if failing > 0 {
    print("For a failing exercise's full diagnostic (which output, where, yours vs numerical), run its check command.")
}
