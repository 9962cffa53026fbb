import Foundation
import Testing
@testable import Engine

/// The lessons, run as a learner runs them, on real MNIST.
@Suite("Lessons on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct LessonRunTests {
    private var dataArguments: [String] { ["--data-dir", TestEnvironment.mnistDirectory!] }

    /// Lesson 01's default program: the 2017 tutorial reached 0.9202 with it.
    @Test func lesson01DefaultRunReachesTheTutorialsAccuracy() throws {
        let result = try runProduct("lesson01-linear-softmax", dataArguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        // The stream: step 100, 200, …, 1000, then the summary and the test accuracy, last.
        let stream = lines.filter { $0.hasPrefix("step ") }
        #expect(stream.count == 11)  // step 1 (the initial loss) and steps 100, 200, …, 1000
        #expect(stream.first == "step 1, loss 2.3026 (a model that knows nothing scores ln 10 = 2.3026)")
        #expect(stream.dropFirst().first?.hasPrefix("step 100, training accuracy ") == true)
        #expect(lines.dropLast().last?.hasPrefix("trained 1000 steps in ") == true)
        let last = try #require(lines.last)
        #expect(last.hasPrefix("test accuracy "))
        let testAccuracy = try #require(Double(last.dropFirst("test accuracy ".count)))
        #expect(testAccuracy >= 0.915)
    }

    @Test func sameSeedSameOutput() throws {
        let arguments = dataArguments + ["--steps", "300", "--log-every", "50", "--seed", "5"]
        let first = try runProduct("lesson01-linear-softmax", arguments)
        let second = try runProduct("lesson01-linear-softmax", arguments)
        let other = try runProduct("lesson01-linear-softmax", dataArguments + ["--steps", "300", "--log-every", "50", "--seed", "6"])
        // Everything but the timing line is identical for the same seed.
        func withoutTiming(_ r: ProcessResult) -> [Substring] { r.standardOutput.split(separator: "\n").filter { !$0.hasPrefix("trained ") } }
        #expect(withoutTiming(first) == withoutTiming(second))
        #expect(withoutTiming(first) != withoutTiming(other))
    }

    @Test func divergenceStopsWithAHint() throws {
        let result = try runProduct("lesson01-linear-softmax", dataArguments + ["--learning-rate", "1e35", "--steps", "500"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("diverged at step "))
        #expect(result.standardError.contains("Try a smaller one, e.g. --learning-rate 1e+34"))
        #expect(!result.standardOutput.contains("test accuracy"))
    }

    @Test(arguments: ["lesson02-train-longer", "lesson03-adam"])
    func shortRunsOfTheLongLessons(lesson: String) throws {
        let result = try runProduct(lesson, dataArguments + ["--steps", "2000", "--log-every", "1000"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("validation accuracy"))
        let last = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        let testAccuracy = Double(last.dropFirst("test accuracy ".count)) ?? 0
        #expect(testAccuracy > 0.85, "\(lesson): \(last)")
    }
}
