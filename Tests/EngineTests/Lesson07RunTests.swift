import Foundation
import Testing
@testable import Engine

/// Lesson 07's claim on a short run of real MNIST: the deep plain network ends with a higher
/// training loss than the shallow one, and the same deep network with shortcuts a lower one.
@Suite("Lesson 07 on real MNIST", .enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
struct Lesson07RunTests {
    /// One network's last line: `<name>: depth D, shortcuts yes|no, training loss L, training accuracy A, test accuracy T`.
    struct Result: Equatable {
        let name: String, depth: Int, shortcuts: Bool, trainingLoss: Double, trainingAccuracy: Double, testAccuracy: Double

        init?(_ line: String) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let fields = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            func value(_ prefix: String) -> String? { fields.first { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) } }
            guard fields.count == 5, let depth = value("depth").flatMap({ Int($0) }), let shortcuts = value("shortcuts"),
                  let loss = value("training loss").flatMap({ Double($0) }),
                  let trainingAccuracy = value("training accuracy").flatMap({ Double($0) }),
                  let testAccuracy = value("test accuracy").flatMap({ Double($0) }) else { return nil }
            name = String(parts[0])
            self.depth = depth
            self.shortcuts = shortcuts == "yes"
            trainingLoss = loss
            self.trainingAccuracy = trainingAccuracy
            self.testAccuracy = testAccuracy
        }
    }

    @Test func deepPlainTrainsWorseAndShortcutsFixIt() throws {
        let folder = try TestData.makeTemporaryDirectory("lesson07-run")
        defer { TestData.remove(folder) }
        let arguments = ["--data-dir", TestEnvironment.mnistDirectory!, "--steps", "300", "--log-every", "100", "--run-dir", folder]
        let run = try runProduct("lesson07-residual-blocks", arguments)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        var lines = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("trained 300 steps in ") }.count == 3)
        #expect(lines.contains { $0.hasPrefix("network ") && $0.contains("training loss") })       // the table's header
        // The run folder is named last; its metrics hold one series per network.
        #expect(lines.last?.hasPrefix("run folder: \(folder) (") == true, "\(lines.last ?? "")")
        lines.removeLast()
        let metrics = (try? String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8)) ?? ""
        for name in ["shallow plain", "deep plain", "deep residual"] {
            #expect(metrics.contains("\n\(name),300,"), "no step-300 row for \(name) in metrics.csv")
        }
        #expect(FileManager.default.fileExists(atPath: folder + "/curves.svg"))
        let results = lines.suffix(3).compactMap(Result.init)
        try #require(results.count == 3, "last lines: \(lines.suffix(3))")
        let (shallow, plain, residual) = (results[0], results[1], results[2])
        #expect(shallow.name == "shallow plain" && !shallow.shortcuts && shallow.depth == 8)
        #expect(plain.name == "deep plain" && !plain.shortcuts && residual.name == "deep residual" && residual.shortcuts)
        #expect(plain.depth == residual.depth && plain.depth > shallow.depth)
        // The degradation problem, on the training set: depth alone makes the plain network worse.
        #expect(plain.trainingLoss > shallow.trainingLoss, "\(lines.suffix(3))")
        // Identity shortcuts fix it.
        #expect(residual.trainingLoss < plain.trainingLoss, "\(lines.suffix(3))")
        #expect(residual.trainingAccuracy > 0.9, "\(lines.suffix(3))")
    }
}

/// Lesson 07's own flags, refused with a one-line reason (no data needed).
@Suite("Lesson 07 command line")
struct Lesson07CommandLineTests {
    @Test(arguments: [(["--depth", "21"], "--depth expects one of 8, 14, 20"), (["--nets", "some"], "--nets expects one of all, plain, residual"),
                      (["--width", "0"], "--width expects a whole number from 1 to 256")])
    func badFlagsAreRefused(arguments: [String], message: String) throws {
        let run = try runProduct("lesson07-residual-blocks", arguments)
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("lesson07-residual-blocks: \(message)"), "\(run.standardError)")
    }
}
