import Foundation

/// A greyscale picture: `pixels` row after row, 0 = black … 1 = white (transparency is laid over white).
public struct GreyImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        guard width >= 0, height >= 0, pixels.count == width * height else {
            fatalError("GreyImage: \(pixels.count) pixels do not make \(width)×\(height)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The largest picture the readers accept (a 40-megapixel photo; more is refused, not allocated).
    public static let maximumPixels = 40_000_000
    public static let maximumSide = 20_000
}

/// Reads PNG (non-interlaced; greyscale, grey + alpha, RGB, RGBA and palette, every bit depth) and
/// PGM (P2 and P5) files into a `GreyImage`, with the engine's own inflate. Every malformed file is a
/// thrown `DecodeFailure` naming what was wrong.
public enum ImageFile {
    public static func read(from path: String) throws(ImageError) -> GreyImage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ImageError("\(path) does not exist") }
        guard !isDirectory.boolValue else { throw ImageError("\(path) is a folder, not an image") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        do { return try parse([UInt8](data)) } catch { throw ImageError("\(path): \(error.reason)") }
    }

    /// An image from a file's bytes.
    public static func decode(_ bytes: [UInt8]) throws(ImageError) -> GreyImage {
        do { return try parse(bytes) } catch { throw ImageError(error.reason) }
    }

    static func parse(_ bytes: [UInt8]) throws(DecodeFailure) -> GreyImage {
        if bytes.starts(with: PNG.signature) { return try PNG.decode(bytes) }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2")) {
            return try PGM.decode(bytes)
        }
        throw DecodeFailure("not a PNG or PGM image (it does not start with the PNG signature or P5/P2); "
            + "save the picture as PNG")
    }

    /// The checks on a header's size that both formats share.
    static func checkSize(width: Int, height: Int) throws(DecodeFailure) {
        guard width > 0, height > 0 else { throw DecodeFailure("the image is \(width)×\(height) pixels: it has no pixels") }
        guard width <= GreyImage.maximumSide, height <= GreyImage.maximumSide, width * height <= GreyImage.maximumPixels else {
            throw DecodeFailure("the image is \(width)×\(height) pixels, more than this reader takes (at most "
                + "\(GreyImage.maximumSide) a side and \(GreyImage.maximumPixels / 1_000_000) megapixels); scale it down first")
        }
    }
}

/// A problem reading an image file; the message names the file.
public struct ImageError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - zlib (RFC 1950): a 2-byte header, DEFLATE data, and the Adler-32 of the output

