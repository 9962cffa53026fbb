// Gzip (RFC 1952) and DEFLATE (RFC 1951) decompression in plain Swift.
//
// No zlib ships with the Swift toolchain, so the engine reads MNIST's .gz files itself. The decoder
// follows RFC 1951 directly: a bit reader, canonical Huffman tables (a fast 10-bit lookup table
// plus a bit-by-bit fallback for longer codes), and an output window that is simply the output.
// Every malformed input becomes a thrown `DecodeFailure` naming what was wrong: the decoder never
// traps, never reads out of bounds and never loops forever on garbage, whatever the bytes.

/// Why a gzip or IDX payload could not be decoded. The file readers add the file name.
struct DecodeFailure: Error, CustomStringConvertible, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}

/// Gzip files: a header, DEFLATE data, and a trailer with the CRC-32 and the length of the
/// decompressed data. Several gzip members one after another decompress to their concatenation.
enum Gzip {
    /// Gzip files begin with the bytes 1f 8b.
    static func hasGzipMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The decompressed content of a whole gzip file.
    /// `limit` bounds the output (a guard against a "zip bomb" filling memory).
    /// `expectedSize`, when the caller knows it (every IDX file of a known dataset), is both the
    /// buffer's size, so the output is written in place with no growing and no final copy, and the
    /// limit: inflating stops at the first byte beyond it.
    static func decompress(_ bytes: [UInt8], limit: Int = 1 << 31, expectedSize: Int? = nil) throws(DecodeFailure) -> [UInt8] {
        let limit = expectedSize.map { min($0, limit) } ?? limit
        return try bytes.withUnsafeBufferPointer { (input) throws(DecodeFailure) -> [UInt8] in
            try OutputBuffer.collect(capacity: expectedSize ?? sizeHint(input), expected: expectedSize != nil) { (output) throws(DecodeFailure) in
                var position = 0
                var member = 0
                repeat {
                    member += 1
                    let memberStart = output.count
                    position = try readHeader(input, at: position, member: member)
                    var reader = BitReader(input, start: position)
                    try inflate(&reader, into: &output, limit: limit)
                    position = reader.bytePosition   // the trailer starts at the next whole byte
                    guard position + 8 <= input.count else {
                        throw DecodeFailure("truncated gzip data: the 8-byte trailer (CRC-32 and length) is missing")
                    }
                    let storedCRC = readUInt32(input, position)
                    let storedSize = readUInt32(input, position + 4)
                    position += 8
                    let produced = UnsafeBufferPointer(rebasing: output.buffer[memberStart..<output.count])
                    let crc = CRC32.checksum(produced)
                    guard crc == storedCRC else {
                        throw DecodeFailure("corrupt gzip data: CRC-32 mismatch (trailer says \(hex(storedCRC)), "
                            + "data gives \(hex(crc)))")
                    }
                    guard UInt32(truncatingIfNeeded: produced.count) == storedSize else {
                        throw DecodeFailure("corrupt gzip data: length mismatch (trailer says \(storedSize) bytes, "
                            + "data gives \(produced.count))")
                    }
                    // Some tools pad the file with zero bytes after the last member: accept and stop.
                } while position < input.count && !input[position...].allSatisfy({ $0 == 0 })
            }
        }
    }

    /// The last member's ISIZE field (the decompressed length mod 2^32), used only to size the output
    /// buffer; capped, since it is untrusted (DEFLATE cannot expand more than about 1032:1).
    private static func sizeHint(_ input: UnsafeBufferPointer<UInt8>) -> Int {
        guard input.count >= 18 else { return 1024 }
        let stated = Int(readUInt32(input, input.count - 4))
        return max(1024, min(stated, input.count * 1032, 1 << 30))
    }

