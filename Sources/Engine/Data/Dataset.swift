import Foundation

/// The datasets a lesson can train on.
public enum DatasetName: String, CaseIterable, Sendable {
    case mnist
    case fashionMNIST = "fashion-mnist"
    case synthetic
}

/// A dataset split the way the 2017 TensorFlow tutorial split MNIST:
/// 55,000 training, 5,000 validation (the last 5,000 of the 60,000 training file), 10,000 test.
public struct DatasetSplits: Sendable {
    public let name: DatasetName
    public let train: ImageSet
    public let validation: ImageSet
    public let test: ImageSet
    /// Where the data came from, for the lesson's first line (a folder, the cache, a mirror, or "built-in").
    public let source: String

    public init(name: DatasetName, train: ImageSet, validation: ImageSet, test: ImageSet, source: String) {
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
        self.source = source
    }
}

/// Everything that can go wrong finding or reading data, with a message that names the file
/// and what was expected.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The four IDX files of MNIST and Fashion-MNIST. Each may be stored raw or gzip-compressed (.gz).
public enum IDXFile: String, CaseIterable, Sendable {
    case trainImages = "train-images-idx3-ubyte"
    case trainLabels = "train-labels-idx1-ubyte"
    case testImages = "t10k-images-idx3-ubyte"
    case testLabels = "t10k-labels-idx1-ubyte"

    /// The size of the decompressed file in MNIST and Fashion-MNIST (both have 60,000 + 10,000
    /// images of 28×28): a 16-byte header and one byte per pixel, or an 8-byte header and one byte
    /// per label. Reading stops at the first byte beyond it, so a "zip bomb" costs no more memory.
    public var decompressedSize: Int {
        switch self {
        case .trainImages: 16 + 60_000 * 28 * 28
        case .trainLabels: 8 + 60_000
        case .testImages: 16 + 10_000 * 28 * 28
        case .testLabels: 8 + 10_000
        }
    }

    /// The most bytes the stored file (raw, or gzip-compressed by any tool) can take: its content
    /// plus the overhead of gzip's worst case, stored blocks (5 bytes per 64 kB), and a generous
    /// header. A file or a download larger than this is refused before it fills memory or disk.
    public var largestStoredSize: Int { decompressedSize + decompressedSize / 100 + 65_536 }
}

/// Finds, reads and splits a dataset.
public enum Datasets {
    /// Images at the end of the training file held out for validation.
    public static let validationSize = 5_000

    /// The path of `file` in `directory`: the raw file if present, else the .gz, else nil.
    public static func locate(_ file: IDXFile, in directory: String) -> String? {
        let base = (directory as NSString).appendingPathComponent(file.rawValue)
        for candidate in [base, base + ".gz"] where isRegularFile(candidate) {
            return candidate
        }
        return nil
    }

    /// Reads the four IDX files of `name` from `directory` and splits them 55,000 / 5,000 / 10,000,
    /// without checking them against the known checksums (`load` does that).
    public static func read(_ name: DatasetName, from directory: String) throws -> DatasetSplits {
        try readFolder(name, directory, title: "MNIST-format") { (path, _) throws(DataError) in try IDX.contents(of: path) }
    }

    /// Reads a folder's four files concurrently through `contents` (which may also verify them) and splits them.
    static func readFolder(_ name: DatasetName, _ directory: String, title: String,
                           contents: @escaping @Sendable (String, IDXFile) throws(DataError) -> [UInt8]) throws -> DatasetSplits {
        var isFolder: ObjCBool = false
        let given = "(given by --data-dir or \(LessonOptions.dataDirectoryVariable))"
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) else {
            let loop = (try? FileManager.default.destinationOfSymbolicLink(atPath: directory)) != nil
            throw DataError("data folder \(directory) \(loop ? "is a symbolic link that leads nowhere (or in a loop)" : "does not exist") \(given)")
        }
        guard isFolder.boolValue else {
            throw DataError("data folder \(directory) is a file, not a folder \(given); name the folder that holds the four IDX files")
        }
        do {
            _ = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DataError("data folder \(directory) cannot be read (\(error.localizedDescription)) \(given)")
        }
        let missing = IDXFile.allCases.filter { locate($0, in: directory) == nil }
        guard missing.isEmpty else {
            throw DataError("data folder \(directory) lacks \(missing.map(\.rawValue).joined(separator: ", ")) "
                + "(raw or .gz); it must hold all four \(title) IDX files")
        }
        let paths = IDXFile.allCases.map { locate($0, in: directory)! }
        let results = concurrentMap(Array(zip(paths, IDXFile.allCases))) { (path, file) throws(DataError) in
            try contents(path, file)
        }
        var files: [IDXFile: [UInt8]] = [:]
        for (file, result) in zip(IDXFile.allCases, results) { files[file] = try result.get() }
        return try splits(name, files: files, paths: Dictionary(uniqueKeysWithValues: zip(IDXFile.allCases, paths)),
                          source: directory)
    }

    /// Builds the splits from the decompressed contents of the four files.
    static func splits(_ name: DatasetName, files: [IDXFile: [UInt8]], paths: [IDXFile: String],
                       source: String) throws(DataError) -> DatasetSplits {
        let training = try IDX.readImageSet(images: (files[.trainImages]!, paths[.trainImages]!),
                                            labels: (files[.trainLabels]!, paths[.trainLabels]!))
        let test = try IDX.readImageSet(images: (files[.testImages]!, paths[.testImages]!),
                                        labels: (files[.testLabels]!, paths[.testLabels]!))
        return try split(name, training: training, test: test, source: source,
                         trainingFile: paths[.trainImages]!)
    }

    /// Holds out the last 5,000 training images for validation.
    static func split(_ name: DatasetName, training: ImageSet, test: ImageSet, source: String,
                      trainingFile: String) throws(DataError) -> DatasetSplits {
        guard training.count > validationSize else {
            throw DataError("\(trainingFile): \(training.count) training images; more than \(validationSize) are "
                + "needed (the last \(validationSize) become the validation set)")
        }
        let cut = training.count - validationSize
        return DatasetSplits(name: name, train: training.subset(0..<cut),
                             validation: training.subset(cut..<training.count), test: test, source: source)
    }

    /// `body` applied to every item, two or more at a time; one result (or error) per item.
    static func concurrentMap<T>(_ items: [T], _ body: @escaping @Sendable (T) throws(DataError) -> [UInt8]) -> [Result<[UInt8], DataError>]
        where T: Sendable {
        let results = ConcurrentResults(items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let outcome = Result { () throws(DataError) in try body(items[i]) }
            results.lock.withLock { results.values[i] = outcome }
        }
        return results.values
    }

    static func isRegularFile(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
    }
}

/// Results written by concurrent workers; every access holds `lock`.
private final class ConcurrentResults: @unchecked Sendable {
    let lock = NSLock()
    var values: [Result<[UInt8], DataError>]
    init(_ n: Int) { values = Array(repeating: .success([]), count: n) }
}
