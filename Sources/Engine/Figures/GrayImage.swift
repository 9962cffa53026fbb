/// A small grey image (a digit, a filter, a feature map), stored as 0 (black) … 255 (white).
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// height × width levels, row after row.
    public let levels: [UInt8]

    public init(width: Int, height: Int, levels: [UInt8]) {
        guard width > 0, height > 0, levels.count == width * height else {
            fatalError("GrayImage: \(levels.count) levels do not make a \(width)×\(height) image")
        }
        self.width = width
        self.height = height
        self.levels = levels
    }

    /// Values mapped linearly from `range` (default: the values' own smallest…largest) to
    /// black…white; with `inverted`, large values are dark (ink on paper, like a printed digit).
    public init(width: Int, height: Int, values: [Float], range: ClosedRange<Float>? = nil, inverted: Bool = false) {
        let low = range?.lowerBound ?? values.min() ?? 0
        let high = range?.upperBound ?? values.max() ?? 1
        let scale = high > low ? 255 / (high - low) : 0
        self.init(width: width, height: height, levels: values.map { v in
            let level = UInt8(max(0, min(255, ((v - low) * scale).rounded())))
            return inverted ? 255 - level : level
        })
    }

    /// The image as a PNG file (8-bit grey, uncompressed): small enough to embed in an SVG.
    public func png() -> [UInt8] {
        var raw: [UInt8] = []                       // each row: filter type 0 (none), then its pixels
        raw.reserveCapacity(height * (width + 1))
        for row in 0..<height {
            raw.append(0)
            raw += levels[(row * width)..<((row + 1) * width)]
        }
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]                   // 8 bits, greyscale, deflate, filter 0, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + pngChunk("IHDR", header) + pngChunk("IDAT", zlibStored(raw)) + pngChunk("IEND", [])
    }
}

/// A PNG chunk: length, type, data, and the CRC-32 of type and data.
private func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeAndData = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(CRC32.checksum(typeAndData))
}

/// A zlib stream of "stored" (uncompressed) DEFLATE blocks of at most 65,535 bytes, and its Adler-32.
private func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var start = 0
    repeat {
        let end = min(start + 65_535, data.count)
        let length = UInt16(end - start)
        out.append(end == data.count ? 1 : 0)       // BFINAL on the last block; BTYPE 00 = stored
        out += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
        out += data[start..<end]
        start = end
    } while start < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data {
        a = (a + UInt32(byte)) % 65_521
        b = (b + a) % 65_521
    }
    return out + bigEndian(b << 16 | a)
}

func bigEndian(_ x: UInt32) -> [UInt8] { [UInt8(x >> 24), UInt8((x >> 16) & 0xff), UInt8((x >> 8) & 0xff), UInt8(x & 0xff)] }
