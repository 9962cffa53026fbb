// swift run progress: every exercise, chapter by chapter, as done, failing or not started.
//
// Each exercise is graded in its own child process (this program started again with
// DLFS_GRADE_EXERCISE set), so a crash in one is reported as that exercise failing.
import Dispatch
import Foundation
import Grading
import LearnerLayers

Isolation.serveRequest(with: .learner)

let usage = """
    usage: swift run progress [--chapter N] [--json | --markdown]
    Grades every exercise in Exercises/ and lists it as done, failing (with the reason) or not
    started, chapter by chapter. `swift test --filter Exercises` gives the full diagnostics.
      --chapter N   only chapter N's exercises (a week's assignment)
      --json        one JSON object for scripts and autograders: {"done", "failing", "notStarted",
                    "total", "exercises": [{"id", "chapter", "title", "file", "functions", "status"
                    ("done" | "failing" | "not started"), "summary", "command", "solution"}]}
      --markdown    the same as a compact Markdown table
    """
var arguments = Array(CommandLine.arguments.dropFirst())
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("progress: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}
if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(usage)
    exit(0)
}
var chapterFilter: Int?
var format = "text"
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--chapter":
        let chapters = Set(Catalog.all.map(\.chapter)).sorted()
        guard let text = arguments.first, let n = Int(text), chapters.contains(n) else {
            fail("--chapter expects one of \(chapters.map(String.init).joined(separator: ", ")); got '\(arguments.first ?? "")'")
        }
        arguments.removeFirst()
        chapterFilter = n
    case "--json": format = "json"
    case "--markdown": format = "markdown"
    default: fail("unknown option '\(argument)'")
    }
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

let exercises = Catalog.all.filter { chapterFilter == nil || $0.chapter == chapterFilter }
let verdicts = Verdicts(count: exercises.count)
DispatchQueue.concurrentPerform(iterations: exercises.count) { i in   // two at a time on two cores
    verdicts[i] = Isolation.gradeInChildProcess(exercises[i].id)
}

/// The machine-readable report (`--json`, `--markdown`): field names are stable.
struct ExerciseReport: Codable {
    let id: String, chapter: Int, title: String, file: String, functions: [String]
    let status: String, summary: String, command: String, solution: String
}
struct Report: Codable {
    let done: Int, failing: Int, notStarted: Int, total: Int
    let exercises: [ExerciseReport]
}
func statusName(_ status: Verdict.Status) -> String {
    switch status {
    case .passed: "done"
    case .failed: "failing"
    case .notStarted: "not started"
    }
}
let rows = exercises.enumerated().map { i, exercise in
    ExerciseReport(id: exercise.id, chapter: exercise.chapter, title: exercise.title, file: exercise.exercisePath,
                   functions: exercise.functions, status: statusName(verdicts[i].status),
                   summary: verdicts[i].summary.split(separator: "\n").first.map(String.init) ?? "",
                   command: exercise.command, solution: exercise.solutionPath)
}
let report = Report(done: rows.filter { $0.status == "done" }.count, failing: rows.filter { $0.status == "failing" }.count,
                    notStarted: rows.filter { $0.status == "not started" }.count, total: rows.count, exercises: rows)
if format == "json" {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try! encoder.encode(report), as: UTF8.self))
    exit(0)
}
if format == "markdown" {
    print("| chapter | exercise | status | check |\n| --- | --- | --- | --- |")
    for row in rows {
        let status = row.status == "failing" ? "failing: \(row.summary.replacingOccurrences(of: "|", with: "\\|"))" : row.status
        print("| \(row.chapter) | \(row.title) | \(status) | `\(row.command)` |")
    }
    print("\n\(report.done) of \(report.total) done, \(report.failing) failing, \(report.notStarted) not started.")
    exit(0)
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
