import Foundation
import Testing
@testable import Engine

/// A TFRecord read back: its payload, after both stored CRCs were checked.
struct Record { let data: [UInt8] }

/// Splits an event file into records, checking every length and data CRC against a bit-by-bit
/// CRC-32C (independent of the engine's table) with TensorFlow's mask.
func readRecords(_ bytes: [UInt8]) throws -> [Record] {
    func crc32c(_ data: ArraySlice<UInt8>) -> UInt32 {
        var crc = ~UInt32(0)
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82f6_3b78 : crc >> 1 }
        }
        return ~crc
    }
    func masked(_ data: ArraySlice<UInt8>) -> UInt32 { let c = crc32c(data); return ((c >> 15) | (c << 17)) &+ 0xa282_ead8 }
    func uint(_ at: Int, _ size: Int) -> UInt64 { (0..<size).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
    var records: [Record] = [], position = 0
    while position < bytes.count {
        try #require(position + 12 <= bytes.count, "truncated record header at \(position)")
        let length = Int(uint(position, 8))
        #expect(UInt32(uint(position + 8, 4)) == masked(bytes[position..<(position + 8)]), "length CRC at \(position)")
        let start = position + 12
        try #require(start + length + 4 <= bytes.count, "truncated record at \(position)")
        #expect(UInt32(uint(start + length, 4)) == masked(bytes[start..<(start + length)]), "data CRC at \(position)")
        records.append(Record(data: Array(bytes[start..<(start + length)])))
        position = start + length + 4
    }
    return records
}

/// A decoded protobuf field: a number, or bytes (a string, a packed array or a nested message).
enum Field { case number(UInt64), bytes([UInt8]) }

func decodeProtobuf(_ bytes: [UInt8]) throws -> [(field: Int, value: Field)] {
    var fields: [(Int, Field)] = [], i = 0
    func varint() -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            let byte = bytes[i]; i += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }
    func fixed(_ size: Int) -> UInt64 {
        defer { i += size }
        return (0..<size).reduce(0) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
    }
    while i < bytes.count {
        let key = varint()
        switch key & 7 {
        case 0: fields.append((Int(key >> 3), .number(varint())))
        case 1: fields.append((Int(key >> 3), .number(fixed(8))))
        case 5: fields.append((Int(key >> 3), .number(fixed(4))))
        case 2:
            let length = Int(varint())
            fields.append((Int(key >> 3), .bytes(Array(bytes[i..<(i + length)]))))
            i += length
        default: throw UsageError(message: "unexpected wire type \(key & 7)")
        }
    }
    return fields
}

extension [(field: Int, value: Field)] {
    func number(_ field: Int) -> UInt64? { for f in self where f.field == field { if case .number(let n) = f.value { return n } }; return nil }
    func all(_ field: Int) -> [[UInt8]] { compactMap { f in if f.field == field, case .bytes(let b) = f.value { b } else { nil } } }
}

/// The scalars of an event file: (step, tag, value) in file order.
func scalarsIn(_ records: [Record]) throws -> [(step: Int, tag: String, value: Float)] {
    try records.flatMap { record -> [(step: Int, tag: String, value: Float)] in
        let event = try decodeProtobuf(record.data)
        let step = Int(event.number(2) ?? 0)
        return try event.all(5).flatMap { summary in
            try decodeProtobuf(summary).all(1).compactMap { value in
                let item = try decodeProtobuf(value)
                guard let bits = item.number(2), let tag = item.all(1).first else { return nil }
                return (step, String(decoding: tag, as: UTF8.self), Float(bitPattern: UInt32(bits)))
            }
        }
    }
}

@Suite("TensorBoard event files")
struct TensorBoardTests {
    @Test func crc32cOfTheStandardCheckString() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xe306_9283)
    }

    @Test func recordsRoundTrip() throws {
        let folder = try makeTemporaryFolder("events")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try EventFile(folder: folder.path)
        try file.add(scalars: [("loss", 2.5), ("accuracy/validation", 0.9125)], step: 1)
        try file.add(scalars: [("loss", 0.25)], step: 300)
        try file.add(histogram: "activations", values: [0, 1, 1, 2, 3], step: 4, bins: 3)
        file.close()

        let records = try readRecords([UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))))
        try #require(records.count == 4)
        let first = try decodeProtobuf(records[0].data)
        #expect(first.all(3).first.map { String(decoding: $0, as: UTF8.self) } == "brain.Event:2")
        let scalars = try scalarsIn(records)
        #expect(scalars.map(\.step) == [1, 1, 300])
        #expect(scalars.map(\.tag) == ["loss", "accuracy/validation", "loss"])
        #expect(scalars.map(\.value) == [2.5, 0.9125, 0.25])

        let histogram = try decodeProtobuf(try decodeProtobuf(try decodeProtobuf(try decodeProtobuf(records[3].data).all(5)[0]).all(1)[0]).all(5)[0])
        let doubles = { (field: Int) in Double(bitPattern: histogram.number(field) ?? 0) }
        #expect([doubles(1), doubles(2), doubles(3), doubles(4), doubles(5)] == [0, 3, 5, 7, 15])   // min max num sum sum²
        let buckets = histogram.all(7).first.map { b in stride(from: 0, to: b.count, by: 8).map { i in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) }) } }
        #expect(buckets == [1, 2, 2])
    }

    /// `--tensorboard`: the lesson's scalars are the numbers of its metrics.csv, step for step.
    @Test(.enabled(if: TestEnvironment.hasMNIST, TestEnvironment.noMNISTReason))
    func lessonWritesItsMetricsAsScalars() throws {
        let folder = try makeTemporaryFolder("tensorboard-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProduct("lesson01-linear-softmax", ["--data-dir", TestEnvironment.mnistDirectory!, "--steps", "50",
                                                                "--log-every", "10", "--run-dir", folder.path, "--tensorboard"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix("events.out.tfevents.") })
        let scalars = try scalarsIn(readRecords([UInt8](Data(contentsOf: folder.appendingPathComponent(name)))))
        let rows = try MetricsRow.read(folder.appendingPathComponent("metrics.csv").path)
        let batch = scalars.filter { $0.tag == "accuracy/batch" }
        #expect(batch.map(\.step) == rows.map(\.step))
        #expect(zip(batch, rows).allSatisfy { abs(Double($0.value) - $1.accuracy) < 1e-6 })
        #expect(scalars.filter { $0.tag == "accuracy/test" }.map(\.step) == [50])
    }
}
