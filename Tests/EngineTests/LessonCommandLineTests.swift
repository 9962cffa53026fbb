import Foundation
import Testing
@testable import Engine

@Suite("Lesson command line")
struct LessonCommandLineTests {
    let defaults = LessonDefaults(steps: 1_000, batchSize: 100, learningRate: 0.5, logEvery: 100)

    @Test func defaultsAndFlags() throws {
        let options = try LessonOptions.parse(["--steps", "20", "--batch-size=50", "--learning-rate", "0.1",
                                               "--seed", "9", "--log-every", "5", "--data-dir", "/tmp/x", "--threads", "1"],
                                              program: "p", defaults: defaults)
        #expect(options.steps == 20 && options.batchSize == 50 && options.learningRate == 0.1)
        #expect(options.seed == 9 && options.logEvery == 5 && options.dataDirectory == "/tmp/x" && options.threads == 1)
        let plain = try LessonOptions.parse([], program: "p", defaults: defaults)
        #expect(plain.steps == 1_000 && plain.dataDirectory == nil && plain.dataset == .mnist)
    }

    @Test func environmentVariableNamesTheDataFolder() throws {
        let options = try LessonOptions.parse([], program: "p", defaults: defaults,
                                              environment: [LessonOptions.dataDirectoryVariable: "/data/mnist"])
        #expect(options.dataDirectory == "/data/mnist")
        let flagWins = try LessonOptions.parse(["--data-dir", "/mine"], program: "p", defaults: defaults,
                                               environment: [LessonOptions.dataDirectoryVariable: "/data/mnist"])
        #expect(flagWins.dataDirectory == "/mine")
    }

    @Test(arguments: [
        (["--steps", "ten"], "--steps expects a whole number"),
        (["--steps", "0"], "--steps expects a whole number"),
        (["--learning-rate", "-1"], "--learning-rate expects a number"),
        (["--learning-rate", "nan"], "--learning-rate expects a number"),
        (["--batch-size"], "--batch-size needs a value"),
        (["--stpes", "5"], "unknown option '--stpes'"),
        (["--dataset", "cifar"], "--dataset expects one of mnist, fashion-mnist, synthetic; got 'cifar'"),
    ])
    func badArgumentsNameTheFlag(arguments: [String], message: String) {
        #expect {
            try LessonOptions.parse(arguments, program: "p", defaults: defaults)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func extraFlags() throws {
        let flags = [Flag("--keep-prob", .number(0.01...1), default: "0.5", help: "dropout keep probability"),
                     Flag("--model", .choice(["tf2017", "simplecnn"]), default: "tf2017", help: "architecture"),
                     Flag("--use-exercises", .toggle, help: "use your own layers")]
        let options = try LessonOptions.parse(["--keep-prob", "0.75", "--use-exercises"], program: "p",
                                              defaults: defaults, extraFlags: flags)
        #expect(options.number("--keep-prob") == 0.75)
        #expect(options.value("--model") == "tf2017")
        #expect(options.isSet("--use-exercises"))
        #expect(throws: UsageError.self) {
            try LessonOptions.parse(["--keep-prob", "2"], program: "p", defaults: defaults, extraFlags: flags)
        }
    }

