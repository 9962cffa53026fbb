import Foundation

// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
//   bytes 0–1   zero
//   byte  2     element type: 0x08 = unsigned byte (the only type MNIST uses)
//   byte  3     number of dimensions, d
//   d × 4 bytes each dimension's size, big-endian
//   then the elements, row-major.
// Images are a 3-D array (count, rows, columns); labels a 1-D array (count).

/// A decoded IDX array of unsigned bytes.
struct IDXArray: Equatable {
    var dimensions: [Int]
    var bytes: [UInt8]
}

enum IDX {
    /// Parses the bytes of an (already decompressed) IDX file holding unsigned bytes.
    static func parse(_ data: [UInt8]) throws(DecodeFailure) -> IDXArray {
        guard data.count >= 4 else {
            throw DecodeFailure("not an IDX file: \(data.count) bytes, shorter than the 4-byte magic number")
        }
        guard data[0] == 0, data[1] == 0, data[3] >= 1 else {
            throw DecodeFailure("not an IDX file: magic number \(data[0..<4].map { hex($0) }.joined()), "
                + "expected 000008 followed by the number of dimensions (00000801 for labels, 00000803 for images)")
        }
        guard data[2] == 0x08 else {
            throw DecodeFailure("IDX element type \(hex(data[2])) is not supported; expected 08 (unsigned bytes)")
        }
        let dimensionCount = Int(data[3])
        let headerSize = 4 + 4 * dimensionCount
        guard data.count >= headerSize else {
            throw DecodeFailure("truncated IDX header: \(dimensionCount) dimensions need \(headerSize) bytes, "
                + "the file has \(data.count)")
        }
        var dimensions: [Int] = []
        var elementCount = 1
        for d in 0..<dimensionCount {
            let i = 4 + 4 * d
            let size = Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3])
            dimensions.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) * 4 else {
                throw DecodeFailure("IDX dimensions \(dimensions) are impossibly large")
            }
            elementCount = product
        }
        let available = data.count - headerSize
        guard available >= elementCount else {
            throw DecodeFailure("truncated IDX data: the header promises \(shape(dimensions)) = \(elementCount) bytes "
                + "of data, the file has \(available)")
        }
        guard available == elementCount else {
            throw DecodeFailure("\(available - elementCount) unexpected bytes after the \(elementCount) bytes of "
                + "\(shape(dimensions)) data")
        }
        return IDXArray(dimensions: dimensions, bytes: Array(data[headerSize...]))
    }

    static func shape(_ dimensions: [Int]) -> String {
        dimensions.map(String.init).joined(separator: "×")
    }

    /// The decompressed bytes of a file: gunzipped when it begins with gzip's magic bytes, as is otherwise.
    /// With `knownFile` (a file of a dataset the engine knows), a file that is or decompresses to
    /// more than its known size is refused as soon as that is known, before it can fill memory.
    static func contents(of path: String, knownFile: IDXFile? = nil) throws(DataError) -> [UInt8] {
        let expectedSize = knownFile?.decompressedSize
        if let file = knownFile, let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber,
           size.intValue > file.largestStoredSize {
            throw DataError("\(path): the file is \(size.intValue) bytes; its \(file.decompressedSize) bytes of content "
                + "take at most \(file.largestStoredSize), raw or compressed")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("\(path): cannot be read (missing, unreadable or a folder)")
        }
        let bytes = [UInt8](data)
        return try decompressedIfNeeded(bytes, file: path, expectedSize: expectedSize)
    }

    /// `bytes` gunzipped when they begin with gzip's magic bytes, as they are otherwise.
    static func decompressedIfNeeded(_ bytes: [UInt8], file: String, expectedSize: Int? = nil) throws(DataError) -> [UInt8] {
        if Gzip.hasGzipMagic(bytes) {
            do { return try Gzip.decompress(bytes, expectedSize: expectedSize) } catch { throw DataError("\(file): \(error.reason)") }
        }
        if file.hasSuffix(".gz") {
            throw DataError("\(file): bad gzip header: the file name ends in .gz but it does not start with "
                + "the gzip magic bytes 1f 8b")
        }
        return bytes
    }

    /// Reads an image file: (count, rows, columns) unsigned bytes.
    static func readImages(_ bytes: [UInt8], file: String) throws(DataError) -> (pixels: [UInt8], count: Int, rows: Int, columns: Int) {
        let array: IDXArray
        do { array = try parse(bytes) } catch { throw DataError("\(file): \(error.reason)") }
        guard array.dimensions.count == 3 else {
            throw DataError("\(file): wrong dimensions: an image file has 3 (count, rows, columns), this one has "
                + "\(array.dimensions.count) (\(shape(array.dimensions)))")
        }
        return (array.bytes, array.dimensions[0], array.dimensions[1], array.dimensions[2])
    }

    /// Reads a label file: (count) unsigned bytes.
    static func readLabels(_ bytes: [UInt8], file: String) throws(DataError) -> [UInt8] {
        let array: IDXArray
        do { array = try parse(bytes) } catch { throw DataError("\(file): \(error.reason)") }
        guard array.dimensions.count == 1 else {
            throw DataError("\(file): wrong dimensions: a label file has 1 (count), this one has "
                + "\(array.dimensions.count) (\(shape(array.dimensions)))")
        }
        return array.bytes
    }

    /// Reads a pair of image and label files into an `ImageSet`, checking that they agree and
    /// that the images are `rows`×`columns` and the labels below `classes`.
    static func readImageSet(images: (bytes: [UInt8], file: String), labels: (bytes: [UInt8], file: String),
                             rows: Int = 28, columns: Int = 28, classes: Int = 10) throws(DataError) -> ImageSet {
        let image = try readImages(images.bytes, file: images.file)
        let label = try readLabels(labels.bytes, file: labels.file)
        guard image.rows == rows, image.columns == columns else {
            throw DataError("\(images.file): wrong dimensions: images are \(image.rows)×\(image.columns), "
                + "expected \(rows)×\(columns)")
        }
        guard image.count == label.count else {
            throw DataError("\(images.file) holds \(image.count) images but \(labels.file) holds \(label.count) "
                + "labels; they must agree")
        }
        if let bad = label.firstIndex(where: { Int($0) >= classes }) {
            throw DataError("\(labels.file): label \(label[bad]) at index \(bad) is not a class from 0 to \(classes - 1)")
        }
        return ImageSet(pixels: image.pixels, labels: label, rows: rows, columns: columns)
    }
}
