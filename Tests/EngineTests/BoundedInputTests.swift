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

    /// A raw file far larger than its content can be is refused before it is read.
    @Test func oversizedRawFileIsRefusedBeforeReading() throws {
        let folder = try TestData.makeTemporaryDirectory()
        defer { TestData.remove(folder) }
        let path = "\(folder)/\(IDXFile.testLabels.rawValue)"
        try TestData.write([UInt8](repeating: 7, count: 200_000), to: path)
        let error = #expect(throws: DataError.self) {
            try IDX.contents(of: path, expectedSize: IDXFile.testLabels.decompressedSize)
        }
        #expect(error?.message == "\(path): the file is 200000 bytes, more than the expected 10008 bytes of its content (raw or compressed)")
    }
}
