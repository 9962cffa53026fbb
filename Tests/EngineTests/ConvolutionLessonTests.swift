import Foundation
import Testing
@testable import Engine

/// Lesson 04's network trained for real, as a learner runs it (short enough for CI).
@Suite("Convolution lessons on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct ConvolutionLessonTests {
    private var dataArguments: [String] { ["--data-dir", TestEnvironment.mnistDirectory!] }

    /// 500 steps of the 2017 CNN (half the default run; the tutorial reached 0.9725 at 1,000).
    @Test func lesson04ShortRunReaches95Percent() throws {
        let folder = try makeTemporaryFolder("lesson04")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProduct("lesson04-convolutions", dataArguments + ["--steps", "500", "--log-every", "250", "--run-dir", folder.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        // The model table comes before training, with the chapter's arithmetic in it.
        let tableEnd = try #require(lines.firstIndex { $0.hasPrefix("total") })
        let firstStep = try #require(lines.firstIndex { $0.hasPrefix("step 1,") })
        #expect(tableEnd < firstStep)
        #expect(lines[tableEnd].hasSuffix("3,274,634"))
        #expect(lines.contains { $0.hasPrefix("conv 5×5 32→64") && $0.contains("14×14×64") && $0.hasSuffix("51,264") })
        #expect(lines.contains { $0.hasPrefix("step 500, training accuracy ") })
        #expect(lines.dropLast(2).last?.hasPrefix("trained 500 steps in ") == true)
        let last = try #require(lines.dropLast().last)
        let testAccuracy = try #require(Double(last.dropFirst("test accuracy ".count)), "line: \(last)")
        #expect(testAccuracy >= 0.95, "\(last)")
        #expect(lines.last?.hasPrefix("run folder: \(folder.path) (") == true)

        // The pictures: one image per filter and per feature map, a cell per class pair.
        func svg(_ name: String) throws -> ParsedSVG {
            try ParsedSVG(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
        #expect(try svg("filters.svg").elements("image", class: "tile").count == 32)
        #expect(try svg("feature-maps-1.svg").elements("image", class: "tile").count == 32)
        #expect(try svg("feature-maps-2.svg").elements("image", class: "tile").count == 64)
        let cells = try svg("confusion.svg").elements("text", class: "cell-label").compactMap { Int($0.stringValue ?? "") }
        #expect(cells.count == 100 && cells.reduce(0, +) == 10_000)
        let rows = try MetricsRow.read(folder.appendingPathComponent("metrics.csv").path)
        #expect(rows.count == 1 + 500 / 25 && rows.last?.testAccuracy.map { Float($0).formatted(places: 4) } == String(last.dropFirst("test accuracy ".count)))
        #expect(try polylineValues(svg("curves.svg"), series: "training batches, running mean").count == rows.count)
    }

    /// Lesson 05 run twice, with and without dropout: `--compare` draws both on one plot.
    @Test func lesson05ComparesTwoRuns() throws {
        let first = try makeTemporaryFolder("dropout"), second = try makeTemporaryFolder("no-dropout")
        defer { for url in [first, second] { try? FileManager.default.removeItem(at: url) } }
        let arguments = dataArguments + ["--steps", "20", "--log-every", "10"]
        let dropout = try runProduct("lesson05-dropout", arguments + ["--run-dir", first.path])
        #expect(dropout.status == 0, "stderr: \(dropout.standardError)")
        let plain = try runProduct("lesson05-dropout", arguments + ["--keep-prob", "1", "--run-dir", second.path, "--compare", first.path])
        #expect(plain.status == 0, "stderr: \(plain.standardError)")
        let comparison = try ParsedSVG(String(contentsOf: second.appendingPathComponent("comparison.svg"), encoding: .utf8))
        let lines = comparison.elements("polyline", class: "series").compactMap { $0.value("data-series") }
        #expect(lines == ["keep 1.0: training batches, running mean", "keep 0.5: training batches, running mean"])
        let dots = comparison.elements("g", class: "dots").compactMap { $0.value("data-series") }
        #expect(dots == ["keep 1.0: test", "keep 1.0: training set, evaluation mode", "keep 0.5: test", "keep 0.5: training set, evaluation mode"])
        let finals = comparison.elements("text", class: "final").compactMap(\.stringValue)
        #expect(finals.count == 2 && finals[0].hasPrefix("keep 1.0, at the end: training set (evaluation mode) 0.") && finals[1].hasPrefix("keep 0.5, at the end: "))
        // The numbers in words are the ones the run printed: "keep probability 1.0: training accuracy X (…".
        let printed = try #require(plain.standardOutput.split(separator: "\n").first { $0.hasPrefix("keep probability 1.0: training accuracy ") })
        let printedAccuracy = try #require(Double(printed.split(separator: " ")[5]))      // 4 decimals
        let drawn = try #require(finals[0].firstMatch(of: /training set \(evaluation mode\) ([0-9.]+)/).flatMap { Double($0.1) })
        #expect(abs(drawn - printedAccuracy) <= 0.00005, "\(finals[0]) vs \(printed)")
        let bad = try runProduct("lesson05-dropout", ["--compare", "/nonexistent/run"])
        #expect(bad.status == 2 && bad.standardError.contains("--compare expects an existing folder; got '/nonexistent/run'"))
    }

    /// Lesson 05 and the SimpleCNN option run and report what they promise (a few steps only).
    @Test func lesson05AndSimpleCNNReport() throws {
        let dropout = try runProduct("lesson05-dropout", dataArguments + ["--steps", "20", "--log-every", "10", "--keep-prob", "0.5", "--no-files"])
        #expect(dropout.status == 0, "stderr: \(dropout.standardError)")
        #expect(dropout.standardOutput.contains("dropout keep 0.5"))
        #expect(dropout.standardOutput.contains("keep probability 0.5: training accuracy "))
        #expect(dropout.standardOutput.contains("train–test gap "))
        #expect(dropout.standardOutput.split(separator: "\n").last?.hasPrefix("test accuracy 0.") == true)

        let simple = try runProduct("lesson04-convolutions", dataArguments + ["--model", "simplecnn", "--steps", "20", "--log-every", "10", "--no-files"])
        #expect(simple.status == 0, "stderr: \(simple.standardError)")
        #expect(simple.standardOutput.split(separator: "\n").contains { $0.hasPrefix("total") && $0.hasSuffix("421,642") })
    }

    @Test func badKeepProbabilityIsAUsageError() throws {
        let result = try runProduct("lesson05-dropout", ["--keep-prob", "0"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("--keep-prob expects a number from 0.01 up to 1; got '0'"), "\(result.standardError)")
    }
}
