import Foundation
import Testing
@testable import Engine

/// A tiny PNG writer for the tests: rows of raw sample bytes, filtered with the given filter type
/// (written here independently of the reader's unfiltering), in stored (uncompressed) DEFLATE blocks.
enum TestPNG {
    static func encode(width: Int, height: Int, color: UInt8, depth: UInt8, rows: [[UInt8]], filter: UInt8 = 0,
                       interlace: UInt8 = 0, extraChunks: [(String, [UInt8])] = [], bytesPerPixel: Int = 1,
                       corruptAdler: Bool = false) -> [UInt8] {
        var raw: [UInt8] = []
        for (y, row) in rows.enumerated() {
            let up = y > 0 ? rows[y - 1] : [UInt8](repeating: 0, count: row.count)
            raw.append(filter)
            for i in row.indices {
                let a = i >= bytesPerPixel ? Int(row[i - bytesPerPixel]) : 0, b = Int(up[i])
                let c = i >= bytesPerPixel ? Int(up[i - bytesPerPixel]) : 0
                let p = a + b - c
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : (abs(p - b) <= abs(p - c) ? b : c)
                let predictor = [0, a, b, (a + b) / 2, paeth][Int(filter)]
                raw.append(UInt8(truncatingIfNeeded: Int(row[i]) - predictor))
            }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {   // stored blocks of at most 65,535 bytes: a header byte, LEN, NLEN, the bytes
            let n = min(65_535, raw.count - start)
            zlib.append(start + n == raw.count ? 1 : 0)
            zlib += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            zlib += raw[start..<(start + n)]
            start += n
        } while start < raw.count
        zlib += bigEndian(Zlib.adler32(raw) ^ (corruptAdler ? 1 : 0))
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [depth, color, 0, 0, interlace]
        var png = PNG.signature + chunk("IHDR", ihdr)
        for (type, data) in extraChunks { png += chunk(type, data) }
        return png + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(CRC32.checksum(body))
    }

    static func bigEndian(_ x: UInt32) -> [UInt8] { [UInt8(x >> 24), UInt8((x >> 16) & 0xff), UInt8((x >> 8) & 0xff), UInt8(x & 0xff)] }
}

private func decodeError(_ bytes: [UInt8]) -> String {
    do { _ = try ImageFile.decode(bytes); return "(no error)" } catch { return error.message }
}

@Suite("PNG and PGM images")
struct ImageFileTests {
    /// A 5×3 grey gradient, the reference every encoding below must decode to.
    let grey: [[UInt8]] = (0..<3).map { y in (0..<5).map { x in UInt8(x * 50 + y * 10) } }
    var expected: [Float] { grey.flatMap { $0.map { Float($0) / 255 } } }

