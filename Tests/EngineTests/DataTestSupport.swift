import Foundation
import Testing
@testable import Engine

// Helpers shared by the data tests: where the real MNIST lives, temporary folders, and a tiny
// DEFLATE *encoder* (stored and fixed-Huffman blocks) so tests can build exact, hand-corrupted streams.

enum TestData {
    /// The package root, derived from this file's path (Tests/EngineTests/DataTestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The real MNIST folder: $DLFS_DATA_DIR, else <package root>/../shared/data/mnist, if it holds the files.
    static let mnistDirectory: String? = {
        var candidates: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["DLFS_DATA_DIR"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        candidates.append(URL(fileURLWithPath: packageRoot).appendingPathComponent("../shared/data/mnist").standardized.path)
        return candidates.first { directory in IDXFile.allCases.allSatisfy { Datasets.locate($0, in: directory) != nil } }
    }()

    static let hasMNIST = mnistDirectory != nil
    static let noMNISTReason: Comment = "real MNIST not found: set DLFS_DATA_DIR or put it in <package root>/../shared/data/mnist"

    /// The bytes of a file of the real MNIST folder as stored (e.g. still gzip-compressed).
    static func mnistFile(_ file: IDXFile) throws -> [UInt8] {
        let path = try #require(mnistDirectory.flatMap { Datasets.locate(file, in: $0) })
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A fresh, empty temporary folder; removed by `removeTemporaryDirectory`.
    static func makeTemporaryDirectory(_ label: String = "dlfs-test") throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Every regular file below `directory`, as paths relative to it, sorted.
    static func files(in directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { Datasets.isRegularFile((directory as NSString).appendingPathComponent($0)) }.sorted()
    }
}

// MARK: - IDX and gzip builders

enum IDXBuilder {
    /// An IDX file of unsigned bytes with the given dimensions and data.
    static func file(dimensions: [Int], data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { bytes += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return bytes + data
    }

    static func images(count: Int, rows: Int = 28, columns: Int = 28, seed: UInt64 = 1) -> [UInt8] {
        var rng = RandomSource(seed: seed)
        return file(dimensions: [count, rows, columns],
                    data: (0..<(count * rows * columns)).map { _ in UInt8(rng.integer(below: 256)) })
    }

    static func labels(count: Int, classes: Int = 10) -> [UInt8] {
        file(dimensions: [count], data: (0..<count).map { UInt8($0 % classes) })
    }
}

/// Writes DEFLATE's bit stream: least significant bit first.
struct BitWriter {
    var bytes: [UInt8] = []
    var bitCount = 0

    /// `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func write(_ value: Int, bits count: Int) {
        for i in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if value >> i & 1 != 0 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    /// A Huffman code: most significant bit first.
    mutating func writeCode(_ code: Int, length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { write(code >> i & 1, bits: 1) }
    }

    mutating func alignToByte() { while bitCount % 8 != 0 { write(0, bits: 1) } }
}

/// A small DEFLATE encoder for tests: stored blocks and fixed-Huffman blocks with greedy LZ77 matching.
enum DeflateEncoder {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                             131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                               1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
                                12, 13, 13]

    /// The fixed literal/length code of symbol `s` (RFC 1951 §3.2.6).
    static func writeFixedSymbol(_ s: Int, to w: inout BitWriter) {
        switch s {
        case 0...143: w.writeCode(0x30 + s, length: 8)
        case 144...255: w.writeCode(0x190 + s - 144, length: 9)
        case 256...279: w.writeCode(s - 256, length: 7)
        default: w.writeCode(0xc0 + s - 280, length: 8)
        }
    }

    static func writeMatch(length: Int, distance: Int, to w: inout BitWriter) {
        let li = lengthBase.lastIndex { $0 <= length }!
        writeFixedSymbol(257 + li, to: &w)
        w.write(length - lengthBase[li], bits: lengthExtra[li])
        let di = distanceBase.lastIndex { $0 <= distance }!
        w.writeCode(di, length: 5)
        w.write(distance - distanceBase[di], bits: distanceExtra[di])
    }

    /// One final fixed-Huffman block; `window` bounds how far back matches look.
    static func fixed(_ data: [UInt8], window: Int = 32_768, final: Bool = true) -> [UInt8] {
        var w = BitWriter()
        writeFixedBlock(data, window: window, final: final, to: &w)
        return w.bytes
    }

    static func writeFixedBlock(_ data: [UInt8], window: Int = 32_768, final: Bool, to w: inout BitWriter) {
        w.write(final ? 1 : 0, bits: 1)
        w.write(1, bits: 2)
        var i = 0
        while i < data.count {
            var bestLength = 0, bestDistance = 0
            let maxLength = min(258, data.count - i)
            if maxLength >= 3 && i > 0 {
                for distance in 1...min(i, window) {
                    var length = 0
                    while length < maxLength && data[i - distance + length] == data[i + length] { length += 1 }
                    if length > bestLength { bestLength = length; bestDistance = distance }
                    if length == maxLength { break }
                }
            }
            if bestLength >= 3 {
                writeMatch(length: bestLength, distance: bestDistance, to: &w)
                i += bestLength
            } else {
                writeFixedSymbol(Int(data[i]), to: &w)
                i += 1
            }
        }
        writeFixedSymbol(256, to: &w)
    }

    /// Stored blocks of at most `blockSize` bytes.
    static func stored(_ data: [UInt8], blockSize: Int = 65_535) -> [UInt8] {
        var w = BitWriter()
        var start = 0
        repeat {
            let end = min(data.count, start + blockSize)
            w.write(end == data.count ? 1 : 0, bits: 1)
            w.write(0, bits: 2)
            w.alignToByte()
            let n = end - start
            w.write(n, bits: 16)
            w.write(n ^ 0xffff, bits: 16)
            w.bytes += data[start..<end]
            w.bitCount += 8 * n
            start = end
        } while start < data.count
        return w.bytes
    }

    /// Wraps raw DEFLATE data in a gzip member: header, data, CRC-32, length.
    static func gzip(_ deflated: [UInt8], of original: [UInt8], name: String? = nil, crc: UInt32? = nil,
                     size: UInt32? = nil) -> [UInt8] {
        var bytes: [UInt8] = [0x1f, 0x8b, 8, name == nil ? 0 : 0x08, 0, 0, 0, 0, 0, 3]
        if let name { bytes += Array(name.utf8) + [0] }
        bytes += deflated
        let c = crc ?? CRC32.checksum(original)
        let s = size ?? UInt32(truncatingIfNeeded: original.count)
        for v in [c, s] { bytes += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        return bytes
    }
}
