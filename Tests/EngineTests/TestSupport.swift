import Foundation
import Testing
@testable import Engine

/// Where the tests find things: the package root, the shared MNIST folder, the built lessons.
enum TestEnvironment {
    /// The package root, derived from this file's path (Tests/EngineTests/TestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Real MNIST for tests: $DLFS_DATA_DIR, else ../shared/data/mnist next to the package.
    /// nil when neither holds the training images.
    static let mnistDirectory: String? = {
        let fromEnvironment: String? = ProcessInfo.processInfo.environment[LessonOptions.dataDirectoryVariable]
        let shared: String = packageRoot.appendingPathComponent("../shared/data/mnist").standardized.path
        return [fromEnvironment, shared].compactMap { $0 }.first { (dir: String) -> Bool in
            ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"].contains {
                FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent($0))
            }
        }
    }()

    static let hasMNIST = mnistDirectory != nil
    static let noMNISTReason: Comment =
        "real MNIST not found: set DLFS_DATA_DIR to a folder with the four IDX files (CI passes ../shared/data/mnist)"
}

/// The result of running a built lesson executable.
struct ProcessResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs one of the package's executables (built next to the test bundle by `swift test`).
/// `currentDirectory`: where it runs (default: the test's own), e.g. an empty folder to see what it writes.
func runProduct(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                currentDirectory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = try productURL(name)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: LessonOptions.dataDirectoryVariable)
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
}

struct MissingProduct: Error, CustomStringConvertible {
    let description: String
}

func productURL(_ name: String) throws -> URL {
    // On Linux the tests run inside .build/<triple>/debug/…xctest, next to the executables;
    // on macOS the bundle is two levels deeper. Walk up from the test binary, then try .build/debug.
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<5 {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    for configuration in ["debug", "release"] {
        let candidate = TestEnvironment.packageRoot.appendingPathComponent(".build/\(configuration)/\(name)")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw MissingProduct(description: "executable \(name) not found; run `swift build` first")
}

/// A new empty folder under the system's temporary directory.
func makeTemporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