    /// Checks a member's header and returns where its DEFLATE data begins.
    private static func readHeader(_ input: UnsafeBufferPointer<UInt8>, at start: Int,
                                   member: Int) throws(DecodeFailure) -> Int {
        let which = member == 1 ? "" : " (member \(member))"
        guard input.count - start >= 10 else {
            throw DecodeFailure("truncated gzip header\(which): \(input.count - start) bytes, at least 10 expected")
        }
        guard input[start] == 0x1f, input[start + 1] == 0x8b else {
            throw DecodeFailure("bad gzip header\(which): magic bytes \(hex(input[start])) \(hex(input[start + 1])), "
                + "expected 1f 8b")
        }
        guard input[start + 2] == 8 else {
            throw DecodeFailure("bad gzip header\(which): compression method \(input[start + 2]), expected 8 (deflate)")
        }
        let flags = input[start + 3]
        guard flags & 0xe0 == 0 else {
            throw DecodeFailure("bad gzip header\(which): reserved flag bits set (\(hex(flags)))")
        }
        var position = start + 10   // magic, method, flags, mtime (4), xfl, os
        func need(_ n: Int, _ what: String) throws(DecodeFailure) {
            guard input.count - position >= n else {
                throw DecodeFailure("truncated gzip header\(which): the \(what) runs past the end of the file")
            }
        }
        if flags & 0x04 != 0 {   // FEXTRA: a 2-byte length, then that many bytes
            try need(2, "extra field")
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            position += 2
            try need(length, "extra field")
            position += length
        }
        for (flag, what) in [(UInt8(0x08), "file name"), (0x10, "comment")] where flags & flag != 0 {
            // FNAME, FCOMMENT: zero-terminated strings
            while true {
                try need(1, what)
                position += 1
                if input[position - 1] == 0 { break }
            }
        }
        if flags & 0x02 != 0 {   // FHCRC: a 2-byte CRC of the header
            try need(2, "header CRC")
            let stored = UInt32(input[position]) | UInt32(input[position + 1]) << 8
            let actual = CRC32.checksum(UnsafeBufferPointer(rebasing: input[start..<position])) & 0xffff
            guard stored == actual else {
                throw DecodeFailure("bad gzip header\(which): header CRC mismatch")
            }
            position += 2
        }
        return position
    }

    private static func readUInt32(_ input: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(input[i]) | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2]) << 16 | UInt32(input[i + 3]) << 24
    }
}

func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, T.bitWidth / 4 - digits.count)) + digits
}

// MARK: - DEFLATE

/// Decompresses raw DEFLATE data (RFC 1951), no header or trailer, e.g. for tests.
func inflateRaw(_ bytes: [UInt8], limit: Int = 1 << 31) throws(DecodeFailure) -> [UInt8] {
    try bytes.withUnsafeBufferPointer { (input) throws(DecodeFailure) -> [UInt8] in
        try OutputBuffer.collect(capacity: max(1024, input.count * 4), expected: false) { (output) throws(DecodeFailure) in
            var reader = BitReader(input, start: 0)
            try inflate(&reader, into: &output, limit: limit)
        }
    }
}

/// Length symbols 257...285: base length and extra bits (RFC 1951 §3.2.5).
private let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
private let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
/// Distance symbols 0...29: base distance and extra bits.
private let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                      257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                      8193, 12289, 16385, 24577]
private let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                      7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
/// The order in which code-length code lengths are stored in a dynamic block header.
private let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

/// Decodes DEFLATE blocks until the final one. An error met after reading past the end of the input
/// (the zero padding decodes to garbage) is reported as what it is: truncated data.
private func inflate(_ reader: inout BitReader, into output: inout OutputBuffer,
                     limit: Int) throws(DecodeFailure) {
    do {
        try inflateBlocks(&reader, into: &output, limit: limit)
    } catch {
        if reader.hasOverrun {
            throw DecodeFailure("truncated deflate data: the compressed stream ends in the middle of a block")
        }
        throw error
    }
}

private func inflateBlocks(_ reader: inout BitReader, into output: inout OutputBuffer,
                           limit: Int) throws(DecodeFailure) {
    let fixed = HuffmanTables.fixed
    var isFinal = false
    var blockIndex = 0
    while !isFinal {
        isFinal = try reader.bits(1) == 1
        let type = try reader.bits(2)
        switch type {
        case 0:
            try copyStoredBlock(&reader, into: &output, limit: limit)
        case 1:
            try inflateBlock(&reader, literals: fixed.literals, distances: fixed.distances, into: &output, limit: limit)
        case 2:
            let tables = try readDynamicTables(&reader)
            try inflateBlock(&reader, literals: tables.literals, distances: tables.distances, into: &output, limit: limit)
        default:
            throw DecodeFailure("corrupt deflate data: block \(blockIndex) has type 3, which is reserved")
        }
        // The end-of-block code itself may have been read from the zero padding past the end.
        try reader.checkOverrun()
        blockIndex += 1
    }
}

