import Foundation
import Testing
@testable import Engine

@Suite("Data loading")
struct DataLoadingTests {
    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func realMNISTSplits() throws {
        let mnist = try Datasets.read(.mnist, from: TestData.mnistDirectory!)
        #expect(mnist.train.count == 55_000)
        #expect(mnist.validation.count == 5_000)
        #expect(mnist.test.count == 10_000)
        #expect(mnist.train.pixels.count == 55_000 * 784)
        #expect(mnist.train.rows == 28 && mnist.train.columns == 28)
        // Well-known MNIST facts: the first training label is 5, the first test labels 7 2 1 0 4.
        #expect(mnist.train.labels[0] == 5)
        #expect(Array(mnist.test.labels[..<5]) == [7, 2, 1, 0, 4])
        // Validation is the last 5,000 of the training file: compare with the file itself.
        let labelFile = try IDX.contents(of: Datasets.locate(.trainLabels, in: TestData.mnistDirectory!)!)
        #expect(mnist.validation.labels == Array(labelFile[(8 + 55_000)...]))
        #expect(mnist.train.labels == Array(labelFile[8..<(8 + 55_000)]))
        // Every digit appears in every split.
        for set in [mnist.train, mnist.validation, mnist.test] { #expect(Set(set.labels) == Set(0...9)) }
    }

    /// Raw and .gz files mix freely in a folder.
    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func rawAndCompressedFilesInOneFolder() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        for file in IDXFile.allCases {
            let source = Datasets.locate(file, in: TestData.mnistDirectory!)!
            if file == .testLabels || file == .testImages {
                try TestData.write(try IDX.contents(of: source), to: "\(folder)/\(file.rawValue)")
            } else {
                try FileManager.default.copyItem(atPath: source, toPath: "\(folder)/\(file.rawValue).gz")
            }
        }
        let mnist = try Datasets.read(.mnist, from: folder)
        #expect(mnist.test.count == 10_000 && mnist.train.count == 55_000)
    }

    @Test func missingFolderAndFilesAreNamed() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let absent = "\(folder)/nowhere"
        let noFolder = #expect(throws: DataError.self) { try Datasets.read(.mnist, from: absent) }
        #expect(noFolder?.message.contains(absent) == true)

        try TestData.write(IDXBuilder.labels(count: 6_000), to: "\(folder)/train-labels-idx1-ubyte")
        let noFiles = #expect(throws: DataError.self) { try Datasets.read(.mnist, from: folder) }
        #expect(noFiles?.message.contains("lacks train-images-idx3-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte") == true)
    }

    /// A folder of small synthetic IDX files: split sizes follow the training file's size, and a
    /// corrupt file anywhere is reported with its path.
    @Test func smallFolderSplitsAndCorruptFiles() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let trainImages = IDXBuilder.images(count: 5_100, seed: 1)
        try TestData.write(trainImages, to: "\(folder)/train-images-idx3-ubyte")
        try TestData.write(IDXBuilder.labels(count: 5_100), to: "\(folder)/train-labels-idx1-ubyte")
        let testImages = IDXBuilder.images(count: 20, seed: 2)
        try TestData.write(DeflateEncoder.gzip(DeflateEncoder.stored(testImages), of: testImages),
                           to: "\(folder)/t10k-images-idx3-ubyte.gz")
        try TestData.write(IDXBuilder.labels(count: 20), to: "\(folder)/t10k-labels-idx1-ubyte")

        let data = try Datasets.read(.mnist, from: folder)
        #expect(data.train.count == 100 && data.validation.count == 5_000 && data.test.count == 20)
        #expect(data.test.pixels == Array(testImages[16...]))

        // Corrupt the .gz file's CRC: the error names that file.
        var corrupt = DeflateEncoder.gzip(DeflateEncoder.stored(testImages), of: testImages)
        corrupt[corrupt.count - 6] ^= 1
        try TestData.write(corrupt, to: "\(folder)/t10k-images-idx3-ubyte.gz")
        let crc = #expect(throws: DataError.self) { try Datasets.read(.mnist, from: folder) }
        #expect(crc?.message.hasPrefix("\(folder)/t10k-images-idx3-ubyte.gz: corrupt gzip data: CRC-32 mismatch") == true)

        // Too few training images to hold out 5,000 for validation.
        try TestData.write(DeflateEncoder.gzip(DeflateEncoder.stored(testImages), of: testImages),
                           to: "\(folder)/t10k-images-idx3-ubyte.gz")
        try TestData.write(IDXBuilder.images(count: 5_000), to: "\(folder)/train-images-idx3-ubyte")
        try TestData.write(IDXBuilder.labels(count: 5_000), to: "\(folder)/train-labels-idx1-ubyte")
        let small = #expect(throws: DataError.self) { try Datasets.read(.mnist, from: folder) }
        #expect(small?.message.contains("more than 5000 are needed") == true)
    }
}
