import Foundation
import Testing
@testable import Engine

@Suite("Gzip and inflate")
struct GzipTests {
    /// "bbadabaab…" compressed by zlib 1.2 (Python's zlib.compressobj(9, DEFLATED, -15)): a dynamic-Huffman block.
    static let dynamicText = Array("bbadabaababacaabaaabacaadaacdbdbaabbcaabadbbbdabcd".utf8)
    static let dynamicDeflate: [UInt8] = [
        0x25, 0x8a, 0x81, 0x09, 0x00, 0x30, 0x0c, 0xc2, 0x6e, 0x4d, 0xf4, 0xff, 0x1b, 0xd6, 0x76, 0x20, 0x18, 0x8c,
        0x4a, 0x91, 0x89, 0x64, 0x8b, 0x0f, 0x85, 0xd4, 0xae, 0xf1, 0xf6, 0xaa, 0xf3, 0x4c, 0x1f]
    /// "aaaaabbbbbccccc" × 4 as `gzip.compress(…, mtime=0)` writes it (a fixed-Huffman block).
    static let gzipFile: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0x4c, 0x04, 0x82, 0x24, 0x10, 0x48, 0x06,
        0x81, 0x44, 0x52, 0xb8, 0x00, 0x97, 0x5c, 0x3a, 0x1d, 0x3c, 0x00, 0x00, 0x00]

    static func failure(_ body: () throws(DecodeFailure) -> [UInt8]) -> String? {
        do { _ = try body(); return nil } catch { return error.reason }
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xcbf4_3926)
        #expect(CRC32.checksum([]) == 0)
        // Slicing-by-8 agrees with the byte-at-a-time definition at every length around a multiple of 8.
        var rng = RandomSource(seed: 3)
        let data = (0..<67).map { _ in UInt8(rng.integer(below: 256)) }
        for n in 0...data.count {
            var crc: UInt32 = 0xffff_ffff
            for byte in data[..<n] {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xedb8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            #expect(CRC32.checksum(Array(data[..<n])) == ~crc)
        }
    }

    @Test func decodesZlibOutput() throws {
        #expect(try inflateRaw(Self.dynamicDeflate) == Self.dynamicText)
        let expected = Array(String(repeating: "aaaaabbbbbccccc", count: 4).utf8)
        #expect(try Gzip.decompress(Self.gzipFile) == expected)
    }

    @Test func storedBlocks() throws {
        var rng = RandomSource(seed: 7)
        let data = (0..<70_000).map { _ in UInt8(rng.integer(below: 256)) }
        #expect(try inflateRaw(DeflateEncoder.stored(data)) == data)              // two blocks
        #expect(try inflateRaw(DeflateEncoder.stored(data, blockSize: 1000)) == data)
        #expect(try inflateRaw(DeflateEncoder.stored([])) == [])
    }

    /// Round trips through the test encoder: literals, short and long matches, overlapping copies
    /// (distance < length), distance 1 runs, and every length and distance code.
    @Test(arguments: [1, 2, 3, 4])
    func fixedHuffmanRoundTrips(seed: UInt64) throws {
        var rng = RandomSource(seed: seed)
        var data: [UInt8] = []
        while data.count < 40_000 {
            switch rng.integer(below: 4) {
            case 0: data += (0..<rng.integer(below: 20)).map { _ in UInt8(rng.integer(below: 256)) }
            case 1: data += [UInt8](repeating: UInt8(rng.integer(below: 256)), count: 3 + rng.integer(below: 300))
            case 2 where data.count > 0:   // copy an earlier stretch, possibly overlapping
                let distance = 1 + rng.integer(below: min(data.count, 32_768))
                for _ in 0..<(3 + rng.integer(below: 300)) { data.append(data[data.count - distance]) }
            default: data += Array("the quick brown fox ".utf8)
            }
        }
        let deflated = DeflateEncoder.fixed(data)
        #expect(try inflateRaw(deflated) == data)
        #expect(try Gzip.decompress(DeflateEncoder.gzip(deflated, of: data, name: "x.bin")) == data)
    }

    @Test func concatenatedMembersAndTrailingZeros() throws {
        let a = Array("first member, ".utf8), b = Array("second member".utf8)
        let file = DeflateEncoder.gzip(DeflateEncoder.fixed(a), of: a) + DeflateEncoder.gzip(DeflateEncoder.stored(b), of: b)
        #expect(try Gzip.decompress(file) == a + b)
        #expect(try Gzip.decompress(file + [0, 0, 0, 0]) == a + b)
    }

    @Test func optionalHeaderFields() throws {
        let data = Array("header fields".utf8)
        // FEXTRA (2 bytes of extra), FNAME, FCOMMENT, FHCRC.
        var header: [UInt8] = [0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3, 2, 0, 0xab, 0xcd]
        header += Array("name".utf8) + [0] + Array("comment".utf8) + [0]
        let headerCRC = CRC32.checksum(header) & 0xffff
        header += [UInt8(headerCRC & 0xff), UInt8(headerCRC >> 8)]
        let member = DeflateEncoder.gzip(DeflateEncoder.fixed(data), of: data)
        #expect(try Gzip.decompress(header + member[10...]) == data)
        var badHeaderCRC = header
        badHeaderCRC[badHeaderCRC.count - 1] ^= 1
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(badHeaderCRC + member[10...]) }?
            .contains("header CRC") == true)
    }

    @Test(.enabled(if: TestData.hasMNIST, TestData.noMNISTReason))
    func realMNISTFilesDecompressWithMatchingTrailers() throws {
        let labels = try TestData.mnistFile(.testLabels)
        // The CRC-32 and length in the trailer vouch for every byte.
        let decoded = try Gzip.decompress(labels)
        #expect(decoded.count == 10_008)
        #expect(Array(decoded[8..<18]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])   // the first ten test labels
    }

    // MARK: Corrupt input: every case is a thrown, named error.

    @Test func badHeader() {
        let good = Self.gzipFile
        var badMagic = good; badMagic[1] = 0x8c
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(badMagic) }?.contains("magic") == true)
        var badMethod = good; badMethod[2] = 7
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(badMethod) }?.contains("compression method 7") == true)
        var reservedFlags = good; reservedFlags[3] = 0x20
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(reservedFlags) }?.contains("reserved flag") == true)
        var unterminatedName = Array(good[..<10]); unterminatedName[3] = 0x08; unterminatedName += Array("abc".utf8)
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(unterminatedName) }?.contains("file name") == true)
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress([0x1f, 0x8b, 8]) }?.contains("truncated gzip header") == true)
    }

    @Test func reservedBlockType() {
        var w = BitWriter()
        w.write(1, bits: 1); w.write(3, bits: 2); w.write(0, bits: 13)
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(w.bytes) }?.contains("type 3") == true)
    }

    @Test func storedLengthComplementMismatch() {
        var stored = DeflateEncoder.stored(Array("hello".utf8))
        stored[3] ^= 0xff   // NLEN's low byte
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(stored) }?.contains("complement") == true)
    }

    @Test func distanceTooFarBack() {
        var w = BitWriter()
        w.write(1, bits: 1); w.write(1, bits: 2)
        DeflateEncoder.writeFixedSymbol(Int(UInt8(ascii: "a")), to: &w)
        DeflateEncoder.writeMatch(length: 5, distance: 2, to: &w)   // only 1 byte written so far
        DeflateEncoder.writeFixedSymbol(256, to: &w)
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(w.bytes) }?.contains("too far back") == true)
    }

    @Test func invalidLengthAndDistanceSymbols() {
        var w = BitWriter()
        w.write(1, bits: 1); w.write(1, bits: 2)
        DeflateEncoder.writeFixedSymbol(286, to: &w)   // in the fixed code, but never valid
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(w.bytes) }?.contains("length symbol 286") == true)
        var d = BitWriter()
        d.write(1, bits: 1); d.write(1, bits: 2)
        DeflateEncoder.writeFixedSymbol(65, to: &d)
        DeflateEncoder.writeFixedSymbol(257, to: &d)
        d.writeCode(30, length: 5)                    // distance symbol 30: never valid
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(d.bytes) }?.contains("distance symbol 30") == true)
    }

    @Test func badHuffmanCodes() {
        // A dynamic block whose code-length code gives 19 symbols length 1: over-subscribed.
        var w = BitWriter()
        w.write(1, bits: 1); w.write(2, bits: 2)
        w.write(0, bits: 5); w.write(0, bits: 5); w.write(15, bits: 4)
        for _ in 0..<19 { w.write(1, bits: 3) }
        w.write(0, bits: 16)
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(w.bytes) }?.contains("over-subscribed") == true)
        // Only one code-length code of length 2: incomplete.
        var v = BitWriter()
        v.write(1, bits: 1); v.write(2, bits: 2)
        v.write(0, bits: 5); v.write(0, bits: 5); v.write(0, bits: 4)
        v.write(2, bits: 3); v.write(0, bits: 3); v.write(0, bits: 3); v.write(0, bits: 3)
        v.write(0, bits: 16)
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(v.bytes) }?.contains("incomplete") == true)
        // Flipping bits of the dynamic block's header trips the Huffman checks (or the trailer's CRC).
        var rejected = 0
        for bit in 3..<80 {
            var corrupt = Self.dynamicDeflate
            corrupt[bit / 8] ^= UInt8(1 << (bit % 8))
            let member = DeflateEncoder.gzip(corrupt, of: Self.dynamicText)
            if Self.failure({ () throws(DecodeFailure) in try Gzip.decompress(member) }) != nil { rejected += 1 }
        }
        #expect(rejected == 77)
    }

    @Test func crcAndLengthMismatches() {
        let data = Array("checked by the trailer".utf8)
        let deflated = DeflateEncoder.fixed(data)
        let badCRC = DeflateEncoder.gzip(deflated, of: data, crc: CRC32.checksum(data) ^ 1)
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(badCRC) }?.contains("CRC-32 mismatch") == true)
        let badSize = DeflateEncoder.gzip(deflated, of: data, size: UInt32(data.count + 1))
        #expect(Self.failure { () throws(DecodeFailure) in try Gzip.decompress(badSize) }?.contains("length mismatch") == true)
    }

    /// Every prefix of a valid file is rejected as truncated (or a bad header), never decoded or crashed on.
    @Test func everyTruncationIsRejected() {
        var rng = RandomSource(seed: 11)
        let data = (0..<600).map { _ in UInt8(rng.integer(below: 4)) }
        for deflated in [DeflateEncoder.fixed(data), DeflateEncoder.stored(data, blockSize: 100), Self.dynamicDeflate] {
            let original = deflated == Self.dynamicDeflate ? Self.dynamicText : data
            let file = DeflateEncoder.gzip(deflated, of: original)
            for n in 0..<file.count {
                let reason = Self.failure { () throws(DecodeFailure) in try Gzip.decompress(Array(file[..<n])) }
                #expect(reason?.contains("truncated") == true, "prefix of \(n) bytes: \(reason ?? "accepted")")
            }
        }
    }

    @Test func outputLimit() {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        let deflated = DeflateEncoder.fixed(zeros)
        #expect(Self.failure { () throws(DecodeFailure) in try inflateRaw(deflated, limit: 50_000) }?.contains("limit") == true)
    }
}
