import Testing
@testable import Engine

/// The blocked, SIMD, multi-threaded `gemm` against a plain triple loop.
@Suite("GEMM")
struct GEMMTests {
    /// C = alpha · op(A) · op(B) + beta · C, the obvious way, in Double.
    static func naive(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, _ beta: Float,
                      _ c: inout [Float], _ ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = ta ? a[p * lda + i] : a[i * lda + p]
                    let y = tb ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }

    /// Runs one case through both and compares every element of C, including the padding
    /// columns past n (which must be left untouched).
    static func check(_ m: Int, _ n: Int, _ k: Int, ta: Bool, tb: Bool, alpha: Float = 1, beta: Float = 0,
                      padding: Int = 0, threads: Int = Threads.count, seed: UInt64 = 7) {
        var rng = RandomSource(seed: seed)
        let lda = (ta ? m : k) + padding, ldb = (tb ? k : n) + padding, ldc = n + padding
        let a = (0..<((ta ? k : m) * lda)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<((tb ? n : k) * ldb)).map { _ in rng.uniform(-1, 1) }
        // With beta == 0, C starts as NaN: gemm must not read it.
        let start = (0..<(m * ldc)).map { _ in beta == 0 ? Float.nan : rng.uniform(-1, 1) }
        var expected = start
        naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, &expected, ldc)
        var actual = start
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                actual.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha,
                         a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                         beta: beta, c: pc.baseAddress!, ldc: ldc, threads: threads)
                }
            }
        }
        var worst: Float = 0, worstAt = 0
        var paddingTouched = false
        for i in 0..<m {
            for j in 0..<ldc {
                let index = i * ldc + j
                if j >= n {
                    if !(actual[index].isNaN && start[index].isNaN) && actual[index] != start[index] { paddingTouched = true }
                    continue
                }
                // Float accumulation over k terms of size ≤ 1: error grows like √k · ε.
                let error = abs(actual[index] - expected[index]) / (1 + abs(expected[index]))
                if !(error <= worst) { worst = error.isNaN ? .infinity : error; worstAt = index }
            }
        }
        let label = "m \(m) n \(n) k \(k) ta \(ta) tb \(tb) alpha \(alpha) beta \(beta) padding \(padding) threads \(threads)"
        #expect(worst < 1e-5 * Float(max(k, 1)).squareRoot() + 1e-6,
                "\(label): largest error \(worst) at element \(worstAt): \(actual[worstAt]) vs \(expected[worstAt])")
        #expect(!paddingTouched, "\(label): wrote past column n")
    }

    static let transposes = [(false, false), (true, false), (false, true), (true, true)]

    @Test("awkward small shapes, all four transpose combinations",
          arguments: [(1, 1, 1), (7, 13, 5), (5, 7, 13), (6, 16, 1), (13, 17, 19), (2, 33, 3), (31, 10, 64), (1, 100, 2)])
    func smallShapes(shape: (Int, Int, Int)) {
        for (ta, tb) in Self.transposes {
            Self.check(shape.0, shape.1, shape.2, ta: ta, tb: tb)
        }
    }

    @Test("alpha and beta", arguments: [(Float(1), Float(1)), (2.5, 0), (-0.5, 1), (1, -2), (0.75, 0.25), (0, 3)])
    func alphaBeta(alpha: Float, beta: Float) {
        for (ta, tb) in Self.transposes {
            Self.check(11, 21, 9, ta: ta, tb: tb, alpha: alpha, beta: beta)
            Self.check(1, 1, 1, ta: ta, tb: tb, alpha: alpha, beta: beta)
        }
    }

    @Test("leading dimensions larger than the width")
    func leadingDimensions() {
        for (ta, tb) in Self.transposes {
            Self.check(9, 19, 23, ta: ta, tb: tb, alpha: 1.5, beta: 0.5, padding: 3)
            Self.check(14, 40, 7, ta: ta, tb: tb, padding: 17)
        }
    }

    @Test("sizes crossing the cache blocks (k > 256, m > 96, n > 2048), one thread and several")
    func blockBoundaries() {
        for threads in [1, 2, 3] {
            Self.check(103, 37, 300, ta: false, tb: false, beta: 1, threads: threads)
            Self.check(97, 45, 513, ta: true, tb: true, alpha: 0.5, threads: threads)
            Self.check(8, 2061, 260, ta: false, tb: true, threads: threads)
            Self.check(130, 150, 170, ta: true, tb: false, beta: 0.5, padding: 5, threads: threads)
        }
    }

    @Test("a large transposed B is multiplied as Cᵀ = op(B)ᵀ·op(A)ᵀ; alpha, beta and padding still hold")
    func transposedProducts() {
        for threads in [1, 2] {
            Self.check(20, 300, 100, ta: false, tb: true, alpha: 0.5, beta: 0.5, padding: 3, threads: threads)
            Self.check(30, 50, 70, ta: true, tb: true, beta: 1, padding: 2, threads: threads)
            Self.check(100, 3136, 64, ta: false, tb: true, threads: threads)
            Self.check(7, 40, 33, ta: true, tb: true, alpha: -1, beta: 0, threads: threads)
        }
    }

    @Test("Aᵀ·B one vector wide (lesson 01's dW) is multiplied as Cᵀ = Bᵀ·A, with the same bits")
    func narrowTransposedProducts() {
        for threads in [1, 2] {
            Self.check(784, 10, 100, ta: true, tb: false, beta: 1, threads: threads)
            Self.check(130, 16, 37, ta: true, tb: false, alpha: 0.5, beta: 0.25, padding: 3, threads: threads)
            Self.check(1024, 1, 300, ta: true, tb: false, threads: threads)
        }
        // The same bits as the one-vector kernel, which takes the same product below the size limit:
        // each row of C computed alone (m = 1) must match the whole product's row.
        var rng = RandomSource(seed: 9)
        let (m, n, k) = (784, 10, 100)
        let a = (0..<(k * m)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        var whole = [Float](repeating: 0, count: m * n), rows = whole
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                whole.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: true, transposeB: false, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: m,
                         b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                }
                rows.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<m {
                        gemm(transposeA: true, transposeB: false, m: 1, n: n, k: k, alpha: 1, a: pa.baseAddress! + i, lda: m,
                             b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress! + i * n, ldc: n)
                    }
                }
            }
        }
        #expect(whole.map(\.bitPattern) == rows.map(\.bitPattern))
    }

    @Test("a tall A (m ≥ 512, beyond L2) is copied into 6-row tiles")
    func packedA() {
        Self.check(607, 50, 341, ta: false, tb: false, beta: 0.5, padding: 2, threads: 1)
        Self.check(601, 49, 340, ta: true, tb: false, alpha: 2, threads: 2)
        // A last sliver one vector wide or narrower (lesson 04's dy·Wᵀ has 100 = 3·32 + 4 columns)
        // goes to the 12-row kernel, which then reads two packed tiles; 607 and 601 rows end in
        // partial tiles of 1 and 7 rows.
        Self.check(607, 100, 340, ta: false, tb: false, beta: 0.5, threads: 1)
        Self.check(601, 106, 340, ta: true, tb: false, padding: 3, threads: 2)
        Self.check(613, 104, 330, ta: false, tb: true, alpha: 0.5, beta: 1, threads: 2)
    }

    @Test("few rows of A·Bᵀ with a long shared dimension are computed as dot products")
    func dotProducts() {
        Self.check(25, 32, 784, ta: false, tb: true, beta: 1)
        Self.check(9, 32, 784, ta: false, tb: true)
        Self.check(1, 1, 64, ta: false, tb: true, alpha: 2, beta: 0.5)
        Self.check(32, 7, 101, ta: false, tb: true, alpha: -1, beta: 1, padding: 5)
        Self.check(4, 5, 67, ta: false, tb: true, padding: 1)
    }

    @Test("the lessons' shapes, where the parallel split takes columns or rows")
    func lessonShapes() {
        Self.check(100, 10, 784, ta: false, tb: false)
        Self.check(784, 10, 100, ta: true, tb: false, beta: 1)
        Self.check(100, 784, 10, ta: false, tb: true)
        Self.check(64, 800, 196, ta: false, tb: false, beta: 1)
        Self.check(3000, 32, 40, ta: false, tb: true)
        Self.check(100, 1024, 320, ta: false, tb: false)
    }

    /// C = op(A)·op(B) (+ C when `beta` is 1) on `threads` threads.
    static func product(_ m: Int, _ n: Int, _ k: Int, ta: Bool, tb: Bool, beta: Float, threads: Int) -> [Float] {
        var rng = RandomSource(seed: 11)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        var c = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: ta ? m : k,
                         b: pb.baseAddress!, ldb: tb ? k : n, beta: beta, c: pc.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
        return c
    }

    @Test("splitting a product across threads changes no bit: lesson 01's small products, one piece a thread, and larger ones")
    func sameBitsOnAnyThreads() {
        // (m, n, k, transposeA, transposeB, beta): lesson 01's x·W, dW = xᵀ·dy, dx = dy·Wᵀ; a product
        // just above the size that is split; one split into three pieces a thread.
        let cases = [(100, 10, 784, false, false, Float(0)), (784, 10, 100, true, false, 1), (100, 784, 10, false, true, 0),
                     (30, 90, 80, false, false, 1), (64, 800, 196, false, false, 1)]
        for (m, n, k, ta, tb, beta) in cases {
            let one = Self.product(m, n, k, ta: ta, tb: tb, beta: beta, threads: 1)
            for threads in [2, 3, 4] {
                let several = Self.product(m, n, k, ta: ta, tb: tb, beta: beta, threads: threads)
                let differ = zip(one, several).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differ == 0, "\(m)×\(n)×\(k) ta \(ta) tb \(tb): \(differ) of \(one.count) elements differ on \(threads) threads")
            }
        }
    }

    @Test("k == 0 and alpha == 0 only scale C")
    func degenerate() {
        Self.check(5, 6, 0, ta: false, tb: false, beta: 0)
        Self.check(5, 6, 0, ta: true, tb: true, beta: 2)
        Self.check(5, 6, 4, ta: false, tb: false, alpha: 0, beta: 0.5)
    }
}
