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
//
// A is read in place (row or column strided), never copied: for the skinny products of the
// lessons (N = 10, K = 25, …) copying A would cost as much as multiplying it.
// Large products are split into column blocks (or row blocks when C is narrow) across threads;
// small ones stay on the calling thread with no dispatch overhead.

/// Register tile: 6 rows × 16 columns (12 SIMD8 accumulators + 2 for B + 1 broadcast = 15 of 16 AVX registers).
private let tileRows = 6
private let tileColumns = 16
/// Cache blocks: a 256 × 16 sliver of B is 16 KB (L1); 96 × 256 of A is 96 KB (L2); 256 × 2048 of B is 2 MB (L3).
private let blockDepth = 256
private let blockRows = 96
private let blockColumns = 2048
/// Products smaller than this many multiply-adds run on one thread: splitting them costs more than it saves.
private let parallelThreshold = 3_000_000

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
    let problem = GEMMProblem(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                              a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    let threads = max(1, threads)
    guard threads > 1, m * n * k >= parallelThreshold else {
        problem.runOnThisThread()
        return
    }
    // Split C into column blocks when it is wide enough: each thread then packs only its own part
    // of B and reads A in place, so nothing is done twice. A narrow C (N = 10, 32, 64) is split
    // into row blocks instead; each thread packs the (small) B itself.
    let splitColumns = n >= 2 * tileColumns * threads
    let extent = splitColumns ? n : m
    let quantum = splitColumns ? tileColumns : tileRows
    let quanta = (extent + quantum - 1) / quantum
    // A few more pieces than threads, so a core slowed by other work does not hold up the rest.
    let pieces = min(quanta, threads * 3)
    parallelFor(pieces) { piece in
        let first = quanta * piece / pieces * quantum
        let last = min(extent, quanta * (piece + 1) / pieces * quantum)
        guard first < last else { return }
        (splitColumns ? problem.columns(first..<last) : problem.rows(first..<last)).runOnThisThread()
    }
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
        let packed = UnsafeMutableRawPointer.allocate(
            byteCount: slivers * tileColumns * min(k, blockDepth) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: slivers * tileColumns * min(k, blockDepth))
        defer { packed.deallocate() }

        for jc in stride(from: 0, to: n, by: blockColumns) {
            let nc = min(blockColumns, n - jc)
            for pc in stride(from: 0, to: k, by: blockDepth) {
                let kc = min(blockDepth, k - pc)
                packB(depth: pc, kc, columns: jc, nc, into: packed)
                // Only the first pass over the shared dimension applies beta; later ones accumulate.
                let betaHere: Float = pc == 0 ? beta : 1
                for ic in stride(from: 0, to: m, by: blockRows) {
                    let mc = min(blockRows, m - ic)
                    for jr in stride(from: 0, to: nc, by: tileColumns) {
                        let sliver = UnsafePointer(packed + jr * kc)
                        let columnCount = min(tileColumns, nc - jr)
                        for ir in stride(from: 0, to: mc, by: tileRows) {
                            let i = ic + ir
                            microKernel(depth: kc,
                                        a: a + i * rowStride + pc * depthStride, rowStride: rowStride,
                                        depthStride: depthStride, rows: min(tileRows, mc - ir),
                                        b: sliver, c: c + i * ldc + jc + jr, ldc: ldc, columns: columnCount,
                                        alpha: alpha, beta: betaHere)
                        }
                    }
                }
            }
        }
    }

    /// Copies op(B)[depth..<depth+kc, columns..<columns+nc] into slivers of 16 columns:
    /// sliver s holds rows p = 0..<kc of its 16 columns, one after another (16·kc floats),
    /// zero-padded past the last column so the micro-kernel never needs a narrower path.
    private func packB(depth pc: Int, _ kc: Int, columns jc: Int, _ nc: Int, into packed: UnsafeMutablePointer<Float>) {
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
                        store(load(source + 8), target + 8)
                        source += ldb
                        target += tileColumns
                    }
                } else {
                    for _ in 0..<kc {
                        for jj in 0..<width { target[jj] = source[jj] }
                        for jj in width..<tileColumns { target[jj] = 0 }
                        source += ldb
                        target += tileColumns
                    }
                }
            } else {
                // op(B)(p, j) = b[j * ldb + p]: read each stored row contiguously, write it strided.
                for jj in 0..<width {
                    let source = b + (j + jj) * ldb + pc
                    for p in 0..<kc { sliver[p * tileColumns + jj] = source[p] }
                }
                if width < tileColumns {
                    for p in 0..<kc {
                        for jj in width..<tileColumns { sliver[p * tileColumns + jj] = 0 }
                    }
                }
            }
        }
    }
}

