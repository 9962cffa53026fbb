import Foundation
import Testing
@testable import Engine

/// `--save`, `--resume` and `--load` in lesson 04, each run in its own process.
@Suite("Checkpoint flags in lesson 04")
struct CheckpointLessonTests {
    let folder = temporaryFolder("checkpoint-lesson")
    var environment: [String: String] { [Datasets.cacheVariable: folder.appendingPathComponent("cache").path] }

    func run(_ arguments: [String]) throws -> ProcessResult {
        try runProduct("lesson04-convolutions", arguments, environment: environment)
    }

    /// 12 steps straight, and 6 steps saved then resumed in a new process for 6 more, write the same
    /// bytes: parameters, Adam's moments, the batch order and the dropout stream (SimpleCNN) all agree.
    @Test(.enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
    func resumeInANewProcessIsBitIdentical() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let common = ["--data-dir", TestEnvironment.mnistDirectory!, "--model", "simplecnn", "--batch-size", "16", "--log-every", "3"]
        let half = folder.appendingPathComponent("half.safetensors").path
        let resumed = folder.appendingPathComponent("resumed.safetensors").path
        let straight = folder.appendingPathComponent("straight.safetensors").path
        let first = try run(common + ["--steps", "6", "--save", half])
        #expect(first.status == 0, "stderr: \(first.standardError)")
        let second = try run(common + ["--steps", "12", "--resume", half, "--save", resumed])
        #expect(second.status == 0, "stderr: \(second.standardError)")
        #expect(second.standardOutput.contains("resuming \(half) at step 7 of 12"))
        let third = try run(common + ["--steps", "12", "--save", straight])
        #expect(third.status == 0, "stderr: \(third.standardError)")
        func after6(_ r: ProcessResult) -> [Substring] {   // steps 9 and 12, and the test accuracy
            r.standardOutput.split(separator: "\n").filter { ["step 9,", "step 12,", "test accuracy"].contains(where: $0.hasPrefix) }
        }
        #expect(after6(second).count == 3 && after6(second) == after6(third))
        let resumedBytes = try #require(FileManager.default.contents(atPath: resumed))
        #expect(resumedBytes == FileManager.default.contents(atPath: straight))
        #expect(resumedBytes != FileManager.default.contents(atPath: half))
        // The last --save is the lesson's latest model, for `swift run predict`.
        let record = try #require(FileManager.default.contents(atPath: LessonCheckpoints.latestRecord(program: "lesson04-convolutions", environment: environment)))
        #expect(String(decoding: record, as: UTF8.self) == URL(fileURLWithPath: straight).standardizedFileURL.path + "\n")
        // --load starts a new run from the weights.
        let loaded = try run(common + ["--steps", "1", "--load", resumed])
        #expect(loaded.status == 0 && loaded.standardOutput.contains("loaded the weights of \(resumed) (lesson04-convolutions simplecnn, step 12)"))

        let refusals: [([String], String)] = [
            (["--steps", "12", "--resume", resumed], "--resume \(resumed) is already at step 12; pass --steps larger than 12 to train further"),
            (["--steps", "20", "--resume", resumed, "--seed", "2"], "--resume \(resumed) was trained with --seed 1; this run has --seed 2: pass --seed 1 to continue it"),
            (["--epochs", "2", "--resume", resumed], "--resume continues a run up to --steps N; give --steps, not --epochs"),
        ]
        for (arguments, message) in refusals {
            let result = try run(common + arguments)
            #expect(result.status == 2 && result.standardError == "lesson04-convolutions: \(message)\n")
        }
        let wrongModel = try run(["--resume", resumed])
        #expect(wrongModel.standardError == "lesson04-convolutions: --resume \(resumed) holds the simplecnn model; this run builds tutorial (pass --model simplecnn?)\n")
    }

    /// Ctrl-C finishes the step, writes the checkpoint, says how to continue and exits 130; continuing
    /// for two more steps gives what an uninterrupted run of as many steps gives. Periodic checkpoints
    /// (--checkpoint-every) go to the same file along the way.
    @Test(.enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
    func ctrlCSavesACheckpointToContinueFrom() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let common = ["--data-dir", TestEnvironment.mnistDirectory!, "--model", "simplecnn", "--batch-size", "16", "--log-every", "1"]
        let path = folder.appendingPathComponent("run.safetensors").path
        let process = Process()
        process.executableURL = try productURL("lesson04-convolutions")
        process.arguments = common + ["--steps", "100000", "--save", path, "--checkpoint-every", "2"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("step 3, training accuracy") {   // past a periodic checkpoint
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(FileManager.default.fileExists(atPath: path))   // the periodic checkpoint of step 2
        process.interrupt()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let last = try #require(message.split(separator: "\n").last)
        let step = try #require(Int(last.split(separator: " ")[3].dropLast()), "\(message)")
        #expect(last == "interrupted after step \(step): saved \(path). Continue with the same command plus --resume \(path)")

        let straightPath = folder.appendingPathComponent("straight.safetensors").path
        let resumed = try run(common + ["--steps", String(step + 2), "--resume", path, "--save", path])
        let straight = try run(common + ["--steps", String(step + 2), "--save", straightPath])
        #expect(resumed.status == 0 && straight.status == 0, "\(resumed.standardError) \(straight.standardError)")
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: straightPath))
    }

    /// Bad flags and files: one line, before any data is loaded.
    @Test func badFilesAndFlagsGetOneLine() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let notSafetensors = folder.appendingPathComponent("digit.png").path
        _ = FileManager.default.createFile(atPath: notSafetensors, contents: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]))
        let cases: [([String], Int32, String)] = [
            (["--resume", "/nonexistent/run.safetensors"], 1, "--resume /nonexistent/run.safetensors does not exist"),
            (["--load", folder.path], 1, "--load \(folder.path) is a folder, not a safetensors file"),
            (["--load", notSafetensors], 1, "--load \(notSafetensors): not a safetensors file: the first 8 bytes give a header of 727905341920923785 bytes (the format allows at most 100000000)"),
            (["--save", "/nonexistent/m.safetensors"], 2, "--save /nonexistent/m.safetensors: the folder /nonexistent does not exist"),
            (["--load", notSafetensors, "--resume", notSafetensors], 2, "--resume continues a run and --load starts a new one from saved weights; give one of them"),
        ]
        for (arguments, status, message) in cases {
            let result = try run(arguments)
            #expect(result.status == status, "\(arguments)")
            #expect(result.standardError == "lesson04-convolutions: \(message)\n")
        }
    }
}
