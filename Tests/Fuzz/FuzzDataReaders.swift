// libFuzzer harness for the engine's gzip/DEFLATE, IDX, PNG/PGM and safetensors readers. Not a SwiftPM target: run.sh
// compiles it together with the engine's sources using `swiftc -sanitize=fuzzer,address`.
//
// The first input byte picks what to exercise; the rest is the file. Any crash, trap, hang, leak or
// out-of-bounds access is a bug: every malformed input must come back as a thrown error.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataReaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let limit = 1 << 24   // keep a "zip bomb" from exhausting memory: the limit path is tested too
    switch data[0] % 6 {
    case 0:   // a whole gzip file: header, DEFLATE, CRC-32 and length
        if let out = try? Gzip.decompress(bytes, limit: limit) {
            precondition(out.count <= limit, "output beyond the limit")
        }
    case 1:   // raw DEFLATE, so mutations reach the block decoder without first breaking the header
        _ = try? inflateRaw(bytes, limit: limit)
    case 2:   // an IDX file, raw or gzip-compressed, as the dataset loader reads one
        if let contents = try? IDX.decompressedIfNeeded(bytes, file: "fuzz.gz"), let array = try? IDX.parse(contents) {
            precondition(array.bytes.count == array.dimensions.reduce(1, *), "IDX payload size disagrees with its header")
        }
    case 4:   // a PNG or PGM picture, as `swift run predict` reads one, then prepared as MNIST was made
        if let image = try? ImageFile.decode(bytes) {
            precondition(image.pixels.count == image.width * image.height && image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            if let field = try? DigitPreparation.mnistStyle(image) { precondition(field.count == 784) }
        }
    case 5:   // a safetensors file (a checkpoint)
        if let file = try? SafetensorsFile.decode(bytes) {
            precondition(file.tensors.reduce(0) { $0 + $1.tensor.count * 4 } <= bytes.count, "tensors larger than the file")
        }
    default:  // an image/label pair split in two, through the same checks as MNIST's files
        guard let first = bytes.first else { return 0 }
        let payload = bytes.dropFirst()
        let cut = payload.startIndex + Int(first) * payload.count / 256
        let images = Array(payload[..<cut]), labels = Array(payload[cut...])
        if let set = try? IDX.readImageSet(images: (images, "images"), labels: (labels, "labels"), rows: 2, columns: 2) {
            precondition(set.pixels.count == set.count * 4 && set.labels.allSatisfy { $0 < 10 })
        }
    }
    return 0
}
