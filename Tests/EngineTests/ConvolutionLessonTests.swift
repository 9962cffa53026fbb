import Foundation
import Testing
@testable import Engine

/// Lesson 04's network trained for real, as a learner runs it (short enough for CI).
@Suite("Convolution lessons on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct ConvolutionLessonTests {
    private var dataArguments: [String] { ["--data-dir", TestEnvironment.mnistDirectory!] }

    /// 500 steps of the 2017 CNN (half the default run; the tutorial reached 0.9725 at 1,000).
    @Test func lesson04ShortRunReaches95Percent() throws {
        let result = try runProduct("lesson04-convolutions", dataArguments + ["--steps", "500", "--log-every", "250"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        // The model table comes before training, with the chapter's arithmetic in it.
        let tableEnd = try #require(lines.firstIndex { $0.hasPrefix("total") })
        let firstStep = try #require(lines.firstIndex { $0.hasPrefix("step 1,") })
        #expect(tableEnd < firstStep)
        #expect(lines[tableEnd].hasSuffix("3,274,634"))
        #expect(lines.contains { $0.hasPrefix("conv 5×5 32→64") && $0.contains("14×14×64") && $0.hasSuffix("51,264") })
        #expect(lines.contains { $0.hasPrefix("step 500, training accuracy ") })
        #expect(lines.dropLast().last?.hasPrefix("trained 500 steps in ") == true)
        let last = try #require(lines.last)
        let testAccuracy = try #require(Double(last.dropFirst("test accuracy ".count)), "last line: \(last)")
        #expect(testAccuracy >= 0.95, "\(last)")
    }

    /// Lesson 05 and the SimpleCNN option run and report what they promise (a few steps only).
    @Test func lesson05AndSimpleCNNReport() throws {
        let dropout = try runProduct("lesson05-dropout", dataArguments + ["--steps", "20", "--log-every", "10", "--keep-prob", "0.5"])
        #expect(dropout.status == 0, "stderr: \(dropout.standardError)")
        #expect(dropout.standardOutput.contains("dropout keep 0.5"))
        #expect(dropout.standardOutput.contains("keep probability 0.5: training accuracy "))
        #expect(dropout.standardOutput.contains("train–test gap "))
        #expect(dropout.standardOutput.split(separator: "\n").last?.hasPrefix("test accuracy 0.") == true)

        let simple = try runProduct("lesson04-convolutions", dataArguments + ["--model", "simplecnn", "--steps", "20", "--log-every", "10"])
        #expect(simple.status == 0, "stderr: \(simple.standardError)")
        #expect(simple.standardOutput.split(separator: "\n").contains { $0.hasPrefix("total") && $0.hasSuffix("421,642") })
    }

    @Test func badKeepProbabilityIsAUsageError() throws {
        let result = try runProduct("lesson05-dropout", ["--keep-prob", "0"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("--keep-prob expects a number from 0.01 up to 1; got '0'"), "\(result.standardError)")
    }
}
