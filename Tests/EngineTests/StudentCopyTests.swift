import Foundation
import Testing

/// `swift run student-copy DIR`: what a class receives. (That the copy builds and grades is CI's
/// check, on a temporary copy; this one is about what is in it, and what is not.)
@Suite("Student copy")
struct StudentCopyTests {
    @Test func leavesOutTheAnswersAndKeepsTheCourse() throws {
        let folder = try TestData.makeTemporaryDirectory("student-copy")
        defer { TestData.remove(folder) }
        let copy = (folder as NSString).appendingPathComponent("class")
        let result = try runProduct("student-copy", [copy])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("(no Solutions/, no Tests/GradingTests, no book/instructors.md)"))
        let manager = FileManager.default
        for answers in ["Solutions", "Tests/GradingTests", "book/instructors.md", ".build", ".git"] {
            #expect(!manager.fileExists(atPath: (copy as NSString).appendingPathComponent(answers)), "the copy holds \(answers)")
        }
        for kept in ["Package.swift", "Exercises/01-Linear.swift", "Tests/ExercisesTests/Grade.swift", "Sources/progress/main.swift",
                     "book/README.md", "book/01-linear-softmax.md", "Lessons/lesson01-linear-softmax/main.swift"] {
            #expect(manager.fileExists(atPath: (copy as NSString).appendingPathComponent(kept)), "the copy lacks \(kept)")
        }
        // Every chapter's questions travel with it; their answers do not.
        let chapter = try String(contentsOfFile: (copy as NSString).appendingPathComponent("book/01-linear-softmax.md"), encoding: .utf8)
        #expect(chapter.contains("## Questions"))
    }

    @Test func refusesAFolderThatIsNotEmpty() throws {
        let folder = try TestData.makeTemporaryDirectory("student-copy")
        defer { TestData.remove(folder) }
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("notes.txt")))
        let result = try runProduct("student-copy", [folder])
        #expect(result.status == 2)
        #expect(result.standardError.contains("is not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.txt"])
    }
}