/// A stored (uncompressed) block: LEN, NLEN (its one's complement), then LEN raw bytes.
private func copyStoredBlock(_ reader: inout BitReader, into output: inout OutputBuffer,
                             limit: Int) throws(DecodeFailure) {
    reader.alignToByte()
    let length = try reader.bits(16)
    let complement = try reader.bits(16)
    guard length ^ 0xffff == complement else {
        throw DecodeFailure("corrupt deflate data: stored block length \(length) does not match its complement \(complement)")
    }
    try output.append(try reader.takeBytes(length), limit: limit)
}

/// Reads the code-length code, then the literal/length and distance code lengths of a dynamic block.
private func readDynamicTables(_ reader: inout BitReader) throws(DecodeFailure) -> (literals: HuffmanTable, distances: HuffmanTable) {
    let literalCount = Int(try reader.bits(5)) + 257
    let distanceCount = Int(try reader.bits(5)) + 1
    let codeLengthCount = Int(try reader.bits(4)) + 4
    guard literalCount <= 286, distanceCount <= 30 else {
        throw DecodeFailure("corrupt deflate data: a dynamic block declares \(literalCount) literal/length codes "
            + "and \(distanceCount) distance codes (at most 286 and 30)")
    }
    var codeLengthLengths = [UInt8](repeating: 0, count: 19)
    for i in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[i]] = UInt8(try reader.bits(3)) }
    let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths, what: "code-length")

    var lengths = [UInt8](repeating: 0, count: literalCount + distanceCount)
    var i = 0
    while i < lengths.count {
        let symbol = try codeLengthTable.decode(&reader)
        var repeatValue: UInt8 = 0
        var repeatCount = 0
        switch symbol {
        case 0...15:
            lengths[i] = UInt8(symbol)
            i += 1
            continue
        case 16:
            guard i > 0 else { throw DecodeFailure("corrupt deflate data: a code-length repeat with nothing to repeat") }
            repeatValue = lengths[i - 1]
            repeatCount = 3 + Int(try reader.bits(2))
        case 17: repeatCount = 3 + Int(try reader.bits(3))
        default: repeatCount = 11 + Int(try reader.bits(7))   // 18
        }
        guard i + repeatCount <= lengths.count else {
            throw DecodeFailure("corrupt deflate data: code lengths run past the \(lengths.count) declared")
        }
        for j in i..<(i + repeatCount) { lengths[j] = repeatValue }
        i += repeatCount
    }
    guard lengths[256] != 0 else {
        throw DecodeFailure("corrupt deflate data: a dynamic block has no end-of-block code")
    }
    return (try HuffmanTable(lengths: Array(lengths[..<literalCount]), what: "literal/length"),
            try HuffmanTable(lengths: Array(lengths[literalCount...]), what: "distance"))
}