    @Test(arguments: [0, 1, 2, 3, 4] as [UInt8])
    func everyFilterDecodes(filter: UInt8) throws {
        let rgb = grey.map { $0.flatMap { [$0, $0, $0] } }
        let image = try ImageFile.decode(TestPNG.encode(width: 5, height: 3, color: 2, depth: 8, rows: rgb, filter: filter, bytesPerPixel: 3))
        #expect(image.width == 5 && image.height == 3)
        for (a, b) in zip(image.pixels, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func everyColourTypeAndDepth() throws {
        func decode(_ color: UInt8, _ depth: UInt8, _ rows: [[UInt8]], _ bpp: Int, chunks: [(String, [UInt8])] = []) throws -> [Float] {
            try ImageFile.decode(TestPNG.encode(width: 5, height: 3, color: color, depth: depth, rows: rows, filter: 4,
                                                extraChunks: chunks, bytesPerPixel: bpp)).pixels
        }
        func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= tolerance } }
        #expect(try decode(0, 8, grey, 1) == expected)
        #expect(close(try decode(0, 16, grey.map { $0.flatMap { [$0, $0] } }, 2), expected))         // v·257/65535 = v/255
        #expect(close(try decode(2, 16, grey.map { $0.flatMap { [$0, $0, $0, $0, $0, $0] } }, 6), expected))
        #expect(close(try decode(6, 8, grey.map { $0.flatMap { [$0, $0, $0, 255] } }, 4), expected))  // opaque
        #expect(close(try decode(6, 8, grey.map { $0.flatMap { [$0, $0, $0, 0] } }, 4), Array(repeating: 1, count: 15)))  // transparent: white paper
        #expect(close(try decode(4, 8, grey.map { $0.flatMap { [$0, 128] } }, 2), expected.map { 0.5 * $0 * 255 / 255 * (128 / 255 * 2) + (1 - 128 / 255) }, 1e-5))
        // 1-bit grey: 5 pixels in the top bits of one byte per row.
        #expect(try decode(0, 1, [[0b1010_1000], [0], [0b1111_1000]], 1) == [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        // 4-bit palette: entries 0 (black) and 1 (red), index 2 transparent.
        let palette: [(String, [UInt8])] = [("PLTE", [0, 0, 0, 255, 0, 0, 9, 9, 9]), ("tRNS", [255, 255, 0])]
        let indexed = try decode(3, 4, [[0x01, 0x20, 0x00], [0x11, 0x11, 0x10], [0x22, 0x22, 0x20]], 1, chunks: palette)
        #expect(close(indexed, [0, 0.299, 1, 0, 0] + Array(repeating: 0.299, count: 5) + Array(repeating: 1, count: 5)))
    }

    @Test func badImagesAreExplained() {
        let good = TestPNG.encode(width: 5, height: 3, color: 0, depth: 8, rows: grey)
        var badCRC = good
        badCRC[20] ^= 1   // inside IHDR
        #expect(decodeError(Array("hello, I am text".utf8)).hasPrefix("not a PNG or PGM image"))
        #expect(decodeError(badCRC).hasPrefix("the PNG's IHDR chunk fails its CRC check"))
        #expect(decodeError(TestPNG.encode(width: 5, height: 3, color: 0, depth: 8, rows: grey, corruptAdler: true))
            .hasPrefix("the image data fails its Adler-32 check"))
        #expect(decodeError(TestPNG.encode(width: 5, height: 3, color: 0, depth: 8, rows: grey, interlace: 1))
            == "the PNG is interlaced (Adam7), which this reader does not handle; save it again without interlacing")
        #expect(decodeError(TestPNG.encode(width: 0, height: 3, color: 0, depth: 8, rows: []))
            == "the image is 0×3 pixels: it has no pixels")
        #expect(decodeError(TestPNG.encode(width: 100_000, height: 100_000, color: 0, depth: 8, rows: [])).hasPrefix(
            "the image is 100000×100000 pixels, more than this reader takes (at most 20000 a side and 40 megapixels)"))
        #expect(decodeError(TestPNG.encode(width: 5, height: 4, color: 0, depth: 8, rows: grey))
            == "truncated PNG: the image data holds 18 bytes, 24 expected for 5×4")
        #expect(decodeError(TestPNG.encode(width: 5, height: 3, color: 2, depth: 4, rows: grey)) == "not a valid PNG: colour type 2 with bit depth 4")
        // Every truncation of a good file is an error, never a crash.
        for n in 0..<good.count { #expect(decodeError(Array(good[..<n])) != "(no error)", "prefix of \(n) bytes") }
    }

    @Test func pgmBinaryAndText() throws {
        let binary = Array("P5\n# a comment\n5 3\n255\n".utf8) + grey.flatMap { $0 }
        #expect(try ImageFile.decode(binary).pixels == expected)
        let text = "P2 5 3 255 " + grey.flatMap { $0 }.map(String.init).joined(separator: " ")
        #expect(try ImageFile.decode(Array(text.utf8)).pixels == expected)
        #expect(decodeError(Array(binary.dropLast(4))) == "truncated PGM: 11 bytes of pixels, 15 expected for 5×3")
        #expect(decodeError(Array("P5 5 3 0\n".utf8)) == "not a valid PGM: maximum value 0 (1 to 65535 allowed)")
    }

    @Test func zlibAdlerMatchesTheRFCExample() {
        #expect(Zlib.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Zlib.adler32([UInt8](repeating: 255, count: 100_000)) == { // the plain definition, summed without shortcuts
            var a = 1, b = 0
            for _ in 0..<100_000 { a = (a + 255) % 65521; b = (b + a) % 65521 }
            return UInt32(b << 16 | a)
        }())
    }
}

