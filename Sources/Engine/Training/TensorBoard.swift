import Foundation

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`), written by hand: TensorBoard
/// reads it with `tensorboard --logdir runs`.
///
/// The file is a sequence of TFRecords, each one serialized `Event` protocol buffer:
///
///   uint64 length, uint32 masked CRC-32C of those 8 bytes, the data, uint32 masked CRC-32C of the data
///
/// (little-endian). Only the few protobuf fields the scalars and histograms need are written:
///
///   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
///   Summary { repeated Value value = 1; }
///   Value   { string tag = 1; float simple_value = 2; HistogramProto histo = 5; }
///   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
///                    repeated double bucket_limit = 6 [packed]; repeated double bucket = 7 [packed]; }
public final class EventFile {
    public let path: String
    private let handle: FileHandle

    /// Creates the file in `folder` and writes the version record TensorBoard expects first.
    public init(folder: String, now: Date = Date()) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        path = (folder as NSString).appendingPathComponent("events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host)")
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
        var event = Protobuf()
        event.double(1, now.timeIntervalSince1970)
        event.bytes(3, Array("brain.Event:2".utf8))
        try write(record: event.bytes)
    }

    /// One scalar per tag at `step` (e.g. "loss", "accuracy/validation").
    public func add(scalars: [(tag: String, value: Float)], step: Int, wallTime: Date = Date()) throws {
        var summary = Protobuf()
        for (tag, value) in scalars {
            var item = Protobuf()
            item.bytes(1, Array(tag.utf8))
            item.float(2, value)
            summary.bytes(1, item.bytes)
        }
        try write(summary: summary, step: step, wallTime: wallTime)
    }

    /// A histogram of `values` at `step`, in `bins` equal buckets from the smallest to the largest.
    public func add(histogram tag: String, values: [Float], step: Int, bins: Int = 30, wallTime: Date = Date()) throws {
        guard let low = values.min(), let high = values.max() else { return }
        let counts = binCounts(values, range: low...high, bins: bins)
        let width = Double(high - low) / Double(bins)
        var histogram = Protobuf()
        histogram.double(1, Double(low))
        histogram.double(2, Double(high))
        histogram.double(3, Double(values.count))
        histogram.double(4, values.reduce(0) { $0 + Double($1) })
        histogram.double(5, values.reduce(0) { $0 + Double($1) * Double($1) })
        histogram.packedDoubles(6, (1...bins).map { Double(low) + Double($0) * width })   // each bucket's right edge
        histogram.packedDoubles(7, counts.map(Double.init))
        var item = Protobuf()
        item.bytes(1, Array(tag.utf8))
        item.bytes(5, histogram.bytes)
        var summary = Protobuf()
        summary.bytes(1, item.bytes)
        try write(summary: summary, step: step, wallTime: wallTime)
    }

    public func close() { try? handle.close() }

    private func write(summary: Protobuf, step: Int, wallTime: Date) throws {
        var event = Protobuf()
        event.double(1, wallTime.timeIntervalSince1970)
        event.varint(2, UInt64(bitPattern: Int64(step)))
        event.bytes(5, summary.bytes)
        try write(record: event.bytes)
    }

    /// One TFRecord: the length and the data, each followed by its masked CRC-32C.
    private func write(record data: [UInt8]) throws {
        let length = littleEndian(UInt64(data.count))
        let record = length + littleEndian(maskedCRC32C(length)) + data + littleEndian(maskedCRC32C(data))
        try handle.write(contentsOf: Data(record))
        try handle.synchronize()
    }
}

/// The CRC that TFRecords store: CRC-32C rotated right by 15 bits plus a constant, so that a CRC
/// of data that itself holds CRCs stays well mixed.
func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
    let crc = CRC32C.checksum(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), a byte at a time: event files are small.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82f6_3b78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    }
}

/// A protocol buffer message, field by field: each field is a key (number << 3 | wire type) and a value.
struct Protobuf {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, 0)
        appendVarint(value)
    }

    mutating func double(_ field: Int, _ value: Double) {   // wire type 1: 8 bytes
        key(field, 1)
        bytes += littleEndian(value.bitPattern)
    }

    mutating func float(_ field: Int, _ value: Float) {     // wire type 5: 4 bytes
        key(field, 5)
        bytes += littleEndian(value.bitPattern)
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {   // wire type 2: length, then the bytes
        key(field, 2)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        bytes(field, values.flatMap { littleEndian($0.bitPattern) })
    }

    private mutating func key(_ field: Int, _ wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {   // 7 bits a byte, low first, high bit = more follows
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}

func littleEndian<T: FixedWidthInteger>(_ x: T) -> [UInt8] { withUnsafeBytes(of: x.littleEndian, Array.init) }
