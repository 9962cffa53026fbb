// Single-precision matrix multiply (sgemm), register-blocked with SIMD, cache-blocked, multi-threaded.
//
// Everything the kernel needs lives in this one file: debug builds compile file by file, and a
// SIMD helper in another file would not be inlined into the hot loop.
//
// The algorithm is the one BLIS and OpenBLAS use, simplified:
//
//   for each block of NC columns of C                    (jc)
//     for each block of KC along the shared dimension     (pc)
//       pack B[pc..<pc+KC, jc..<jc+NC] into slivers of 16 columns, each sliver contiguous
//       for each block of MC rows                         (ic)   A block stays in L2
//         for each 16-column sliver of packed B           (jr)   the sliver stays in L1
//           for each 6 rows                               (ir)
//             micro-kernel: a 6×16 tile of C held in 12 SIMD8 registers, updated KC times
//             with a rank-1 product (6 broadcast values of A × 16 values of B)
//             (with AVX-512, 6×32 in 12 SIMD16 registers: twice the work per instruction)
//
// A is read in place (row or column strided), never copied: for the skinny products of the
// lessons (N = 10, K = 25, …) copying A would cost as much as multiplying it.
// Products are split into column blocks (or row blocks when C is narrow) across threads, down to
// lesson 01's 0.8 million multiply-adds (one piece a thread); tiny ones stay on the calling thread.

/// Register tile: 6 rows × 2 vectors (12 accumulators + 2 for B + 1 broadcast = 15 of 16 AVX registers).
/// A vector is 8 floats (256-bit AVX2, NEON pairs), or 16 (512-bit) where the CPU has AVX-512
/// (ENGINE_AVX512, set by Package.swift): a tile is then 6 × 32. Each element of C is summed in
/// the same order either way (one lane, p = 0, 1, 2, …), so the results are the same to the bit.
#if ENGINE_AVX512
private typealias Vector = SIMD16<Float>
#else
private typealias Vector = SIMD8<Float>
#endif
private let lanes = Vector.scalarCount
/// Floats in the GEMM's vector: 16 where the engine is built for AVX-512, 8 otherwise (the
/// benchmark measures the multiply-add peak at this width).
public let engineVectorFloats = lanes
private let tileRows = 6
private let tileColumns = 2 * lanes
/// Cache blocks: a 256 × 16 sliver of B is 16 KB (L1); 96 × 256 of A is 96 KB (L2); 256 × 2048 of B is 2 MB (L3).
/// (DirectConvolution.swift sums in the same depth blocks, to give the same bits.)
let blockDepth = 256
private let blockRows = 96
private let blockColumns = 2048
/// Products smaller than this many multiply-adds run on one thread: splitting them costs more than
/// it saves. (Below 3 million they are split into one piece a thread, which costs a microsecond
/// with the engine's helper threads awake, Parallel.swift; through Dispatch it cost 10–20, so
/// this limit was once 3 million.)
private let parallelThreshold = 200_000
/// Products this size or larger are split into more pieces than threads (a core slowed by other work
/// then does not hold up the rest); smaller ones into one piece a thread, each packing B once.
private let manyPiecesThreshold = 3_000_000
/// The limit on `dotProducts`' size. It decides which order a product's sums are taken in (so the
/// bits of every lesson's results): it stays fixed, whatever the thresholds for threads say.
private let dotProductsLimit = 3_000_000

