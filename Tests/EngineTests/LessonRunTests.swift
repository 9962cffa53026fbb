import Foundation
import Testing
@testable import Engine

/// The lessons, run as a learner runs them, on real MNIST.
@Suite("Lessons on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct LessonRunTests {
    private var dataArguments: [String] { ["--data-dir", TestEnvironment.mnistDirectory!] }

    /// Lesson 01's default program: the 2017 tutorial reached 0.9202 with it.
    @Test func lesson01DefaultRunReachesTheTutorialsAccuracy() throws {
        let folder = try makeTemporaryFolder("lesson01")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProduct("lesson01-linear-softmax", dataArguments + ["--run-dir", folder.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        // The stream: step 100, 200, …, 1000, then the summary and the test accuracy, last.
        let stream = lines.filter { $0.hasPrefix("step ") }
        #expect(stream.count == 11)  // step 1 (the initial loss) and steps 100, 200, …, 1000
        #expect(stream.first == "step 1, loss 2.3026 (= ln 10: even odds on the 10 classes, what a model that knows nothing scores)")
        #expect(stream.dropFirst().first?.hasPrefix("step 100, training accuracy ") == true)
        #expect(lines.dropLast(2).last?.hasPrefix("trained 1000 steps in ") == true)
        let last = try #require(lines.dropLast().last)
        #expect(last.hasPrefix("test accuracy "))
        let testAccuracy = try #require(Double(last.dropFirst("test accuracy ".count)))
        #expect(testAccuracy >= 0.915)
        #expect(lines.last == "run folder: \(folder.path) (metrics.csv, templates.svg, confusion.svg, mistakes.svg, curves.svg)")

        // The run folder holds what the log printed.
        let rows = try MetricsRow.read(folder.appendingPathComponent("metrics.csv").path)
        #expect(rows.map(\.step) == [1] + Array(stride(from: 10, through: 1000, by: 10)))   // a row every 100 / 10 steps
        for line in stream.dropFirst() {                 // "step 100, training accuracy 0.9300"
            let parts = line.split(separator: " ")
            let row = try #require(rows.first { $0.step == Int(parts[1].dropLast()) })
            #expect(Float(row.accuracy).formatted(places: 4) == String(parts[4]), "\(line) vs \(row)")
        }
        #expect(rows.last?.testAccuracy.map { Float($0).formatted(places: 4) } == String(last.dropFirst("test accuracy ".count)))
        func svg(_ name: String) throws -> ParsedSVG {
            try ParsedSVG(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
        let curves = try svg("curves.svg")
        for (chart, column) in [\MetricsRow.meanLoss, \MetricsRow.meanAccuracy].enumerated() {   // loss left, accuracy right
            let points = try polylineValues(curves, series: "training batches, running mean", chart: chart)
            #expect(points.count == rows.count)
            for (point, row) in zip(points, rows) {
                #expect(abs(point.x - Double(row.step)) < 3 && abs(point.y - row[keyPath: column]) < 0.01, "chart \(chart) at step \(row.step)")
            }
        }
        let confusion = try svg("confusion.svg")
        let cells = confusion.elements("text", class: "cell-label").compactMap { Int($0.stringValue ?? "") }
        #expect(cells.count == 100 && cells.reduce(0, +) == 10_000)
        let correct = stride(from: 0, to: 100, by: 11).map { cells[$0] }.reduce(0, +)      // the diagonal
        #expect((Float(correct) / 10_000).formatted(places: 4) == String(last.dropFirst("test accuracy ".count)))
        #expect(try svg("templates.svg").elements("image", class: "tile").count == 10)
        #expect(try svg("mistakes.svg").elements("image", class: "tile").count == 24)
    }

    /// `--no-files` writes nothing; without it, the run folder is runs/<lesson>/<date-time>/ under
    /// the current directory, and the last line names it.
    @Test func runFolderByDefaultAndNoFilesWritesNothing() throws {
        let quiet = try makeTemporaryFolder("no-files")
        let loud = try makeTemporaryFolder("default-folder")
        defer { for url in [quiet, loud] { try? FileManager.default.removeItem(at: url) } }
        let arguments = dataArguments + ["--steps", "50", "--log-every", "10"]
        let none = try runProduct("lesson01-linear-softmax", arguments + ["--no-files"], currentDirectory: quiet)
        #expect(none.status == 0, "stderr: \(none.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: quiet.path).isEmpty)
        #expect(none.standardOutput.split(separator: "\n").last?.hasPrefix("test accuracy ") == true)

        let result = try runProduct("lesson01-linear-softmax", arguments, currentDirectory: loud)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let last = try #require(result.standardOutput.split(separator: "\n").last.map(String.init))
        let folder = try #require(last.firstMatch(of: /^run folder: (runs\/lesson01-linear-softmax\/\d{4}-\d\d-\d\d-\d{6}) \(/)?.1)
        let written = try FileManager.default.contentsOfDirectory(atPath: loud.appendingPathComponent(String(folder)).path)
        #expect(Set(written) == ["metrics.csv", "templates.svg", "confusion.svg", "mistakes.svg", "curves.svg"])
    }

    /// A run folder that cannot be made is a one-line warning; the run trains and prints its results.
    @Test func unwritableRunFolderWarnsAndTheRunFinishes() throws {
        let folder = try makeTemporaryFolder("unwritable")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: file)
        let target = file.appendingPathComponent("run").path           // inside a file: no one can create it
        let result = try runProduct("lesson01-linear-softmax", dataArguments + ["--steps", "50", "--log-every", "10", "--run-dir", target])
        #expect(result.status == 0)
        let warnings = result.standardError.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("cannot create the run folder \(target)") == true, "\(result.standardError)")
        #expect(result.standardOutput.contains("trained 50 steps in "))
        #expect(result.standardOutput.split(separator: "\n").last?.hasPrefix("test accuracy 0.") == true)
        #expect(!result.standardOutput.contains("run folder:"))
    }

    @Test func sameSeedSameOutput() throws {
        let arguments = dataArguments + ["--steps", "300", "--log-every", "50", "--seed", "5", "--no-files"]
        let first = try runProduct("lesson01-linear-softmax", arguments)
        let second = try runProduct("lesson01-linear-softmax", arguments)
        let other = try runProduct("lesson01-linear-softmax", dataArguments + ["--steps", "300", "--log-every", "50", "--seed", "6", "--no-files"])
        // Everything but the timing line is identical for the same seed.
        func withoutTiming(_ r: ProcessResult) -> [Substring] { r.standardOutput.split(separator: "\n").filter { !$0.hasPrefix("trained ") } }
        #expect(withoutTiming(first) == withoutTiming(second))
        #expect(withoutTiming(first) != withoutTiming(other))
    }

    @Test func divergenceStopsWithAHint() throws {
        let result = try runProduct("lesson01-linear-softmax", dataArguments + ["--learning-rate", "1e38", "--steps", "500", "--no-files"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("diverged at step "))
        #expect(result.standardError.contains("Try a smaller one, e.g. --learning-rate 1e+37"))
        #expect(!result.standardOutput.contains("test accuracy"))
    }

    @Test(arguments: ["lesson02-train-longer", "lesson03-adam"])
    func shortRunsOfTheLongLessons(lesson: String) throws {
        let result = try runProduct(lesson, dataArguments + ["--steps", "2000", "--log-every", "1000", "--no-files"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("validation accuracy"))
        let last = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        let testAccuracy = Double(last.dropFirst("test accuracy ".count)) ?? 0
        #expect(testAccuracy > 0.85, "\(lesson): \(last)")
    }

    /// `--average-last` only adds a measurement: training, and so the last weights' accuracy, stay
    /// exactly as without it, and the averaged weights score like a trained model.
    @Test func lesson02AveragingLeavesTrainingAlone() throws {
        let arguments = dataArguments + ["--steps", "3000", "--log-every", "1000", "--no-files"]
        let plain = try runProduct("lesson02-train-longer", arguments)
        let averaged = try runProduct("lesson02-train-longer", arguments + ["--average-last", "2000"])
        #expect(averaged.status == 0, "stderr: \(averaged.standardError)")
        let lines = averaged.standardOutput.split(separator: "\n").map(String.init)
        let testLine = { (output: String) in output.split(separator: "\n").first { $0.hasPrefix("test accuracy 0.") }.map(String.init) }
        #expect(testLine(plain.standardOutput) != nil)
        #expect(testLine(plain.standardOutput) == testLine(averaged.standardOutput))
        let prefix = "test accuracy of the weights averaged over the last 2000 steps "
        let value = try #require(lines.first { $0.hasPrefix(prefix) }, "no averaged line in: \(averaged.standardOutput)")
        #expect((Double(value.dropFirst(prefix.count)) ?? 0) > 0.9, "\(value)")
    }
}
