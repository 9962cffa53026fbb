import Foundation
import Testing
@testable import Engine

/// A safetensors file put together by hand: a header text and the data bytes after it.
private func handMade(_ header: String, data: [UInt8] = [], lengthField: UInt64? = nil) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (lengthField ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
    return bytes + Array(header.utf8) + data
}

private func decodeError(_ bytes: [UInt8]) -> String {
    do {
        _ = try SafetensorsFile.decode(bytes)
        return "(no error)"
    } catch {
        return error.message
    }
}

@Suite("Safetensors files")
struct SafetensorsTests {
    let sample = SafetensorsFile(
        tensors: [("b", Tensor(shape: [2], scalars: [1.5, -2])), ("a", Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, .pi]))],
        metadata: ["model": "test \"quoted\"", "step": "7"])

    @Test func layoutIsThePublishedOne() throws {
        let bytes = sample.encoded()
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(length % 8 == 0)                                  // padded to 8 bytes, with spaces
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(header == #"{"__metadata__":{"model":"test \"quoted\"","step":"7"},"#
            + #""a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#
            + String(repeating: " ", count: length - header.trimmingCharacters(in: .whitespaces).utf8.count))
        #expect(bytes.count == 8 + length + 32)
        // 1.5 is 0x3FC00000, little-endian, at the start of b's bytes.
        #expect(Array(bytes[(8 + length + 24)..<(8 + length + 28)]) == [0x00, 0x00, 0xC0, 0x3F])
    }

    @Test func roundTrip() throws {
        let decoded = try SafetensorsFile.decode(sample.encoded())
        #expect(decoded.metadata == sample.metadata)
        #expect(decoded["a"] == sample["a"] && decoded["b"] == sample["b"])
        #expect(try SafetensorsFile.decode(SafetensorsFile(tensors: []).encoded()).tensors.isEmpty)
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let folder = temporaryFolder("safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.safetensors").path
        try sample.write(to: path)
        try sample.write(to: path)   // over an existing file
        #expect(try SafetensorsFile.read(from: path) == SafetensorsFile(decodingOrder: sample))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["m.safetensors"])  // no temporary left
        #expect(throws: SafetensorsError("cannot write /nonexistent-folder/m.safetensors: No such file or directory")) {
            try sample.write(to: "/nonexistent-folder/m.safetensors")
        }
        #expect(throws: SafetensorsError("\(folder.path)/none does not exist")) { try SafetensorsFile.read(from: folder.path + "/none") }
    }

    @Test(arguments: [
        ([UInt8]("PNG".utf8), "not a safetensors file: 3 bytes, fewer than the 8 of the header length"),
        (Array("\u{89}PNG\r\n\u{1A}\n and then an image".utf8), "not a safetensors file: the first 8 bytes give a header of"),
        (handMade("{}", lengthField: 100), "truncated: the header should be 100 bytes but the file has only 2"),
        (handMade("[1, 2]"), "not a safetensors file: the header is not a JSON object"),
        (handMade("{\"a\": "), "not a safetensors file: the header is not a JSON object"),
        (handMade(#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         "tensor a has dtype F16; this engine reads only F32"),
        (handMade(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
         "tensor a: data_offsets [0, 8] lie outside the 4 bytes of data (the file may be truncated)"),
        (handMade(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
         "tensor a: shape [3] needs 12 bytes but data_offsets [0, 8] give 8"),
        (handMade(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                  data: Array(repeating: 0, count: 8)), "tensor b: data_offsets [4, 8] overlap the tensor before it (which ends at 8)"),
        (handMade(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Array(repeating: 0, count: 8)),
         "tensor a: data_offsets [4, 8] leave a gap after byte 0"),
        (handMade(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 8)),
         "the tensors cover 4 bytes but the file holds 8 bytes of data after the header"),
        (handMade(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         "tensor a: the shape must be a list of at most 8 non-negative whole numbers"),
        (handMade(#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         "tensor a: shape [4611686018427387904, 4] holds more values than the file's 4 data bytes"),
        (handMade(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}}"#, data: [0, 0, 0, 0]),
         "tensor a: data_offsets must be two non-negative whole numbers [begin, end]"),
        (handMade(#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         "tensor a: the shape must be a list of at most 8 non-negative whole numbers"),
        (handMade(#"{"__metadata__":{"step":7}}"#), "the header's __metadata__ must map names to strings"),
    ])
    func badFilesAreExplained(bytes: [UInt8], message: String) {
        let error = decodeError(bytes)
        #expect(error.hasPrefix(message), "got: \(error)")
    }

    /// Every prefix of a good file is refused with a message, never a crash.
    @Test func everyTruncationIsCaught() {
        let bytes = sample.encoded()
        for n in 0..<bytes.count { #expect(decodeError(Array(bytes[..<n])) != "(no error)", "prefix of \(n) bytes") }
    }

    /// The Python `safetensors` library (the reference implementation) reads our file with the
    /// documented names and shapes. Skipped when Python with safetensors and numpy is not installed.
    @Test(.enabled(if: pythonSafetensorsAvailable, "python3 with safetensors and numpy not found (pip install safetensors numpy); skipped"))
    func pythonReferenceReadsOurFile() throws {
        let model = Models.tutorialCNN(seed: 3)
        let file = Checkpoint.file(model: model, step: 0, metadata: ["model": "tutorial"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ours-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let script = """
            import sys
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            for k in sorted(t): print(k, list(t[k].shape), t[k].dtype, repr(float(t[k].flat[1])))
            with safe_open(sys.argv[1], framework="np") as f: print("model", f.metadata()["model"])
            """
        let output = try python(script, path)
        let fc1 = try #require(model.parameters.first { $0.value.shape == [3136, 1024] })
        #expect(output.split(separator: "\n") == [
            "conv1.bias [32] float32 0.10000000149011612",
            "conv1.weight [32, 1, 5, 5] float32 \(Double(model.parameters[0].value.scalars[1]))",
            "conv2.bias [64] float32 0.10000000149011612",
            "conv2.weight [64, 32, 5, 5] float32 \(Double(model.parameters[2].value.scalars[1]))",
            "fc1.bias [1024] float32 0.10000000149011612",
            // (out, in): element [0, 1] of PyTorch's layout is element [1, 0] of the engine's.
            "fc1.weight [1024, 3136] float32 \(Double(fc1.value[1, 0]))",
            "fc2.bias [10] float32 0.10000000149011612",
            "fc2.weight [10, 1024] float32 \(Double(model.parameters[6].value[1, 0]))",
            "model tutorial",
        ])
    }

    /// The reference writer's bytes for the same content are byte for byte ours (header order,
    /// spacing, padding), and we read its file.
    @Test(.enabled(if: pythonSafetensorsAvailable, "python3 with safetensors and numpy not found (pip install safetensors numpy); skipped"))
    func pythonReferenceWritesTheSameBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("theirs-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try python("""
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"b": np.array([1.5, -2], dtype=np.float32), "a": np.arange(6, dtype=np.float32).reshape(2, 3)},
                      sys.argv[1], metadata={"model": "x"})
            """, path)
        let theirs = try #require(FileManager.default.contents(atPath: path))
        let ours = SafetensorsFile(tensors: [("b", Tensor(shape: [2], scalars: [1.5, -2])),
                                             ("a", Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]))], metadata: ["model": "x"])
        #expect([UInt8](theirs) == ours.encoded())
        #expect(try SafetensorsFile.decode([UInt8](theirs)) == SafetensorsFile(decodingOrder: ours))
    }
}

extension SafetensorsFile {
    /// The same content with the tensors in the order the file stores them (sorted by name).
    init(decodingOrder file: SafetensorsFile) {
        self.init(tensors: file.tensors.sorted { $0.name < $1.name }, metadata: file.metadata)
    }
}

let pythonSafetensorsAvailable: Bool = (try? python("import safetensors.numpy, numpy")) != nil

/// Runs a Python script with arguments; throws unless it exits 0.
@discardableResult
func python(_ script: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw MissingProduct(description: "python3 failed") }
    return String(decoding: data, as: UTF8.self)
}