/// Decodes one Huffman-coded block: literals, (length, distance) back-references, end of block.
/// This is the hot loop: table lookups inline through raw pointers, the output written through a
/// raw pointer, and only the rare long codes handled by a function call.
private func inflateBlock(_ reader: inout BitReader, literals: HuffmanTable, distances: HuffmanTable,
                          into output: inout OutputBuffer, limit: Int) throws(DecodeFailure) {
    let mask = UInt64((1 << HuffmanTable.fastBits) - 1)
    try literals.fast.withUnsafeBufferPointer { (literalFast) throws(DecodeFailure) in
        try distances.fast.withUnsafeBufferPointer { (distanceFast) throws(DecodeFailure) in
            /// One symbol: from the fast table when its code has at most 10 bits, else bit by bit.
            @inline(__always) func decode(_ fast: UnsafeBufferPointer<UInt32>, _ table: HuffmanTable) throws(DecodeFailure) -> Int {
                let entry = fast[Int(reader.buffer & mask)]
                let length = Int(entry & 15)
                if length != 0 {
                    reader.drop(length)
                    return Int(entry >> 4)
                }
                return try table.decodeSlowly(&reader)
            }
            while true {
                reader.refill()             // at least 56 bits: enough for two literals (15 bits each)
                try reader.checkOverrun()   // garbage decoded from the zero padding past the end stops here
                var symbol = try decode(literalFast, literals)
                if symbol < 256 {
                    if output.count >= output.capacity { try output.grow(limit: limit) }
                    output.buffer[output.count] = UInt8(truncatingIfNeeded: symbol)
                    output.count += 1
                    symbol = try decode(literalFast, literals)
                    if symbol < 256 {
                        if output.count >= output.capacity { try output.grow(limit: limit) }
                        output.buffer[output.count] = UInt8(truncatingIfNeeded: symbol)
                        output.count += 1
                        continue
                    }
                }
                if symbol == 256 { return }
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else {
                    throw DecodeFailure("corrupt deflate data: invalid length symbol \(symbol)")
                }
                reader.refill()   // length extra bits (≤ 5) + distance code (≤ 15) fit in 56
                let length = Int(lengthBase[lengthIndex]) + Int(reader.bitsNoRefill(Int(lengthExtra[lengthIndex])))
                let distanceSymbol = try decode(distanceFast, distances)
                guard distanceSymbol < 30 else {
                    throw DecodeFailure("corrupt deflate data: invalid distance symbol \(distanceSymbol)")
                }
                reader.refill()
                let distance = Int(distanceBase[distanceSymbol])
                    + Int(reader.bitsNoRefill(Int(distanceExtra[distanceSymbol])))
                guard distance <= output.count else {
                    throw DecodeFailure("corrupt deflate data: a back-reference reaches \(distance) bytes back, "
                        + "but only \(output.count) bytes have been written (distance too far back)")
                }
                while output.count + length > output.capacity { try output.grow(limit: limit) }
                let out = output.buffer.baseAddress!
                var to = output.count
                var from = to - distance
                if distance >= length {
                    (out + to).update(from: out + from, count: length)
                } else if distance == 1 {   // a run of one byte
                    (out + to).update(repeating: out[from], count: length)
                } else {   // overlapping copy: repeats the last `distance` bytes
                    for _ in 0..<length {
                        out[to] = out[from]
                        to += 1
                        from += 1
                    }
                }
                output.count += length
            }
        }
    }
}

// MARK: - Bit reader

/// Reads DEFLATE's bit stream: least significant bit first, 64 bits buffered at a time.
/// Past the end of the input it feeds zeros but counts them; consuming any of them is "truncated".
private struct BitReader {
    let input: UnsafeBufferPointer<UInt8>
    var position: Int          // next byte to load into the buffer (may exceed input.count: padding)
    var buffer: UInt64 = 0
    var count = 0              // valid bits in `buffer`

    init(_ input: UnsafeBufferPointer<UInt8>, start: Int) {
        self.input = input
        self.position = start
    }

    /// Tops the buffer up to at least 56 bits.
    @inline(__always) mutating func refill() {
        guard count < 56 else { return }
        if position + 8 <= input.count {
            // Load 8 bytes little-endian and keep as many whole bytes as fit.
            let word = UnsafeRawPointer(input.baseAddress! + position).loadUnaligned(as: UInt64.self).littleEndian
            buffer |= word << UInt64(count)
            let taken = (63 - count) >> 3
            position += taken
            count += taken << 3
        } else {
            while count <= 56 {
                let byte: UInt64 = position < input.count ? UInt64(input[position]) : 0
                buffer |= byte << UInt64(count)
                position += 1
                count += 8
            }
        }
    }

    /// Bits consumed beyond the end of the input, if any, mean the data was cut short.
    var hasOverrun: Bool { position > input.count && position - input.count > count / 8 }

    @inline(__always) func checkOverrun() throws(DecodeFailure) {
        if hasOverrun {
            throw DecodeFailure("truncated deflate data: the compressed stream ends in the middle of a block")
        }
    }

    /// The next `n` bits (n ≤ 32), refilling first.
    @inline(__always) mutating func bits(_ n: Int) throws(DecodeFailure) -> UInt32 {
        if count < n { refill() }
        let value = bitsNoRefill(n)
        try checkOverrun()
        return value
    }