    /// `--epochs N`: N passes over the training set, counted once its size is known; never with `--steps`.
    @Test func epochsAreAnAlternativeToSteps() throws {
        var options = try LessonOptions.parse(["--epochs", "2"], program: "p", defaults: defaults)
        #expect(options.epochs == 2 && options.steps == 1_000)              // not counted until the data is loaded
        options.resolveEpochs(trainingImages: 55_000)
        #expect(options.steps == 1_100)                                     // 2 × 55,000 / 100
        var simple = try LessonOptions.parse(["--epochs=10", "--batch-size", "64"], program: "p", defaults: defaults)
        simple.resolveEpochs(trainingImages: 55_000)
        #expect(simple.steps == 8_590)                                      // 10 × 859: the partial last batch is dropped
        var plain = try LessonOptions.parse(["--steps", "30"], program: "p", defaults: defaults)
        plain.resolveEpochs(trainingImages: 55_000)
        #expect(plain.steps == 30 && plain.epochs == nil)
        for arguments in [["--steps", "30", "--epochs", "1"], ["--epochs", "1", "--steps=30"]] {
            #expect {
                try LessonOptions.parse(arguments, program: "p", defaults: defaults)
            } throws: { error in
                "\(error)".hasPrefix("--steps and --epochs both given: use one")
            }
        }
        #expect(throws: UsageError.self) { try LessonOptions.parse(["--epochs", "0"], program: "p", defaults: defaults) }
    }

    /// A lesson that trains nothing takes, and lists, only the flags it uses.
    @Test func forwardOnlyLessonListsAndTakesOnlyItsFlags() throws {
        let forward = LessonDefaults(forwardOnly: 16)
        let options = try LessonOptions.parse(["--seed", "3", "--batch-size", "8", "--no-files"], program: "p", defaults: forward)
        #expect(options.seed == 3 && options.batchSize == 8 && !options.writesFiles)
        for flag in ["--steps", "--epochs", "--learning-rate", "--log-every", "--data-dir", "--dataset", "--mirror"] {
            #expect {
                try LessonOptions.parse([flag, "1"], program: "p", defaults: forward)
            } throws: { error in
                "\(error)" == "\(flag) is not an option of this lesson: it trains nothing and reads no dataset (--help lists the options it takes)"
            }
        }
        let help = LessonOptions.usage(program: "p", about: "about", defaults: forward, extraFlags: [])
        let listed = help.split(separator: "\n").filter { $0.hasPrefix("  --") }.map { String($0.split(separator: " ")[0]) }
        #expect(listed == ["--batch-size", "--seed", "--threads", "--run-dir", "--no-files", "--tensorboard", "--help"])
        let training = LessonOptions.usage(program: "p", about: "about", defaults: defaults, extraFlags: [])
        #expect(training.contains("  --steps N ") && training.contains("  --epochs N ") && training.contains("  --learning-rate X "))
    }

    /// The step-1 line explains a first loss far from ln 10 instead of leaving it next to "ln 10".
    @Test func firstLossLineExplainsItself() {
        #expect(firstLossNote(Float(log(10.0)), whyHigh: "why") == "= ln 10: even odds on the 10 classes, what a model that knows nothing scores")
        #expect(firstLossNote(2.4354, whyHigh: "why").hasPrefix("near ln 10 = 2.3026"))
        #expect(firstLossNote(8.3917, whyHigh: Models.tutorialCNNFirstLoss)
                == "well above ln 10 = 2.3026, the loss of even odds on the 10 classes: " + Models.tutorialCNNFirstLoss)
        #expect(firstLossNote(0.3, whyHigh: "why").hasPrefix("below ln 10 = 2.3026"))
    }

    @Test func lessonsRefuseAndListFlagsAsTheyUseThem() throws {
        let both = try runProduct("lesson01-linear-softmax", ["--steps", "5", "--epochs", "1"])
        #expect(both.status == 2)
        #expect(both.standardError.hasPrefix("lesson01-linear-softmax: --steps and --epochs both given"))
        let steps = try runProduct("lesson06-init-histograms", ["--steps", "200"])
        #expect(steps.status == 2 && steps.standardOutput.isEmpty)
        #expect(steps.standardError.hasPrefix("lesson06-init-histograms: --steps is not an option of this lesson: it trains nothing"))
        let help = try runProduct("lesson06-init-histograms", ["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("--seed N") && !help.standardOutput.contains("--steps"))
        #expect(!help.standardOutput.contains("--learning-rate") && !help.standardOutput.contains("--data-dir"))
    }

    @Test func badFlagPrintsUsageAndExitsWithCode2() throws {
        let result = try runProduct("lesson01-linear-softmax", ["--steps", "many"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("--steps expects a whole number from 1 to 100000000; got 'many'"))
        #expect(result.standardError.contains("Usage: swift run lesson01-linear-softmax"))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func helpExitsWithCode0() throws {
        let result = try runProduct("lesson02-train-longer", ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("--learning-rate X"))
        #expect(result.standardOutput.contains("(default 100000)"))
    }

    @Test func missingDataFolderIsNamed() throws {
        let result = try runProduct("lesson01-linear-softmax", ["--data-dir", "/nonexistent/mnist-folder"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("/nonexistent/mnist-folder"))
        #expect(!result.standardError.contains("Fatal error"))
    }
}

@Suite("Lesson 06 initialization scales")
struct InitializationLessonTests {
    /// The chapter's claim, measured: per-layer std shrinks with 0.01·randn, grows with 0.05·randn,
    /// and stays put with Kaiming.
    @Test func activationsShrinkGrowOrHold() throws {
        let folder = try makeTemporaryFolder("lesson06")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProduct("lesson06-init-histograms", ["--run-dir", folder.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let blocks = result.standardOutput.components(separatedBy: "\n\n")
        try #require(blocks.count == 3)
        func stds(_ block: String) -> [Double] {
            block.split(separator: "\n").filter { $0.hasPrefix("layer ") }.compactMap { line in
                let parts = line.split(separator: " ")
                return parts.firstIndex(of: "std").flatMap { Double(parts[$0 + 1]) }
            }
        }
        let (small, large, kaiming) = (stds(blocks[0]), stds(blocks[1]), stds(blocks[2]))
        try #require(small.count == 6 && large.count == 6 && kaiming.count == 6)
        #expect(zip(small, small.dropFirst()).allSatisfy { $1 < 0.6 * $0 })    // each layer at most 60% of the last
        #expect(zip(large, large.dropFirst()).allSatisfy { $1 > 1.6 * $0 })    // each layer at least 160% of the last
        #expect(kaiming.allSatisfy { abs($0 - kaiming[0]) < 0.05 * kaiming[0] })

        // The figure: 6 rows (activations, then gradients, per scale) of 6 layers, one axis per row.
        let svg = try ParsedSVG(String(contentsOf: folder.appendingPathComponent("histograms.svg"), encoding: .utf8))
        let panels = svg.elements("g", class: "panel")
        try #require(panels.count == 36)
        for row in 0..<6 { #expect(Set(panels[(6 * row)..<(6 * row + 6)].map { $0.value("data-range") }).count == 1) }
        // Each activation panel counts the positive outputs: about half of 16 × 4096.
        let counts = panels.prefix(18).map { $0.elements(forName: "rect").compactMap { Int($0.elements(forName: "title").first?.stringValue ?? "") }.reduce(0, +) }
        #expect(counts.allSatisfy { abs($0 - 16 * 4096 / 2) < 16 * 4096 / 20 }, "\(counts)")
        // Backward: the gradient reaching layer 1 is tiny with 0.01, huge with 0.05, about 1 with Kaiming.
        let gradients = blocks.map { block in
            block.split(separator: "\n").first { $0.hasPrefix("gradient std") }.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
        }
        try #require(gradients.allSatisfy { $0.count == 6 })
        #expect(gradients[0][0] < 0.05 * gradients[0][5] && gradients[1][0] > 20 * gradients[1][5])
        #expect(gradients[2].allSatisfy { abs($0 - 1) < 0.05 })
    }
}