/// C = alpha · op(A) · op(B) + beta · C, single precision, row-major (the BLAS `sgemm` contract).
///
///   op(A) is (m, k): A itself when `transposeA` is false (A is m×k, row stride lda),
///                     or Aᵀ when it is true (A is k×m, row stride lda).
///   op(B) is (k, n): likewise with `transposeB` and ldb.
///   C is (m, n) with row stride ldc.
/// beta == 0 overwrites C without reading it (so C may hold garbage or NaN).
/// `threads` caps the threads used (default `Threads.count`); kernels that already split their
/// work across threads (a convolution runs images in parallel) pass 1.
public func gemm(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    threads: Int = Threads.count
) {
    guard m > 0, n > 0 else { return }
    if k == 0 || alpha == 0 {
        scale(c, ldc: ldc, m: m, n: n, by: beta)
        return
    }
    // C = A·Bᵀ with few rows and a long shared dimension (a convolution's dW on a one-channel image:
    // 25 × 32 results, each a sum over 784 pixels): A and B are both contiguous along k, so take the
    // dot products directly; transposing B into slivers would cost more than the multiplication.
    if usesDotProducts(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k) {
        dotProducts(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    // Packing a transposed B costs one strided copy per element of B. When B is much larger than
    // A and C (lesson 04's dx = dy·Wᵀ: W is 3136×1024, dy only 100×1024), compute Cᵀ = op(B)ᵀ·op(A)ᵀ
    // instead, where the transposed operand to pack is the small A, and transpose the result.
    if transposesBToPackA(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k) {
        multiplyTransposed(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
        return
    }
    // Aᵀ·B with C only one vector wide (lesson 01's dW = xᵀ·dy, 784 × 10): the one-vector kernel would
    // use 10 of its 16 lanes and broadcast 12 values of A for every 12 multiply-adds. Cᵀ = Bᵀ·A is
    // 10 rows by 784 columns instead: full-width tiles, 6 broadcasts per 12.
    if transposeA && !transposeB && n <= lanes && m >= 8 * lanes {
        multiplyTransposed(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
        return
    }
    // A is read in place while it fits in L2 (a convolution's filters, a batch of activations).
    // A tall A that does not (lesson 04's 3136-row operands) is copied into contiguous 6-row tiles,
    // worth it only when each tile then serves 3 or more 16-column slivers of B.
    let packA = n >= 3 * tileColumns && m >= 512 && m * k >= 200_000
    let problem = GEMMProblem(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                              a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, packA: packA)
    let threads = max(1, threads)
    guard threads > 1, m * n * k >= parallelThreshold else {
        problem.runOnThisThread()
        return
    }
    // Split C into blocks of columns or of rows. Each column block needs all of A, each row block
    // all of B: split along the longer side of C, so the operand every piece reads is the smaller
    // one (lesson 04's dy·Wᵀ, computed as W·dyᵀ, is 3136 × 100: rows, or every piece would stream
    // all 12.8 MB of W). A side too short to give each thread two tiles is not split.
    let splitColumns = n >= m ? n >= 2 * tileColumns * threads : m < 2 * tileRows * threads
    let extent = splitColumns ? n : m
    let quantum = splitColumns ? tileColumns : tileRows
    let quanta = (extent + quantum - 1) / quantum
    // A few more pieces than threads, so a core slowed by other work does not hold up the rest; a small
    // product one piece a thread (lesson 01's x·W: every piece packs all of B, 784 × 10, again).
    let pieces = min(quanta, m * n * k >= manyPiecesThreshold ? threads * 3 : threads)
    parallelFor(pieces) { piece in
        let first = quanta * piece / pieces * quantum
        let last = min(extent, quanta * (piece + 1) / pieces * quantum)
        guard first < last else { return }
        (splitColumns ? problem.columns(first..<last) : problem.rows(first..<last)).runOnThisThread()
    }
}

/// Whether `gemm` takes C = A·Bᵀ as `dotProducts` (each sum in 8 lanes, then across them).
private func usesDotProducts(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int) -> Bool {
    !transposeA && transposeB && k >= 64 && m <= 32 && m * n * k < dotProductsLimit
}

/// Whether `gemm` computes a product with a transposed B as Cᵀ = op(B)ᵀ·op(A)ᵀ (`multiplyTransposed`).
private func transposesBToPackA(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int) -> Bool {
    transposeB && (transposeA ? n * k > m * n : n * k > 2 * (m * k + m * n))
}

/// C = alpha · A · Bᵀ + beta · C as dot products of rows: C[i, j] = Σ_p A[i, p] · B[j, p].
/// 3 rows of A × 3 rows of B at a time, in 9 SIMD8 accumulators summed across lanes at the end.
/// (With 12, 3 × 4, the accumulators and the 4 vectors they multiply fill all 16 of AVX2's registers
/// and two accumulators were kept on the stack: 35 GFLOP/s on one thread against ~60 for this tile.
/// Each sum is the same either way: every C[i, j] is its own chain of lanes.)
private func dotProducts(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let vectorEnd = k / 8 * 8
    for i in stride(from: 0, to: m, by: 3) {
        let rows = min(3, m - i)
        // Rows past the end repeat the last one (computed, never stored).
        let a0 = a + i * lda, a1 = a + min(i + 1, m - 1) * lda, a2 = a + min(i + 2, m - 1) * lda
        for j in stride(from: 0, to: n, by: 3) {
            let columns = min(3, n - j)
            let b0 = b + j * ldb, b1 = b + min(j + 1, n - 1) * ldb, b2 = b + min(j + 2, n - 1) * ldb
            var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s02 = SIMD8<Float>()
            var s10 = SIMD8<Float>(), s11 = SIMD8<Float>(), s12 = SIMD8<Float>()
            var s20 = SIMD8<Float>(), s21 = SIMD8<Float>(), s22 = SIMD8<Float>()
            var p = 0
            while p < vectorEnd {
                let x0 = load8(a0 + p), x1 = load8(a1 + p), x2 = load8(a2 + p)
                var y = load8(b0 + p)
                s00 = multiplyAdd(s00, x0, y); s10 = multiplyAdd(s10, x1, y); s20 = multiplyAdd(s20, x2, y)
                y = load8(b1 + p)
                s01 = multiplyAdd(s01, x0, y); s11 = multiplyAdd(s11, x1, y); s21 = multiplyAdd(s21, x2, y)
                y = load8(b2 + p)
                s02 = multiplyAdd(s02, x0, y); s12 = multiplyAdd(s12, x1, y); s22 = multiplyAdd(s22, x2, y)
                p += 8
            }
            // Sum each accumulator's lanes, add the last k mod 8 terms, and store the valid results.
            @inline(__always) func store(_ r: Int, _ column: Int, _ sum: SIMD8<Float>,
                                         _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) {
                guard r < rows, column < columns else { return }
                var total = sum.sum()
                for q in vectorEnd..<k { total += x[q] * y[q] }
                let target = c + (i + r) * ldc + j + column
                target.pointee = beta == 0 ? alpha * total : alpha * total + beta * target.pointee
            }
            store(0, 0, s00, a0, b0); store(0, 1, s01, a0, b1); store(0, 2, s02, a0, b2)
            store(1, 0, s10, a1, b0); store(1, 1, s11, a1, b1); store(1, 2, s12, a1, b2)
            store(2, 0, s20, a2, b0); store(2, 1, s21, a2, b1); store(2, 2, s22, a2, b2)
        }
    }
}

/// C = alpha · op(A) · op(B) + beta · C computed as T = op(B)ᵀ · op(A)ᵀ (n × m, scratch), then C = Tᵀ.
/// Each element is the same chain of multiply-adds either way (the products' factors swap places).
private func multiplyTransposed(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    let t = UnsafeMutablePointer<Float>.allocate(capacity: n * m)
    defer { t.deallocate() }
    // op(B)ᵀ is B as stored when transposeB, else Bᵀ; op(A)ᵀ is A as stored when transposeA, else Aᵀ.
    gemm(transposeA: !transposeB, transposeB: !transposeA, m: n, n: m, k: k, alpha: alpha,
         a: b, lda: ldb, b: a, ldb: lda, beta: 0, c: t, ldc: m, threads: threads)
    // C[i, j] = T[j, i] (+ beta · C[i, j]), in 32 × 32 blocks so both sides stay in cache.
    let pointers = TransposePointers(t: t, c: c)
    let blocks = (m + 31) / 32
    let pieces = threads > 1 && m * n >= 100_000 ? min(blocks, threads) : 1
    parallelFor(pieces) { piece in
        for block in (blocks * piece / pieces)..<(blocks * (piece + 1) / pieces) {
            let i0 = block * 32, i1 = min(m, i0 + 32)
            for j0 in stride(from: 0, to: n, by: 32) {
                for i in i0..<i1 {
                    let row = pointers.c + i * ldc
                    for j in j0..<min(n, j0 + 32) {
                        let v = pointers.t[j * m + i]
                        row[j] = beta == 0 ? v : v + beta * row[j]
                    }
                }
            }
        }
    }
}

private struct TransposePointers: @unchecked Sendable {
    let t: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
}

/// One multiplication, as the blocked loops see it. The pointers are the caller's; threads work
/// on disjoint blocks of C.
private struct GEMMProblem: @unchecked Sendable {
    var transposeA: Bool, transposeB: Bool
    var m: Int, n: Int, k: Int
    var alpha: Float
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int
    var beta: Float
    var c: UnsafeMutablePointer<Float>, ldc: Int
    /// Copy A into 6-row tiles (see `gemm`), or read it in place.
    var packA: Bool

    /// The sub-problem for columns `range` of C.
    func columns(_ range: Range<Int>) -> GEMMProblem {
        var sub = self
        sub.n = range.count
        sub.b = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
        sub.c = c + range.lowerBound
        return sub
    }

    /// The sub-problem for rows `range` of C.
    func rows(_ range: Range<Int>) -> GEMMProblem {
        var sub = self
        sub.m = range.count
        sub.a = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
        sub.c = c + range.lowerBound * ldc
        return sub
    }

    /// The blocked loops on the calling thread.
    func runOnThisThread() {
        // Element (i, p) of op(A) is at a[i * rowStride + p * depthStride].
        let (rowStride, depthStride) = transposeA ? (1, lda) : (lda, 1)
        let panelWidth = min(n, blockColumns)
        let slivers = (panelWidth + tileColumns - 1) / tileColumns
        let depth = min(k, blockDepth)
        let packedBCount = slivers * tileColumns * depth
        let packedACount = packA ? (blockRows + tileRows) * depth : 0
        let packed = UnsafeMutableRawPointer.allocate(
            byteCount: (packedBCount + packedACount) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: packedBCount + packedACount)
        defer { packed.deallocate() }
        let packedA = packed + packedBCount

        for jc in stride(from: 0, to: n, by: blockColumns) {
            let nc = min(blockColumns, n - jc)
            for pc in stride(from: 0, to: k, by: blockDepth) {
                let kc = min(blockDepth, k - pc)
                packB(depth: pc, kc, columns: jc, nc, into: packed)
                // Only the first pass over the shared dimension applies beta; later ones accumulate.
                let betaHere: Float = pc == 0 ? beta : 1
                for ic in stride(from: 0, to: m, by: blockRows) {
                    let mc = min(blockRows, m - ic)
                    if packA { self.packA(rows: ic, mc, depth: pc, kc, into: packedA) }
                    for jr in stride(from: 0, to: nc, by: tileColumns) {
                        let sliver = UnsafePointer(packed + jr * kc)
                        let columnCount = min(tileColumns, nc - jr)
                        if Self.isNarrow(width: columnCount) {
                            // A sliver one vector wide (lesson 01's 10 classes, the last 4 of lesson 04's
                            // batch of 100 in dy·Wᵀ): 12 rows at a time instead, two packed tiles of A.
                            for ir in stride(from: 0, to: mc, by: 2 * tileRows) {
                                let i = ic + ir
                                let inPlace = a + i * rowStride + pc * depthStride
                                let (first, second, rowStep, depthStep) = packA
                                    ? (UnsafePointer(packedA + ir * kc), UnsafePointer(packedA + (ir + tileRows) * kc), 1, tileRows)
                                    : (inPlace, inPlace + tileRows * rowStride, rowStride, depthStride)
                                narrowMicroKernel(depth: kc, a: first, secondHalf: second, rowStride: rowStep, depthStride: depthStep,
                                                  rows: min(2 * tileRows, mc - ir),
                                                  b: sliver, c: c + i * ldc + jc + jr, ldc: ldc, columns: columnCount,
                                                  alpha: alpha, beta: betaHere)
                            }
                            continue
                        }
                        for ir in stride(from: 0, to: mc, by: tileRows) {
                            let i = ic + ir
                            let rows = min(tileRows, mc - ir)
                            if packA {
                                microKernel(depth: kc, a: UnsafePointer(packedA + ir * kc), rowStride: 1,
                                            depthStride: tileRows, rows: rows,
                                            b: sliver, c: c + i * ldc + jc + jr, ldc: ldc, columns: columnCount,
                                            alpha: alpha, beta: betaHere)
                            } else {
                                microKernel(depth: kc, a: a + i * rowStride + pc * depthStride, rowStride: rowStride,
                                            depthStride: depthStride, rows: rows,
                                            b: sliver, c: c + i * ldc + jc + jr, ldc: ldc, columns: columnCount,
                                            alpha: alpha, beta: betaHere)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies op(A)[rows..<rows+mc, depth..<depth+kc] into tiles of 6 rows: tile t holds, for each
    /// p, its 6 values A(6t + r, p) side by side (6·kc floats), so the micro-kernel reads one
    /// contiguous stream. Rows past mc repeat the last row (they are computed but never stored).
    private func packA(rows ic: Int, _ mc: Int, depth pc: Int, _ kc: Int, into packed: UnsafeMutablePointer<Float>) {
        for ir in stride(from: 0, to: mc, by: tileRows) {
            let tile = packed + ir * kc
            let valid = min(tileRows, mc - ir)
            if transposeA && valid == tileRows {
                // op(A)(i, p) = a[p * lda + i]: the tile's 6 values for each p are contiguous.
                var source = a + pc * lda + ic + ir
                var target = tile
                for _ in 0..<kc {
                    target[0] = source[0]; target[1] = source[1]; target[2] = source[2]
                    target[3] = source[3]; target[4] = source[4]; target[5] = source[5]
                    source += lda
                    target += tileRows
                }
                continue
            }
            if !transposeA {
                // op(A)(i, p) = a[i * lda + p]: six contiguous rows, read side by side.
                let row = a + pc
                let r0 = row + (ic + ir) * lda, r1 = row + (ic + ir + min(1, valid - 1)) * lda
                let r2 = row + (ic + ir + min(2, valid - 1)) * lda, r3 = row + (ic + ir + min(3, valid - 1)) * lda
                let r4 = row + (ic + ir + min(4, valid - 1)) * lda, r5 = row + (ic + ir + min(5, valid - 1)) * lda
                var target = tile
                for p in 0..<kc {
                    target[0] = r0[p]; target[1] = r1[p]; target[2] = r2[p]
                    target[3] = r3[p]; target[4] = r4[p]; target[5] = r5[p]
                    target += tileRows
                }
                continue
            }
            for r in 0..<tileRows {
                var source = a + pc * lda + ic + ir + min(r, valid - 1)
                for p in 0..<kc { tile[p * tileRows + r] = source.pointee; source += lda }
            }
        }
    }

    /// Whether a sliver of `width` valid columns goes to the one-vector kernel (`narrowMicroKernel`).
    static func isNarrow(width: Int) -> Bool { width <= lanes }

    /// The floats per p in a packed sliver: a narrow one (only ever the last) is one vector wide.
    func sliverStride(width: Int) -> Int { Self.isNarrow(width: width) ? lanes : tileColumns }

    /// Copies op(B)[depth..<depth+kc, columns..<columns+nc] into slivers of `tileColumns` columns:
    /// sliver s holds rows p = 0..<kc of its columns, one after another (tileColumns·kc floats),
    /// zero-padded past the last column so the micro-kernel never needs a narrower path. A last
    /// sliver that fits in one vector is packed one vector wide, for `narrowMicroKernel`.
    fileprivate func packB(depth pc: Int, _ kc: Int, columns jc: Int, _ nc: Int, into packed: UnsafeMutablePointer<Float>) {
        for jr in stride(from: 0, to: nc, by: tileColumns) {
            let sliver = packed + jr * kc
            let j = jc + jr
            let width = min(tileColumns, nc - jr)
            if !transposeB {
                // op(B)(p, j) = b[p * ldb + j]: rows of 16 contiguous floats, copied as vectors.
                var source = b + pc * ldb + j
                var target = sliver
                if width == tileColumns {
                    for _ in 0..<kc {
                        store(load(source), target)
                        store(load(source + lanes), target + lanes)
                        source += ldb
                        target += tileColumns
                    }
                } else {
                    let rowLength = sliverStride(width: width)
                    for _ in 0..<kc {
                        for jj in 0..<width { target[jj] = source[jj] }
                        for jj in width..<rowLength { target[jj] = 0 }
                        source += ldb
                        target += rowLength
                    }
                }
            } else {
                // op(B)(p, j) = b[j * ldb + p].
                let rowLength = sliverStride(width: width)
                if width % 8 == 0 {
                    // 8 stored rows at a time: each p's 8 values are gathered from them and written as one
                    // vector, not as 8 strided stores (a convolution's dout, packed for its weight gradient:
                    // the SimpleCNN's second layer's dW on one thread, 4.6–4.8 ms → 4.4; lesson 07's 8 filters).
                    for j0 in stride(from: 0, to: width, by: 8) {
                        let s0 = b + (j + j0) * ldb + pc, s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb
                        let s4 = s3 + ldb, s5 = s4 + ldb, s6 = s5 + ldb, s7 = s6 + ldb
                        var target = sliver + j0
                        for p in 0..<kc {
                            let v = SIMD8<Float>(s0[p], s1[p], s2[p], s3[p], s4[p], s5[p], s6[p], s7[p])
                            UnsafeMutableRawPointer(target).storeBytes(of: v, as: SIMD8<Float>.self)
                            target += rowLength
                        }
                    }
                } else {
                    // A part-full sliver: read each stored row contiguously, write it strided.
                    for jj in 0..<width {
                        let source = b + (j + jj) * ldb + pc
                        for p in 0..<kc { sliver[p * rowLength + jj] = source[p] }
                    }
                }
                if width < rowLength {
                    for p in 0..<kc {
                        for jj in width..<rowLength { sliver[p * rowLength + jj] = 0 }
                    }
                }
            }
        }
    }
}

// MARK: - A convolution's dWᵀ, its im2col matrix never written

/// Whether `windowedWeightGradient` gives the bits `gemm` gives for the same product: where `gemm`
/// takes it through the blocked loops. A one-channel image's 25 × 32 dWᵀ, say, is dot products in
/// `gemm`: another order of sums.
func windowedWeightGradientApplies(_ s: ConvolutionShape) -> Bool {
    let q = s.patchSize, cout = s.outputChannels, k = s.outputPixels
    return s.stride == 1
        && !usesDotProducts(transposeA: false, transposeB: true, m: q, n: cout, k: k)
        && !transposesBToPackA(transposeA: false, transposeB: true, m: q, n: cout, k: k)
}

/// dWᵀ = columns · doutᵀ + beta · dWᵀ   (Q, Cout), for one image of a stride-1 convolution, where
/// `columns` (Q, Ho·Wo) is the image's im2col matrix, read where it lives instead of copied out:
/// row t = (c·K + ky)·K + kx of it, at output pixel (oy, ox), is padded[c][oy + ky][ox + kx] of the
/// zero-padded image (`copyIntoPadded`). The same multiply-adds in the same order as
/// `gemm(transposeA: false, transposeB: true, m: Q, n: Cout, k: Ho·Wo, a: columns, …)`, so the
/// same bits, without writing and reading the matrix (627 KB an image in lesson 04's conv2, 25
/// copies of each pixel). dout is (Cout, Ho·Wo); dWᵀ has row stride Cout.
func windowedWeightGradient(_ s: ConvolutionShape, padded: UnsafePointer<Float>, outputGradient dout: UnsafePointer<Float>,
                            beta: Float, weightGradientTransposed c: UnsafeMutablePointer<Float>) {
    let q = s.patchSize, cout = s.outputChannels, k = s.outputPixels
    let kk = s.kernelSize * s.kernelSize, wp = s.inputWidth + 2 * s.padding
    let planeSize = (s.inputHeight + 2 * s.padding) * wp
    // Where row t of the columns starts in the padded image.
    @inline(__always) func start(_ t: Int) -> Int {
        let within = t % kk
        return t / kk * planeSize + within / s.kernelSize * wp + within % s.kernelSize
    }
    // dout read transposed, packed into slivers exactly as the GEMM packs it.
    let slivers = GEMMProblem(transposeA: false, transposeB: true, m: q, n: cout, k: k, alpha: 1,
                              a: padded, lda: k, b: dout, ldb: k, beta: beta, c: c, ldc: cout, packA: false)
    let count = (cout + tileColumns - 1) / tileColumns * tileColumns * min(k, blockDepth)
    let packed = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: count)
    defer { packed.deallocate() }
    for pc in stride(from: 0, to: k, by: blockDepth) {
        let kc = min(blockDepth, k - pc)
        slivers.packB(depth: pc, kc, columns: 0, cout, into: packed)
        let betaHere: Float = pc == 0 ? beta : 1
        // A last sliver one vector wide (lesson 07's 8 filters) takes `gemm`'s narrow tile, 12 rows at a time.
        let lastWidth = cout % tileColumns
        let wideEnd = lastWidth > 0 && GEMMProblem.isNarrow(width: lastWidth) ? cout - lastWidth : cout
        if wideEnd < cout {
            for ir in stride(from: 0, to: q, by: 2 * tileRows) {
                let rows = min(2 * tileRows, q - ir)
                windowNarrowMicroKernel(first: pc, depth: kc, width: s.outputWidth, rowPitch: wp,
                                        row: { padded + start(ir + min($0, rows - 1)) }, count: rows,
                                        b: UnsafePointer(packed + wideEnd * kc), c: c + ir * cout + wideEnd, ldc: cout,
                                        columns: cout - wideEnd, beta: betaHere)
            }
        }
        guard wideEnd > 0 else { continue }
        for ir in stride(from: 0, to: q, by: tileRows) {
            let rows = min(tileRows, q - ir)
            // Rows past `rows` repeat the last one (computed, never stored), as in `microKernel`.
            let r0 = padded + start(ir), r1 = padded + start(ir + min(1, rows - 1))
            let r2 = padded + start(ir + min(2, rows - 1)), r3 = padded + start(ir + min(3, rows - 1))
            let r4 = padded + start(ir + min(4, rows - 1)), r5 = padded + start(ir + min(5, rows - 1))
            for jr in stride(from: 0, to: wideEnd, by: tileColumns) {
                windowMicroKernel(first: pc, depth: kc, width: s.outputWidth, rowPitch: wp,
                                  r0, r1, r2, r3, r4, r5, rows: rows, b: UnsafePointer(packed + jr * kc),
                                  c: c + ir * cout + jr, ldc: cout, columns: min(tileColumns, wideEnd - jr), beta: betaHere)
            }
        }
    }
}

/// `microKernel` with A's rows read from six places of a padded image: A(r, p) for output pixel
/// p = oy·width + ox is r_r[oy · rowPitch + ox]. Depth runs p = first..<first + depth, in order.
@inline(__always)
private func windowMicroKernel(first: Int, depth: Int, width: Int, rowPitch: Int,
                               _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
                               _ r3: UnsafePointer<Float>, _ r4: UnsafePointer<Float>, _ r5: UnsafePointer<Float>,
                               rows: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                               columns: Int, beta: Float) {
    var tile = Tile()
    var bp = b
    forEachWindowPixel(first: first, depth: depth, width: width, rowPitch: rowPitch) { i in
        tile.add(r0[i], r1[i], r2[i], r3[i], r4[i], r5[i], times: bp)
        bp += tileColumns
    }
    tile.store(c, ldc: ldc, rows: rows, columns: columns, alpha: 1, beta: beta)
}

/// Calls `body(i)` for output pixels p = first..<first + depth in order, i = oy · rowPitch + ox being
/// where pixel p = oy·width + ox sits in a padded image's rows: each output row's run is consecutive.
@inline(__always)
private func forEachWindowPixel(first: Int, depth: Int, width: Int, rowPitch: Int, _ body: (Int) -> Void) {
    var oy = first / width, ox = first % width, remaining = depth
    while remaining > 0 {
        let run = min(width - ox, remaining)
        let base = oy * rowPitch + ox
        for i in base..<(base + run) { body(i) }
        remaining -= run
        ox = 0
        oy += 1
    }
}

/// `narrowMicroKernel` with A's 12 rows read from a padded image, as in `windowMicroKernel`: A(r, p)
/// for output pixel p = oy·width + ox is row(r)[oy · rowPitch + ox] (`row` repeats the last of the
/// `count` valid rows past it). `b` is a sliver packed one vector wide.
@inline(__always)
private func windowNarrowMicroKernel(first: Int, depth: Int, width: Int, rowPitch: Int, row: (Int) -> UnsafePointer<Float>,
                                     count: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                                     columns: Int, beta: Float) {
    let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
    let r6 = row(6), r7 = row(7), r8 = row(8), r9 = row(9), r10 = row(10), r11 = row(11)
    var tile = NarrowTile()
    var bp = b
    forEachWindowPixel(first: first, depth: depth, width: width, rowPitch: rowPitch) { i in
        tile.add(r0[i], r1[i], r2[i], r3[i], r4[i], r5[i], r6[i], r7[i], r8[i], r9[i], r10[i], r11[i], times: bp)
        bp += lanes
    }
    tile.store(c, ldc: ldc, rows: count, columns: columns, alpha: 1, beta: beta)
}

/// C[0..<rows, 0..<columns] = alpha · Σ_p A(r, p) · B(p, ·) + beta · C   (beta == 0: C is not read).
///
/// A(r, p) is a[r * rowStride + p * depthStride]; `b` is a packed sliver, `tileColumns` floats per p.
/// Rows past `rows` repeat the last valid row (so A is never read out of bounds) and are not stored.
@inline(__always)
private func microKernel(depth: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, rows: Int,
                         b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int,
                         alpha: Float, beta: Float) {
    let o1 = min(1, rows - 1) * rowStride, o2 = min(2, rows - 1) * rowStride
    let o3 = min(3, rows - 1) * rowStride, o4 = min(4, rows - 1) * rowStride
    let o5 = min(5, rows - 1) * rowStride
    var tile = Tile()
    var ap = a
    var bp = b
    for _ in 0..<depth {
        tile.add(ap[0], ap[o1], ap[o2], ap[o3], ap[o4], ap[o5], times: bp)
        ap += depthStride
        bp += tileColumns
    }
    tile.store(c, ldc: ldc, rows: rows, columns: columns, alpha: alpha, beta: beta)
}

/// The 6 × 2-vector register tile of C that `microKernel` and `windowMicroKernel` sum into.
private struct Tile {
    var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
    var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
    var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()

    /// One rank-1 update: row r += A(r, p) · B(p, ·), B(p, ·) being two vectors at `b`.
    @inline(__always)
    mutating func add(_ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ a4: Float, _ a5: Float,
                      times b: UnsafePointer<Float>) {
        let b0 = load(b), b1 = load(b + lanes)
        var x = Vector(repeating: a0)
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = Vector(repeating: a1)
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = Vector(repeating: a2)
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = Vector(repeating: a3)
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        x = Vector(repeating: a4)
        c40 = multiplyAdd(c40, x, b0); c41 = multiplyAdd(c41, x, b1)
        x = Vector(repeating: a5)
        c50 = multiplyAdd(c50, x, b0); c51 = multiplyAdd(c51, x, b1)
    }

    /// C's first `rows` rows and `columns` columns = alpha · tile + beta · C (`storeRow`).
    @inline(__always)
    func store(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, alpha: Float, beta: Float) {
        storeRow(c, c00, c01, columns, alpha, beta)
        if rows > 1 { storeRow(c + ldc, c10, c11, columns, alpha, beta) }
        if rows > 2 { storeRow(c + 2 * ldc, c20, c21, columns, alpha, beta) }
        if rows > 3 { storeRow(c + 3 * ldc, c30, c31, columns, alpha, beta) }
        if rows > 4 { storeRow(c + 4 * ldc, c40, c41, columns, alpha, beta) }
        if rows > 5 { storeRow(c + 5 * ldc, c50, c51, columns, alpha, beta) }
    }
}

/// The micro-kernel for a sliver whose valid columns fit in one vector: a 12 × `lanes` tile in 12
/// accumulators (the 6-row kernel would spend half its multiply-adds on the zero padding, and
/// six chains of multiply-adds are too few to hide their latency). Same sums, in the same order.
/// Rows 0–5 are read from `a`, rows 6–11 from `secondHalf` (A read in place: 6 rows further on;
/// packed A: the next tile), each A(r, p) at r · rowStride + p · depthStride from its half's start.
@inline(__always)
private func narrowMicroKernel(depth: Int, a: UnsafePointer<Float>, secondHalf: UnsafePointer<Float>,
                               rowStride: Int, depthStride: Int, rows: Int,
                               b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int,
                               alpha: Float, beta: Float) {
    // Rows past `rows` repeat the last valid one; with 6 rows or fewer the second half is never read.
    @inline(__always) func offset(_ r: Int) -> Int { min(r, rows - 1) * rowStride }
    let o1 = offset(1), o2 = offset(2), o3 = offset(3), o4 = offset(4), o5 = offset(5)
    let second = rows > tileRows ? secondHalf : a
    @inline(__always) func secondOffset(_ r: Int) -> Int { rows > tileRows ? min(r, rows - 1 - tileRows) * rowStride : o5 }
    let o6 = secondOffset(0), o7 = secondOffset(1), o8 = secondOffset(2), o9 = secondOffset(3)
    let o10 = secondOffset(4), o11 = secondOffset(5)
    var tile = NarrowTile()
    var ap = a, ap2 = second
    var bp = b
    for _ in 0..<depth {
        tile.add(ap[0], ap[o1], ap[o2], ap[o3], ap[o4], ap[o5], ap2[o6], ap2[o7], ap2[o8], ap2[o9], ap2[o10], ap2[o11], times: bp)
        ap += depthStride
        ap2 += depthStride
        bp += lanes   // a narrow sliver is packed one vector wide
    }
    tile.store(c, ldc: ldc, rows: rows, columns: columns, alpha: alpha, beta: beta)
}

/// The 12 × 1-vector register tile of C that `narrowMicroKernel` and `windowNarrowMicroKernel` sum into.
private struct NarrowTile {
    var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
    var c6 = Vector(), c7 = Vector(), c8 = Vector(), c9 = Vector(), c10 = Vector(), c11 = Vector()

    /// One rank-1 update: row r += A(r, p) · B(p, ·), B(p, ·) being one vector at `b`.
    @inline(__always)
    mutating func add(_ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ a4: Float, _ a5: Float,
                      _ a6: Float, _ a7: Float, _ a8: Float, _ a9: Float, _ a10: Float, _ a11: Float,
                      times b: UnsafePointer<Float>) {
        let b0 = load(b)
        c0 = multiplyAdd(c0, Vector(repeating: a0), b0); c1 = multiplyAdd(c1, Vector(repeating: a1), b0)
        c2 = multiplyAdd(c2, Vector(repeating: a2), b0); c3 = multiplyAdd(c3, Vector(repeating: a3), b0)
        c4 = multiplyAdd(c4, Vector(repeating: a4), b0); c5 = multiplyAdd(c5, Vector(repeating: a5), b0)
        c6 = multiplyAdd(c6, Vector(repeating: a6), b0); c7 = multiplyAdd(c7, Vector(repeating: a7), b0)
        c8 = multiplyAdd(c8, Vector(repeating: a8), b0); c9 = multiplyAdd(c9, Vector(repeating: a9), b0)
        c10 = multiplyAdd(c10, Vector(repeating: a10), b0); c11 = multiplyAdd(c11, Vector(repeating: a11), b0)
    }

    /// C's first `rows` rows and `columns` columns = alpha · tile + beta · C (`storeRow`).
    @inline(__always)
    func store(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, alpha: Float, beta: Float) {
        @inline(__always) func put(_ r: Int, _ v: Vector) {
            if r < rows { storeRow(c + r * ldc, v, Vector(), columns, alpha, beta) }
        }
        put(0, c0); put(1, c1); put(2, c2); put(3, c3); put(4, c4); put(5, c5)
        put(6, c6); put(7, c7); put(8, c8); put(9, c9); put(10, c10); put(11, c11)
    }
}

/// c[0..<columns] = alpha · (x0, x1) + beta · c[0..<columns], not reading c when beta is 0.
@inline(__always)
private func storeRow(_ c: UnsafeMutablePointer<Float>, _ x0: Vector, _ x1: Vector,
                      _ columns: Int, _ alpha: Float, _ beta: Float) {
    var v0 = x0, v1 = x1
    if alpha != 1 { v0 *= alpha; v1 *= alpha }
    if columns == tileColumns {
        if beta == 1 {
            v0 += load(c); v1 += load(c + lanes)
        } else if beta != 0 {
            v0 = multiplyAdd(v0, load(c), Vector(repeating: beta))
            v1 = multiplyAdd(v1, load(c + lanes), Vector(repeating: beta))
        }
        store(v0, c)
        store(v1, c + lanes)
    } else {
        // A partial row: spill the two vectors and copy the valid columns (indexing a vector lane
        // by a variable costs more than the stack round trip).
        var spilled = (v0, v1)
        withUnsafeBytes(of: &spilled) { raw in
            let v = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            if beta == 0 {
                c.update(from: v, count: columns)
            } else {
                for j in 0..<columns { c[j] = v[j] + beta * c[j] }
            }
        }
    }
}

/// c = beta · c over an m × n block (beta == 0 writes zeros without reading).
private func scale(_ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, by beta: Float) {
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: n)
        } else if beta != 1 {
            for j in 0..<n { row[j] *= beta }
        }
    }
}

/// acc + x · y, fused into one instruction where the CPU has FMA (ENGINE_FMA, set by Package.swift).
/// Without hardware FMA `addingProduct` becomes a slow library call per lane, so it is a plain multiply and add.
@inline(__always)
private func multiplyAdd<V: SIMD>(_ acc: V, _ x: V, _ y: V) -> V where V.Scalar == Float {
    #if ENGINE_FMA
    return acc.addingProduct(x, y)
    #else
    return acc + x * y
    #endif
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
}

@inline(__always)
private func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
}

/// 8 floats, whatever `Vector` is: the dot products sum 8 lanes at the end, an order kept fixed.
@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