    /// The next `n` bits; the caller has made sure at least `n` are buffered.
    @inline(__always) mutating func bitsNoRefill(_ n: Int) -> UInt32 {
        let value = UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(n)) - 1))
        buffer >>= UInt64(n)
        count -= n
        return value
    }

    @inline(__always) mutating func drop(_ n: Int) {
        buffer >>= UInt64(n)
        count -= n
    }

    /// Discards the bits up to the next byte boundary.
    mutating func alignToByte() { drop(count & 7) }

    /// Where the next unread whole byte is (after alignToByte, the buffered bytes are given back).
    var bytePosition: Int { position - count / 8 }

    /// `n` raw bytes at a byte boundary.
    mutating func takeBytes(_ n: UInt32) throws(DecodeFailure) -> UnsafeBufferPointer<UInt8> {
        alignToByte()
        let start = bytePosition
        guard start <= input.count, input.count - start >= Int(n) else {
            throw DecodeFailure("truncated deflate data: a stored block of \(n) bytes runs past the end of the file")
        }
        position = start + Int(n)
        buffer = 0
        count = 0
        return UnsafeBufferPointer(rebasing: input[start..<(start + Int(n))])
    }
}

// MARK: - Huffman tables

/// A canonical Huffman code (RFC 1951 §3.2.2) ready for decoding.
/// `fast` maps the next 10 bits of input straight to (symbol << 4 | code length) for codes up to
/// 10 bits; longer codes (rare) are decoded bit by bit from `counts` and `symbols`, as in zlib's puff.c.
private struct HuffmanTable {
    static let fastBits = 10
    var fast: [UInt32]
    var counts: [Int]       // counts[len]: how many codes have length len (1...15)
    var symbols: [UInt16]   // symbols ordered by code (length, then value)

    init(lengths: [UInt8], what: String) throws(DecodeFailure) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        // Check the code is neither over-subscribed nor (apart from a lone 1-bit code) incomplete.
        var left = 1
        for length in 1...15 {
            left = left * 2 - counts[length]
            guard left >= 0 else {
                throw DecodeFailure("corrupt deflate data: over-subscribed \(what) Huffman code (bad Huffman code)")
            }
        }
        let used = counts.reduce(0, +)
        // Like zlib, accept an incomplete literal/length or distance code only when it has no symbol
        // or a single one-bit code (found by differential fuzzing: a lone longer code was accepted).
        if left > 0 && !(what != "code-length" && (used == 0 || (used == 1 && counts[1] == 1))) {
            throw DecodeFailure("corrupt deflate data: incomplete \(what) Huffman code (bad Huffman code)")
        }
        // First code of each length, then assign codes to symbols in order.
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [UInt16](repeating: 0, count: max(used, 1))
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[Int(length)]] = UInt16(symbol)
            offsets[Int(length)] += 1
        }
        var fast = [UInt32](repeating: 0, count: 1 << Self.fastBits)
        var code = 0, index = 0
        for length in 1...15 {
            for _ in 0..<counts[length] {
                if length <= Self.fastBits {
                    // Codes are stored most-significant bit first in an LSB-first stream: reverse them.
                    var reversed = 0
                    for b in 0..<length where code & (1 << b) != 0 { reversed |= 1 << (length - 1 - b) }
                    let entry = UInt32(symbols[index]) << 4 | UInt32(length)
                    var slot = reversed
                    while slot < fast.count {
                        fast[slot] = entry
                        slot += 1 << length
                    }
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
        self.fast = fast
        self.counts = counts
        self.symbols = symbols
    }

    /// Decodes one symbol. Entries with length 0 are codes longer than 10 bits, or no code at all.
    @inline(__always) func decode(_ reader: inout BitReader) throws(DecodeFailure) -> Int {
        if reader.count < 15 { reader.refill() }
        let entry = fast.withUnsafeBufferPointer { $0[Int(reader.buffer & UInt64((1 << Self.fastBits) - 1))] }
        let length = Int(entry & 15)
        if length != 0 {
            reader.drop(length)
            return Int(entry >> 4)
        }
        return try decodeSlowly(&reader)
    }

    func decodeSlowly(_ reader: inout BitReader) throws(DecodeFailure) -> Int {
        var code = 0, first = 0, index = 0
        var bits = reader.buffer
        for length in 1...15 {
            code |= Int(bits & 1)
            bits >>= 1
            let count = counts[length]
            if code - first < count {
                reader.drop(length)
                try reader.checkOverrun()
                return Int(symbols[index + code - first])
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        try reader.checkOverrun()
        throw DecodeFailure("corrupt deflate data: a bit sequence that is no code of the block's Huffman table (bad Huffman code)")
    }
}

/// The fixed Huffman codes of block type 1 (RFC 1951 §3.2.6).
private struct HuffmanTables: Sendable {
    let literals: HuffmanTable
    let distances: HuffmanTable

    static let fixed: HuffmanTables = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // Symbols 286, 287 and distances 30, 31 take part in the code but never occur in valid data.
        return HuffmanTables(literals: try! HuffmanTable(lengths: lengths, what: "fixed literal/length"),
                             distances: try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 32),
                                                          what: "fixed distance"))
    }()
}