@Suite("Preparing a digit as MNIST was made")
struct DigitPreparationTests {
    /// A dark bar, 40 wide and 120 tall, at the left of a light 300×200 page.
    func page(barX: Int = 30) -> GreyImage {
        var pixels = [Float](repeating: 0.95, count: 300 * 200)
        for y in 40..<160 { for x in barX..<(barX + 40) { pixels[y * 300 + x] = 0.1 } }
        return GreyImage(width: 300, height: 200, pixels: pixels)
    }

    @Test func darkOnLightIsInvertedScaledAndCentred() throws {
        let field = try DigitPreparation.mnistStyle(page())
        let inked = field.indices.filter { field[$0] > 0.5 }
        let xs = inked.map { $0 % 28 }, ys = inked.map { $0 / 28 }
        #expect(ys.max()! - ys.min()! + 1 == 20)                        // the long side is 20 pixels
        #expect(xs.max()! - xs.min()! + 1 == 7)                         // 40 × 20/120 = 6.7, rounded: aspect kept
        let mass = field.reduce(0, +)
        let cx = field.indices.reduce(Float(0)) { $0 + field[$1] * Float($1 % 28) } / mass
        let cy = field.indices.reduce(Float(0)) { $0 + field[$1] * Float($1 / 28) } / mass
        #expect(abs(cx - 14) <= 0.5 && abs(cy - 14) <= 0.5)               // centre of mass in the middle
        #expect(field[0] == 0 && field.max()! == 1)                     // background 0, ink 1
        // Where the bar was on the page does not matter.
        #expect(try DigitPreparation.mnistStyle(page(barX: 200)) == field)
        // Light on dark gives the same.
        let inverted = page()
        #expect(try DigitPreparation.mnistStyle(GreyImage(width: 300, height: 200, pixels: inverted.pixels.map { 1 - $0 })) == field)
    }

    /// MNIST digits were made this way, so preparing one again (drawn dark on light) changes little.
    @Test(.enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
    func anMNISTDigitComesBackAlmostUnchanged() throws {
        let test = try Datasets.load(.mnist, directory: TestEnvironment.mnistDirectory!).test
        var similarities: [Float] = []
        for i in 0..<200 {
            let original = test.pixels[(i * 784)..<((i + 1) * 784)].map { Float($0) / 255 }
            let field = try DigitPreparation.mnistStyle(GreyImage(width: 28, height: 28, pixels: original.map { 1 - $0 }))
            let dot = zip(field, original).reduce(0) { $0 + $1.0 * $1.1 }
            similarities.append(dot / (field.reduce(0) { $0 + $1 * $1 } * original.reduce(0) { $0 + $1 * $1 }).squareRoot())
        }
        let mean = similarities.reduce(0, +) / Float(similarities.count)
        #expect(mean > 0.95, "mean cosine similarity \(mean), lowest \(similarities.min()!)")   // measured 0.971
    }

    @Test func aBlankPageIsRefused() {
        #expect(throws: ImageError("no digit found: the image is blank (every pixel within 0.00 of the paper); "
            + "draw a dark digit on light paper, or a light one on dark")) {
            try DigitPreparation.mnistStyle(GreyImage(width: 10, height: 10, pixels: Array(repeating: 1, count: 100)))
        }
    }
}