enum Zlib {
    static func decompress(_ bytes: [UInt8], limit: Int) throws(DecodeFailure) -> [UInt8] {
        guard bytes.count >= 6 else { throw DecodeFailure("the compressed image data is truncated (\(bytes.count) bytes)") }
        let cmf = Int(bytes[0]), flags = Int(bytes[1])
        guard cmf & 0x0f == 8, cmf >> 4 <= 7, (cmf * 256 + flags) % 31 == 0, flags & 0x20 == 0 else {
            throw DecodeFailure("the compressed image data does not start with a valid zlib header (\(hex(UInt8(cmf))) \(hex(UInt8(flags))))")
        }
        let output = try inflateRaw(Array(bytes[2...]), limit: limit)
        let stored = bytes[(bytes.count - 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let actual = adler32(output)
        guard stored == actual else {
            throw DecodeFailure("the image data fails its Adler-32 check (stored \(hex(stored)), computed \(hex(actual))): the file is damaged or truncated")
        }
        return output
    }

    /// Adler-32: two running sums modulo 65521, (b << 16) | a.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + 5552)   // the most bytes before b could overflow 32 bits
            while i < end { a &+= UInt32(bytes[i]); b &+= a; i += 1 }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }
}

// MARK: - PNG

enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func decode(_ bytes: [UInt8]) throws(DecodeFailure) -> GreyImage {
        var position = 8
        var header: (width: Int, height: Int, depth: Int, color: Int)?
        var palette: [UInt8] = [], transparency: [UInt8] = [], compressed: [UInt8] = []
        var sawEnd = false
        while !sawEnd {
            guard position + 12 <= bytes.count else {
                throw DecodeFailure(header == nil ? "truncated PNG: no IHDR chunk" : "truncated PNG: it ends before the IEND chunk")
            }
            let length = Int(bigEndian32(bytes, position))
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            guard length <= bytes.count - position - 12 else {
                throw DecodeFailure("truncated PNG: the \(type) chunk claims \(length) bytes but the file ends first")
            }
            let body = position + 8
            let stored = bigEndian32(bytes, body + length)
            let actual = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[(position + 4)..<(body + length)])) }
            guard stored == actual else {
                throw DecodeFailure("the PNG's \(type) chunk fails its CRC check (stored \(hex(stored)), computed \(hex(actual))): the file is damaged")
            }
            let data = bytes[body..<(body + length)]
            if header == nil && type != "IHDR" { throw DecodeFailure("not a valid PNG: the first chunk is \(type), not IHDR") }
            switch type {
            case "IHDR":
                guard length == 13 else { throw DecodeFailure("not a valid PNG: IHDR has \(length) bytes, not 13") }
                let width = Int(bigEndian32(bytes, body)), height = Int(bigEndian32(bytes, body + 4))
                let depth = Int(bytes[body + 8]), color = Int(bytes[body + 9])
                let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
                guard let depths = allowed[color], depths.contains(depth) else {
                    throw DecodeFailure("not a valid PNG: colour type \(color) with bit depth \(depth)")
                }
                guard bytes[body + 10] == 0, bytes[body + 11] == 0 else { throw DecodeFailure("not a valid PNG: unknown compression or filter method") }
                guard bytes[body + 12] == 0 else {
                    throw DecodeFailure("the PNG is interlaced (Adam7), which this reader does not handle; save it again without interlacing")
                }
                try ImageFile.checkSize(width: width, height: height)
                header = (width, height, depth, color)
            case "PLTE": palette = Array(data)
            case "tRNS": transparency = Array(data)
            case "IDAT": compressed += data
            case "IEND": sawEnd = true
            default: break   // ancillary chunks (text, gamma, …) are skipped
            }
            position = body + length + 4
        }
        guard let (width, height, depth, color) = header else { throw DecodeFailure("not a valid PNG: no IHDR chunk") }
        guard !compressed.isEmpty else { throw DecodeFailure("not a valid PNG: no image data (IDAT)") }
        if color == 3 && (palette.isEmpty || palette.count % 3 != 0) { throw DecodeFailure("not a valid PNG: a palette image without a valid PLTE chunk") }

        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][color]!
        let bitsPerPixel = channels * depth
        let rowBytes = (width * bitsPerPixel + 7) / 8
        let expected = height * (rowBytes + 1)
        let raw = try Zlib.decompress(compressed, limit: expected)
        guard raw.count == expected else {
            throw DecodeFailure("truncated PNG: the image data holds \(raw.count) bytes, \(expected) expected for \(width)×\(height)")
        }
        let rows = try unfilter(raw, rowBytes: rowBytes, height: height, bytesPerPixel: max(1, bitsPerPixel / 8))

        // Samples as 0…1, then to grey over white.
        let maximum = Float((1 << depth) - 1)
        func sample(_ row: Int, _ index: Int) -> Int {   // sample `index` of the row, at any bit depth
            let base = row * rowBytes
            switch depth {
            case 16: return Int(rows[base + 2 * index]) << 8 | Int(rows[base + 2 * index + 1])
            case 8: return Int(rows[base + index])
            default:
                let bit = index * depth
                return Int(rows[base + bit / 8]) >> (8 - depth - bit % 8) & ((1 << depth) - 1)
            }
        }
        var pixels = [Float](repeating: 1, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let grey: Float, alpha: Float
                switch color {
                case 0: grey = Float(sample(y, x)) / maximum; alpha = 1
                case 4: grey = Float(sample(y, 2 * x)) / maximum; alpha = Float(sample(y, 2 * x + 1)) / maximum
                case 3:
                    let index = sample(y, x)
                    guard 3 * index + 2 < palette.count else {
                        throw DecodeFailure("not a valid PNG: pixel (\(x), \(y)) uses palette entry \(index) of \(palette.count / 3)")
                    }
                    grey = luminance(Float(palette[3 * index]) / 255, Float(palette[3 * index + 1]) / 255, Float(palette[3 * index + 2]) / 255)
                    alpha = index < transparency.count ? Float(transparency[index]) / 255 : 1
                default:
                    let c = channels
                    grey = luminance(Float(sample(y, c * x)) / maximum, Float(sample(y, c * x + 1)) / maximum, Float(sample(y, c * x + 2)) / maximum)
                    alpha = c == 4 ? Float(sample(y, c * x + 3)) / maximum : 1
                }
                pixels[y * width + x] = alpha * grey + (1 - alpha)   // over a white page
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    /// Undoes the PNG row filters (None, Sub, Up, Average, Paeth) in place of the filter bytes.
    static func unfilter(_ raw: [UInt8], rowBytes: Int, height: Int, bytesPerPixel bpp: Int) throws(DecodeFailure) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rowBytes * height)
        for y in 0..<height {
            let filter = raw[y * (rowBytes + 1)]
            let source = y * (rowBytes + 1) + 1, row = y * rowBytes, previous = row - rowBytes
            guard filter <= 4 else { throw DecodeFailure("not a valid PNG: row \(y) has filter type \(filter) (0 to 4 exist)") }
            for i in 0..<rowBytes {
                let a = i >= bpp ? Int(out[row + i - bpp]) : 0
                let b = y > 0 ? Int(out[previous + i]) : 0
                let c = y > 0 && i >= bpp ? Int(out[previous + i - bpp]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                default:   // Paeth: whichever of left, up, up-left is closest to left + up − up-left
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                }
                out[row + i] = raw[source + i] &+ UInt8(predictor)
            }
        }
        return out
    }

    static func bigEndian32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        bytes[i..<(i + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

/// Perceived brightness of a colour (ITU-R BT.601 weights, as most greyscale conversions use).
func luminance(_ r: Float, _ g: Float, _ b: Float) -> Float { 0.299 * r + 0.587 * g + 0.114 * b }

// MARK: - PGM (Netpbm greyscale): "P5" or "P2", width, height, maximum value, then the samples

enum PGM {
    static func decode(_ bytes: [UInt8]) throws(DecodeFailure) -> GreyImage {
        var position = 2
        func number(_ what: String) throws(DecodeFailure) -> Int {
            while position < bytes.count {   // whitespace and # comments
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 10 { position += 1 }
                } else if [9, 10, 13, 32].contains(bytes[position]) { position += 1 } else { break }
            }
            var value = 0, digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]), digits < 9 {
                value = value * 10 + Int(bytes[position] - 48)
                position += 1
                digits += 1
            }
            guard digits > 0 else { throw DecodeFailure("not a valid PGM: the \(what) is missing or not a number") }
            return value
        }
        let binary = bytes[1] == UInt8(ascii: "5")
        let width = try number("width"), height = try number("height"), maximum = try number("maximum value")
        guard (1...65535).contains(maximum) else { throw DecodeFailure("not a valid PGM: maximum value \(maximum) (1 to 65535 allowed)") }
        try ImageFile.checkSize(width: width, height: height)
        let count = width * height
        var pixels = [Float](repeating: 0, count: count)
        if binary {
            position += 1   // the single whitespace byte after the maximum value
            let size = maximum > 255 ? 2 : 1
            guard bytes.count - position >= count * size else {
                throw DecodeFailure("truncated PGM: \(max(0, bytes.count - position)) bytes of pixels, \(count * size) expected for \(width)×\(height)")
            }
            for i in 0..<count {
                let value = size == 2 ? Int(bytes[position + 2 * i]) << 8 | Int(bytes[position + 2 * i + 1]) : Int(bytes[position + i])
                pixels[i] = Float(min(value, maximum)) / Float(maximum)
            }
        } else {
            for i in 0..<count {
                do { pixels[i] = Float(min(try number("pixel \(i)"), maximum)) / Float(maximum) } catch {
                    throw DecodeFailure("truncated PGM: pixel \(i) of \(count) is missing")
                }
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }
}