// MARK: - Output

/// A growable byte buffer written through a raw pointer (no per-byte bounds or uniqueness checks).
private struct OutputBuffer {
    var buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0
    /// False while writing straight into the result array's storage; true once grown into our own.
    var ownsBuffer = false
    /// True when the limit is the size the caller expects (a known file), not a generic bound.
    var limitIsExpectedSize = false
    var capacity: Int { buffer.count }

    /// Runs `body` writing into a fresh array of `capacity` bytes, which becomes the result without a
    /// copy when the output fits (the usual case: gzip's trailer states the size).
    static func collect(capacity: Int, expected: Bool,
                        _ body: (inout OutputBuffer) throws(DecodeFailure) -> Void) throws(DecodeFailure) -> [UInt8] {
        var failure: DecodeFailure?
        var spilled: [UInt8]?
        let result = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { storage, initialized in
            var output = OutputBuffer(buffer: storage, limitIsExpectedSize: expected)
            do throws(DecodeFailure) { try body(&output) } catch { failure = error }
            if output.ownsBuffer {
                if failure == nil { spilled = Array(UnsafeBufferPointer(rebasing: output.buffer[..<output.count])) }
                output.buffer.deallocate()
                initialized = 0
            } else {
                initialized = failure == nil ? output.count : 0
            }
        }
        if let failure { throw failure }
        return spilled ?? result
    }

    mutating func grow(limit: Int) throws(DecodeFailure) {
        guard buffer.count < limit else { throw tooLarge(limit) }
        let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: min(limit, max(buffer.count * 2, 1024)))
        bigger.baseAddress!.initialize(from: buffer.baseAddress!, count: count)
        if ownsBuffer { buffer.deallocate() }
        buffer = bigger
        ownsBuffer = true
    }

    func tooLarge(_ limit: Int) -> DecodeFailure {
        limitIsExpectedSize ? DecodeFailure("decompresses to more than the expected \(limit) bytes")
                            : DecodeFailure("decompressed data exceeds the limit of \(limit) bytes")
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) throws(DecodeFailure) {
        guard bytes.count > 0 else { return }
        guard count + bytes.count <= limit else { throw tooLarge(limit) }
        while count + bytes.count > capacity { try grow(limit: limit) }
        (buffer.baseAddress! + count).initialize(from: bytes.baseAddress!, count: bytes.count)
        count += bytes.count
    }
}

// MARK: - CRC-32

/// CRC-32 (the gzip/zlib/PNG polynomial 0xEDB88320), eight bytes per step ("slicing by 8").
enum CRC32 {
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 256 * 8)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xff)] }
        }
        return t
    }()

    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            if n >= 8, let base = bytes.baseAddress {
                while i + 8 <= n {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian
                    let low = UInt32(truncatingIfNeeded: word) ^ crc
                    let high = UInt32(truncatingIfNeeded: word >> 32)
                    crc = t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(high & 0xff)] ^ t[2 * 256 + Int((high >> 8) & 0xff)]
                        ^ t[1 * 256 + Int((high >> 16) & 0xff)] ^ t[Int(high >> 24)]
                    i += 8
                }
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xff)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }
}
