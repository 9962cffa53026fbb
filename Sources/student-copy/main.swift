// swift run student-copy DIR: a copy of the course to hand out, without the reference answers.
//
// DIR gets the package as it is (Package.swift, Sources, Tests, Lessons, Exercises, book, README,
// CI) minus Solutions/, the grading's own tests (Tests/GradingTests: its planted bugs are
// near-answers), the instructor guide (book/instructors.md: it answers the chapters' questions)
// and anything built or run (.build, .swiftpm, runs/, .git). Without
// Solutions/ the package builds without the reference answers and the grading's own tests, and
// `swift test` and `swift test --filter Exercises` work as in the full course. DIR must not exist
// yet, or be empty: nothing is ever overwritten.
import Foundation

let usage = """
    usage: swift run student-copy DIR
    Copies the course into DIR (new or empty) without Solutions/, for students.
    """
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") { print(usage); exit(0) }
func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("student-copy: \(message)\n".utf8))
    exit(status)
}
guard arguments.count == 1, !arguments[0].hasPrefix("-") else { fail("expects one folder name\n\n\(usage)", status: 2) }

let manager = FileManager.default
// The package root: this file is Sources/student-copy/main.swift.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let destination = URL(fileURLWithPath: arguments[0], relativeTo: URL(fileURLWithPath: manager.currentDirectoryPath)).standardized
guard destination.path != root.standardized.path, !destination.path.hasPrefix(root.standardized.path + "/") else {
    fail("\(destination.path) is inside the course itself; choose a folder outside \(root.path)", status: 2)
}
if manager.fileExists(atPath: destination.path) {
    guard let contents = try? manager.contentsOfDirectory(atPath: destination.path) else {
        fail("\(destination.path) exists and is not a folder", status: 2)
    }
    guard contents.isEmpty else { fail("\(destination.path) is not empty; give a new or empty folder (nothing is overwritten)", status: 2) }
}

let left = Set(["Solutions", ".build", ".swiftpm", "runs", ".git", "Package.resolved"])
/// Left out from inside the folders that are copied: the planted bugs and the answers to the questions.
let leftInside = ["Tests/GradingTests", "book/instructors.md"]
let items = try manager.contentsOfDirectory(atPath: root.path).filter { name in
    !left.contains(name) && !name.hasPrefix(".build-") && !name.hasPrefix(".build_")
}.sorted()
do {
    try manager.createDirectory(at: destination, withIntermediateDirectories: true)
    for item in items {
        try manager.copyItem(at: root.appendingPathComponent(item), to: destination.appendingPathComponent(item))
    }
    for answers in leftInside {
        try? manager.removeItem(at: destination.appendingPathComponent(answers))
    }
} catch {
    fail("cannot copy into \(destination.path): \(error.localizedDescription)")
}
print("student copy in \(destination.path): \(items.joined(separator: ", ")) (no Solutions/, no \(leftInside.joined(separator: ", no ")))")
print("check it: cd \(destination.path) && swift test --filter Exercises")
