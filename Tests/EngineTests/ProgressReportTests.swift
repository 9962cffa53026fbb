import Foundation
import Testing

/// `swift run progress --json` for autograders: its field names are stable and its counts add up.
/// (Whatever the learner has written so far: the statuses are not assumed.)
@Suite("Progress report")
struct ProgressReportTests {
    struct Report: Decodable {
        struct Row: Decodable {
            let id: String, chapter: Int, title: String, file: String, functions: [String]
            let status: String, summary: String, command: String, solution: String
        }
        let done: Int, failing: Int, notStarted: Int, total: Int
        let exercises: [Row]
    }

    @Test func oneChapterAsJSON() throws {
        let result = try runProduct("progress", ["--chapter", "8", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.standardOutput.utf8))
        #expect(report.exercises.map(\.id) == ["shift", "horizontalFlip", "testTimeAugmentation"])
        #expect(report.exercises.allSatisfy { $0.chapter == 8 && $0.file == "Exercises/08-Augmentation.swift" })
        #expect(report.exercises.allSatisfy { ["done", "failing", "not started"].contains($0.status) })
        #expect(report.done + report.failing + report.notStarted == report.total && report.total == 3)
        #expect(report.exercises[0].command == "swift test --filter ExercisesTests.Chapter08/shift")
    }

    @Test func unknownChapterIsAUsageError() throws {
        let result = try runProduct("progress", ["--chapter", "2"])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("progress: --chapter expects one of 1, 3, 4, 5, 6, 7, 8; got '2'"))
    }
}
