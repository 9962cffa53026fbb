// PLACEHOLDER: the data helper replaces this file with IDX + gzip reading, locating, downloading.

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

/// Finds, reads and splits a dataset.
public enum Datasets {
    /// Loads `name`: from `directory` when given, else (later) the cache, a download, or the
    /// built-in fallback. `report` receives human-readable progress lines.
    public static func load(_ name: DatasetName, directory: String?, mirror: String? = nil,
                            report: (String) -> Void = { _ in }) throws -> DatasetSplits {
        throw DataError("dataset loading is not written yet")
    }
}
