import Foundation
import Testing
@testable import Engine

/// Lesson 08's claim, on a short run on real MNIST: augmentation narrows the train–test gap and
/// raises the test accuracy. The direction is asserted, not the numbers (seeds 1–3 of this run
/// gave gaps 0.047–0.052 plain against 0.015–0.025 augmented, and test accuracy 0.8–2.2 points higher).
@Suite("Lesson 08 on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct Lesson08RunTests {
    private var directory: String { TestEnvironment.mnistDirectory! }

    /// "plain: training accuracy A, test accuracy T, gap G" as (A, T, G).
    private func scores(_ run: String, in lines: [String]) throws -> (train: Double, test: Double, gap: Double) {
        let line = try #require(lines.first { $0.hasPrefix("\(run): training accuracy ") }, "no line for \(run)")
        let numbers = line.dropFirst(run.count + 2).split(separator: ",").compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        try #require(numbers.count == 3, "\(line)")
        return (numbers[0], numbers[1], numbers[2])
    }

    @Test func augmentationNarrowsTheGapAndRaisesTestAccuracy() throws {
        let folder = try TestData.makeTemporaryDirectory("lesson08-run")
        defer { TestData.remove(folder) }
        let result = try runProduct("lesson08-augmentation", ["--data-dir", directory, "--train-size", "1000",
                                                              "--steps", "400", "--log-every", "200", "--tta", "2", "--run-dir", folder])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        var lines = result.standardOutput.split(separator: "\n").map(String.init)
        // The run folder, named last: both runs' curves and the picture of what the augmented run saw.
        #expect(lines.last?.hasPrefix("run folder: \(folder) (") == true, "\(lines.last ?? "")")
        lines.removeLast()
        for file in ["curves.svg", "augmented-samples.svg", "metrics.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(file)"), "\(file) missing")
        }
        let plain = try scores("plain", in: lines), augmented = try scores("augmented", in: lines)
        #expect(abs(plain.gap - (plain.train - plain.test)) < 2e-4 && abs(augmented.gap - (augmented.train - augmented.test)) < 2e-4)
        #expect(augmented.gap < plain.gap, "plain \(plain), augmented \(augmented)")
        #expect(augmented.test > plain.test, "plain \(plain), augmented \(augmented)")
        let last = try #require(lines.last)
        #expect(last.hasPrefix("augmented + TTA: test accuracy "))
        let withTTA = try #require(Double(last.dropFirst("augmented + TTA: test accuracy ".count)), "\(last)")
        #expect(abs(withTTA - augmented.test) < 0.02)   // a small change either way, never a different model

        // The input normalization comes from the 1,000 training images, not from the test split.
        let data = try Datasets.read(.mnist, from: directory)
        let fromTraining = InputNormalization(statisticsOf: data.train.subset(0..<1_000)).name
        #expect(lines.contains { $0.hasSuffix("input normalization from them: \(fromTraining)") }, "\(lines.prefix(3))")
        #expect(fromTraining != InputNormalization(statisticsOf: data.test).name)
        #expect(fromTraining != InputNormalization(statisticsOf: data.train).name)
    }
}

@Suite("Lesson 08 command line")
struct Lesson08CommandLineTests {
    @Test func flippingDigitsIsRefusedWithTheReason() throws {
        let result = try runProduct("lesson08-augmentation", ["--augment", "shift,flip"])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("lesson08-augmentation: --augment flip: flips are for --dataset fashion-mnist only; "
            + "a mirrored digit is not the same digit (a flipped 2 is not a 2)"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test func badListsAndSizesNameTheFlag() throws {
        let unknown = try runProduct("lesson08-augmentation", ["--augment", "shift,twirl"])
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("--augment expects a comma-separated list of shift, rotate, elastic, flip, jitter, erase, none; got 'twirl' in 'shift,twirl'"),
                "\(unknown.standardError)")
        let tooBig = try runProduct("lesson08-augmentation", ["--train-size", "100", "--batch-size", "200"])
        #expect(tooBig.status == 2)
        #expect(tooBig.standardError.contains("--batch-size 200 is larger than --train-size 100"), "\(tooBig.standardError)")
        let tta = try runProduct("lesson08-augmentation", ["--tta", "10"])
        #expect(tta.status == 2)
        #expect(tta.standardError.contains("--tta expects a whole number from 1 to 9; got '10'"), "\(tta.standardError)")
    }

    /// On Fashion-MNIST flips are on by default: a short run (skipped without the Debian package's files).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
                   "Fashion-MNIST not installed in /usr/share/datasets/fashion-mnist (apt package dataset-fashion-mnist)"))
    func fashionMNISTFlips() throws {
        let result = try runProduct("lesson08-augmentation", ["--dataset", "fashion-mnist", "--no-files",
                                                              "--train-size", "200", "--steps", "20", "--log-every", "10", "--tta", "2"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("augmented (augment: shift,flip)"))
        #expect(result.standardOutput.contains("test-time augmentation over 2: as is; mirrored"))
        #expect(result.standardOutput.split(separator: "\n").last?.hasPrefix("augmented + TTA: test accuracy 0.") == true)
    }
}
