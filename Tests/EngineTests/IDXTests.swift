import Foundation
import Testing
@testable import Engine

@Suite("IDX files")
struct IDXTests {
    static func reason(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func parsesImagesAndLabels() throws {
        let images = IDXBuilder.images(count: 3, rows: 28, columns: 28)
        let labels = IDXBuilder.labels(count: 3)
        let set = try IDX.readImageSet(images: (images, "img"), labels: (labels, "lab"))
        #expect(set.count == 3)
        #expect(set.pixels == Array(images[16...]))
        #expect(set.labels == [0, 1, 2])
    }

    @Test func wrongMagicNumber() {
        var images = IDXBuilder.images(count: 2)
        images[0] = 0x1f
        let message = Self.reason { _ = try IDX.readImages(images, file: "train-images-idx3-ubyte") }
        #expect(message?.hasPrefix("train-images-idx3-ubyte: not an IDX file: magic number 1f000803") == true)
        var wrongType = IDXBuilder.labels(count: 2)
        wrongType[2] = 0x0d   // float
        #expect(Self.reason { _ = try IDX.readLabels(wrongType, file: "l") }?.contains("element type 0d") == true)
        #expect(Self.reason { _ = try IDX.readLabels([0, 0], file: "l") }?.contains("shorter than the 4-byte magic") == true)
    }

    @Test func truncatedHeaderAndData() {
        let images = IDXBuilder.images(count: 2)
        let short = Self.reason { _ = try IDX.readImages(Array(images.dropLast(1)), file: "f") }
        #expect(short == "f: truncated IDX data: the header promises 2×28×28 = 1568 bytes of data, the file has 1567")
        #expect(Self.reason { _ = try IDX.readImages(Array(images[..<9]), file: "f") }?.contains("truncated IDX header") == true)
        #expect(Self.reason { _ = try IDX.readImages(images + [0], file: "f") }?.contains("1 unexpected bytes after") == true)
        // Every prefix of a small file is rejected.
        for n in 0..<images.count {
            #expect(Self.reason { _ = try IDX.readImages(Array(images[..<n]), file: "f") } != nil)
        }
    }

    @Test func wrongDimensions() {
        let labels = IDXBuilder.labels(count: 2)
        let asImages = Self.reason { _ = try IDX.readImages(labels, file: "img") }
        #expect(asImages == "img: wrong dimensions: an image file has 3 (count, rows, columns), this one has 1 (2)")
        #expect(Self.reason { _ = try IDX.readLabels(IDXBuilder.images(count: 1), file: "lab") }?.contains("wrong dimensions") == true)
        let small = IDXBuilder.images(count: 2, rows: 27, columns: 28)
        let message = Self.reason { _ = try IDX.readImageSet(images: (small, "img"), labels: (labels, "lab")) }
        #expect(message == "img: wrong dimensions: images are 27×28, expected 28×28")
        // Dimensions whose product overflows are refused before any allocation.
        let huge = IDXBuilder.file(dimensions: [0xffff_ffff, 0xffff_ffff, 0xffff_ffff], data: [])
        #expect(Self.reason { _ = try IDX.readImages(huge, file: "img") }?.contains("impossibly large") == true)
    }

    @Test func countsThatDisagree() {
        let message = Self.reason {
            _ = try IDX.readImageSet(images: (IDXBuilder.images(count: 3), "img"), labels: (IDXBuilder.labels(count: 4), "lab"))
        }
        #expect(message == "img holds 3 images but lab holds 4 labels; they must agree")
    }

    @Test func labelOutOfRange() {
        let labels = IDXBuilder.file(dimensions: [2], data: [3, 10])
        let message = Self.reason { _ = try IDX.readImageSet(images: (IDXBuilder.images(count: 2), "img"), labels: (labels, "lab")) }
        #expect(message == "lab: label 10 at index 1 is not a class from 0 to 9")
    }

    @Test func gzipNamedFileMustBeGzip() throws {
        let plain = IDXBuilder.labels(count: 5)
        #expect(try IDX.decompressedIfNeeded(plain, file: "labels") == plain)
        #expect(Self.reason { _ = try IDX.decompressedIfNeeded(plain, file: "labels.gz") }?.contains("1f 8b") == true)
        let gz = DeflateEncoder.gzip(DeflateEncoder.fixed(plain), of: plain)
        #expect(try IDX.decompressedIfNeeded(gz, file: "labels.gz") == plain)
        var corrupt = gz
        corrupt[corrupt.count - 5] ^= 0x40   // the CRC
        #expect(Self.reason { _ = try IDX.decompressedIfNeeded(corrupt, file: "x/labels.gz") }?
            .hasPrefix("x/labels.gz: corrupt gzip data: CRC-32 mismatch") == true)
    }
}