/// C[0..<rows, 0..<columns] = alpha · Σ_p A(r, p) · B(p, ·) + beta · C   (beta == 0: C is not read).
///
/// A(r, p) is a[r * rowStride + p * depthStride]; `b` is a packed sliver, 16 floats per p.
/// Rows past `rows` repeat the last valid row (so A is never read out of bounds) and are not stored.
@inline(__always)
private func microKernel(depth: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, rows: Int,
                         b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int,
                         alpha: Float, beta: Float) {
    let o1 = min(1, rows - 1) * rowStride, o2 = min(2, rows - 1) * rowStride
    let o3 = min(3, rows - 1) * rowStride, o4 = min(4, rows - 1) * rowStride
    let o5 = min(5, rows - 1) * rowStride
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var ap = a
    var bp = b
    for _ in 0..<depth {
        let b0 = load(bp), b1 = load(bp + 8)
        var x = SIMD8<Float>(repeating: ap[0])
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = SIMD8<Float>(repeating: ap[o1])
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = SIMD8<Float>(repeating: ap[o2])
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = SIMD8<Float>(repeating: ap[o3])
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        x = SIMD8<Float>(repeating: ap[o4])
        c40 = multiplyAdd(c40, x, b0); c41 = multiplyAdd(c41, x, b1)
        x = SIMD8<Float>(repeating: ap[o5])
        c50 = multiplyAdd(c50, x, b0); c51 = multiplyAdd(c51, x, b1)
        ap += depthStride
        bp += tileColumns
    }
    storeRow(c, c00, c01, columns, alpha, beta)
    if rows > 1 { storeRow(c + ldc, c10, c11, columns, alpha, beta) }
    if rows > 2 { storeRow(c + 2 * ldc, c20, c21, columns, alpha, beta) }
    if rows > 3 { storeRow(c + 3 * ldc, c30, c31, columns, alpha, beta) }
    if rows > 4 { storeRow(c + 4 * ldc, c40, c41, columns, alpha, beta) }
    if rows > 5 { storeRow(c + 5 * ldc, c50, c51, columns, alpha, beta) }
}

/// c[0..<columns] = alpha · (x0, x1) + beta · c[0..<columns], not reading c when beta is 0.
@inline(__always)
private func storeRow(_ c: UnsafeMutablePointer<Float>, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>,
                      _ columns: Int, _ alpha: Float, _ beta: Float) {
    var v0 = x0, v1 = x1
    if alpha != 1 { v0 *= alpha; v1 *= alpha }
    if columns == tileColumns {
        if beta == 1 {
            v0 += load(c); v1 += load(c + 8)
        } else if beta != 0 {
            v0 = multiplyAdd(v0, load(c), SIMD8(repeating: beta))
            v1 = multiplyAdd(v1, load(c + 8), SIMD8(repeating: beta))
        }
        store(v0, c)
        store(v1, c + 8)
    } else {
        for j in 0..<columns {
            let v = j < 8 ? v0[j] : v1[j - 8]
            c[j] = beta == 0 ? v : v + beta * c[j]
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
private func multiplyAdd(_ acc: SIMD8<Float>, _ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
    #if ENGINE_FMA
    return acc.addingProduct(x, y)
    #else
    return acc + x * y
    #endif
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
