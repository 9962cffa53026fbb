import Foundation

// The safetensors format (https://github.com/huggingface/safetensors), as published:
//
//   8 bytes        N, the header's length, an unsigned 64-bit little-endian integer
//   N bytes        a JSON object, UTF-8, padded with spaces to a multiple of 8 bytes:
//                    {"__metadata__": {"key": "value", …},            (strings only)
//                     "conv1.weight": {"dtype": "F32", "shape": [32, 1, 5, 5], "data_offsets": [0, 3200]}, …}
//   the rest       the tensors' bytes, little-endian, row-major; each tensor's data_offsets are
//                  [begin, end) relative to the start of this section, which they cover exactly
//                  (no gaps, no overlaps).
//
// Python's `safetensors.numpy.load_file` and PyTorch's `safetensors.torch.load_file` read what this
// writes. The engine stores only 32-bit floats, so it writes and reads dtype "F32" alone.

/// Why a safetensors file could not be read. The message says what was expected.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The contents of a safetensors file: named tensors, in file order, and string metadata.
public struct SafetensorsFile: Equatable {
    public var tensors: [(name: String, tensor: Tensor)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func == (a: SafetensorsFile, b: SafetensorsFile) -> Bool {
        a.metadata == b.metadata && a.tensors.map(\.name) == b.tensors.map(\.name)
            && a.tensors.map(\.tensor) == b.tensors.map(\.tensor)
    }

    /// The tensor called `name`, if the file holds one.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    /// The largest header the reader accepts (the reference implementation's limit too).
    static let maximumHeaderSize = 100_000_000

    // MARK: Writing

    /// The file's bytes. Tensors are laid out sorted by name, as the reference writer does for
    /// tensors of one dtype.
    public func encoded() -> [UInt8] {
        let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in sorted {
            let end = offset + tensor.count * 4
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)   // pad to 8 bytes

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for (_, tensor) in sorted {
            for x in tensor.scalars { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// Writes the file atomically: into a temporary file in the same folder, then renamed over
    /// `path`, so an interrupted save never leaves a half-written file under the real name.
    public func write(to path: String) throws(SafetensorsError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(encoded())) else {
            throw SafetensorsError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw SafetensorsError("cannot write \(path): \(reason)")
        }
    }

    // MARK: Reading

    /// Reads and checks the file at `path`.
    public static func read(from path: String) throws(SafetensorsError) -> SafetensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SafetensorsError("\(path) does not exist")
        }
        guard !isDirectory.boolValue else { throw SafetensorsError("\(path) is a folder, not a safetensors file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafetensorsError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        do {
            return try decode([UInt8](data))
        } catch {
            throw SafetensorsError("\(path): \(error.message)")
        }
    }

    /// Parses a file's bytes, checking every promise the header makes.
    public static func decode(_ bytes: [UInt8]) throws(SafetensorsError) -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw SafetensorsError("not a safetensors file: \(bytes.count) bytes, fewer than the 8 of the header length")
        }
        let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(maximumHeaderSize) else {
            throw SafetensorsError("not a safetensors file: the first 8 bytes give a header of \(headerLength) bytes "
                + "(the format allows at most \(maximumHeaderSize))")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= bytes.count else {
            throw SafetensorsError("truncated: the header should be \(headerLength) bytes but the file has only \(bytes.count - 8) after the length")
        }
        let headerBytes = Array(bytes[8..<headerEnd])
        guard headerBytes.first == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: Data(headerBytes)),
              let header = object as? [String: Any] else {
            throw SafetensorsError("not a safetensors file: the header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any], map.values.allSatisfy({ $0 is String }) else {
                throw SafetensorsError("the header's __metadata__ must map names to strings")
            }
            metadata = map.mapValues { $0 as! String }
        }

        let dataSize = bytes.count - headerEnd
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let info = raw as? [String: Any] else { throw SafetensorsError("tensor \(name): its entry is not an object") }
            guard let dtype = info["dtype"] as? String else { throw SafetensorsError("tensor \(name): no dtype") }
            guard dtype == "F32" else {
                throw SafetensorsError("tensor \(name) has dtype \(dtype); this engine reads only F32 (32-bit floats)")
            }
            guard let shape = integers(info["shape"]), shape.count <= 8 else {
                throw SafetensorsError("tensor \(name): the shape must be a list of at most 8 non-negative whole numbers")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw SafetensorsError("tensor \(name): data_offsets must be two non-negative whole numbers [begin, end]")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o || p > dataSize)
            }
            guard !overflow else {
                throw SafetensorsError("tensor \(name): shape \(shape) holds more values than the file's \(dataSize) data bytes")
            }
            guard offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw SafetensorsError("tensor \(name): data_offsets [\(offsets[0]), \(offsets[1])] lie outside the "
                    + "\(dataSize) bytes of data (the file may be truncated)")
            }
            guard offsets[1] - offsets[0] == count * 4 else {
                throw SafetensorsError("tensor \(name): shape \(shape) needs \(count * 4) bytes but data_offsets "
                    + "[\(offsets[0]), \(offsets[1])] give \(offsets[1] - offsets[0])")
            }
            entries.append((name, shape, offsets[0], offsets[1]))
        }

        // The tensors must tile the data section exactly: sorted by begin, each starts where the last ended.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for entry in entries {
            guard entry.begin == expected else {
                throw SafetensorsError(entry.begin < expected
                    ? "tensor \(entry.name): data_offsets [\(entry.begin), \(entry.end)] overlap the tensor before it (which ends at \(expected))"
                    : "tensor \(entry.name): data_offsets [\(entry.begin), \(entry.end)] leave a gap after byte \(expected)")
            }
            expected = entry.end
        }
        guard expected == dataSize else {
            throw SafetensorsError("the tensors cover \(expected) bytes but the file holds \(dataSize) bytes of data after the header")
        }

        let tensors = bytes.withUnsafeBytes { raw in
            entries.map { entry in
                let count = (entry.end - entry.begin) / 4
                let scalars = (0..<count).map { i in
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: headerEnd + entry.begin + 4 * i, as: UInt32.self)))
                }
                return (name: entry.name, tensor: Tensor(shape: entry.shape, scalars: scalars))
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }
}

/// A JSON array of non-negative whole numbers, or nil.
private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for element in array {
        // An exact whole number only: not 0.5, and not true (which Foundation would also give as 1).
        guard let number = element as? NSNumber, String(cString: number.objCType) != "c",
              let n = element as? Int, n >= 0 else { return nil }
        result.append(n)
    }
    return result
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
private func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
