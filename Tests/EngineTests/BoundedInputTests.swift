import Foundation
import Testing
@testable import Engine

/// Hostile or unlucky inputs cost bounded memory: a file of a known dataset is never inflated one
/// byte past its known size, whatever its gzip stream claims.
@Suite("Bounded reading of hostile files")
struct BoundedInputTests {
    static func failure(_ body: () throws(DecodeFailure) -> [UInt8]) -> String? {
        do { _ = try body(); return nil } catch { return error.reason }
    }

    @Test func gzipStopsAtTheExpectedSize() throws {
        let zeros = [UInt8](repeating: 0, count: 300_000)
        let bomb = DeflateEncoder.gzip(DeflateEncoder.fixed(zeros), of: zeros)   // ~1 kB that inflates 300×
        #expect(bomb.count < 20_000)
        let reason = Self.failure { () throws(DecodeFailure) in try Gzip.decompress(bomb, expectedSize: 100_000) }
        #expect(reason == "decompresses to more than the expected 100000 bytes")
        // The exact size, or more room than needed, decodes as before.
        #expect(try Gzip.decompress(bomb, expectedSize: 300_000) == zeros)
        #expect(try Gzip.decompress(bomb, expectedSize: 400_000) == zeros)
    }

    @Test func theKnownSizesAreTheRealFiles() throws {
        guard let directory = TestData.mnistDirectory else { return }
        for file in IDXFile.allCases {
            let path = try #require(Datasets.locate(file, in: directory))
            #expect(try IDX.contents(of: path).count == file.decompressedSize, "\(file)")
        }
    }

    /// A gzip "bomb" in place of a --data-dir file: refused, naming the file and the bound, without
    /// inflating the stream's gigabytes (this one gives 60 MB for every file, the largest being 47 MB).
    @Test func dataDirectoryBombIsRefusedAtItsKnownSize() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let zeros = [UInt8](repeating: 0, count: 60_000_000)
        let bomb = DeflateEncoder.gzip(DeflateEncoder.fixed(zeros), of: zeros)
        for file in IDXFile.allCases {
            try TestData.write(bomb, to: "\(folder)/\(file.rawValue).gz")
        }
        let error = #expect(throws: DataError.self) { try Datasets.load(.mnist, directory: folder) }
        let message = error?.message ?? ""
        #expect(message.contains(".gz: decompresses to more than the expected "), "\(message)")
    }

    /// The memory bound, measured: a lesson given a 1.2 GB gzip bomb in place of the training images
    /// runs within a 400 MB address-space limit (`ulimit -v`) and ends with the one-line error. Without
    /// the bound, inflating the bomb alone needs three times that limit. (Linux: `ulimit -v` is
    /// not enforced on macOS.)
    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func bombCostsNoMoreMemoryThanTheRealFile() throws {
        #if os(Linux)
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let zeros = [UInt8](repeating: 0, count: 60_000_000)
        let member = DeflateEncoder.gzip(DeflateEncoder.fixed(zeros), of: zeros)
        try TestData.write(Array([[UInt8]](repeating: member, count: 20).joined()), to: "\(folder)/train-images-idx3-ubyte.gz")
        for file in [IDXFile.trainLabels, .testImages, .testLabels] {
            try TestData.write(try TestData.mnistFile(file), to: "\(folder)/\(file.rawValue).gz")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 400000 && exec \"$0\" --data-dir \"$1\" --no-files",
                             try productURL("lesson01-linear-softmax").path, folder]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(message)")
        #expect(message == "lesson01-linear-softmax: \(folder)/train-images-idx3-ubyte.gz: decompresses to more than the expected 47040016 bytes\n")
        #endif
    }

    /// A raw file far larger than its content can be is refused before it is read.
    @Test func oversizedRawFileIsRefusedBeforeReading() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let path = "\(folder)/\(IDXFile.testLabels.rawValue)"
        try TestData.write([UInt8](repeating: 7, count: 200_000), to: path)
        let error = #expect(throws: DataError.self) {
            try IDX.contents(of: path, knownFile: .testLabels)
        }
        #expect(error?.message == "\(path): the file is 200000 bytes; its 10008 bytes of content take at most 75644, raw or compressed")
    }
}

/// Every value the parser accepts runs, or ends in a one-line error: never a trap or a backtrace.
@Suite("Accepted flags never trap")
struct AcceptedFlagTests {
    let defaults = LessonDefaults(steps: 1_000, batchSize: 100, learningRate: 0.5, logEvery: 100)

    /// 1e-50 is a fine Double and 0 as a Float: refused in the type the engine uses.
    @Test(arguments: ["1e-50", "1e-39"])
    func learningRateBelowFloatIsRefused(text: String) {
        #expect {
            try LessonOptions.parse(["--learning-rate", text], program: "p", defaults: defaults)
        } throws: { error in
            "\(error)".contains("--learning-rate \(Double(text)!) is too small for the engine's 32-bit Float")
        }
        #expect((try? LessonOptions.parse(["--learning-rate", "1e-30"], program: "p", defaults: defaults))?.learningRate == 1e-30)
    }

    @Test func batchMemoryEstimate() {
        let model = Models.tutorialCNN(seed: 1)
        // 0.42 MB per image estimated (0.41 measured): 4,000 images fit in 24 GB, 55,000 do not.
        let gigabytes24: UInt64 = 24 << 30
        #expect(batchMemoryProblem(model, inputShape: [784], batchSize: 4_000, memory: gigabytes24) == nil)
        let message = batchMemoryProblem(model, inputShape: [784], batchSize: 55_000, memory: gigabytes24) ?? ""
        #expect(message.hasPrefix("--batch-size 55000 needs about 23.1 GB of memory for this network (0.42 MB per image) and this machine has 25.8 GB"), "\(message)")
        #expect(message.hasSuffix("use at most --batch-size 45952"), "\(message)")
    }

    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func batchLargerThanTheTrainingSetIsAUsageError() throws {
        let result = try runProduct("lesson01-linear-softmax", ["--data-dir", TestData.mnistDirectory!, "--batch-size", "60000"])
        #expect(result.status == 2)
        #expect(result.standardError == "lesson01-linear-softmax: --batch-size 60000 is more than the 55000 training images of mnist; use at most 55000\n")
        #expect(result.standardOutput.isEmpty)
    }

    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func batchTooLargeForMemoryIsAUsageError() throws {
        // 55,000 images of lesson 04's network need ~23 GB: more than three quarters of any machine
        // this runs on below 30 GB. Skipped in spirit on larger machines, where it would train.
        guard ProcessInfo.processInfo.physicalMemory < 30 << 30 else { return }
        let result = try runProduct("lesson04-convolutions", ["--data-dir", TestData.mnistDirectory!, "--batch-size", "55000", "--steps", "1"])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("lesson04-convolutions: --batch-size 55000 needs about "), "\(result.standardError)")
        #expect(!result.standardError.contains("Fatal error"))
    }
}
