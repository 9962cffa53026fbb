/// Whole-tensor matrix products on 2-D tensors, built on the `gemm` kernel.

/// op(a) · op(b) for 2-D tensors, where op transposes when asked.
/// a is (m, k) (or (k, m) with transposeA), b is (k, n) (or (n, k) with transposeB); the result is (m, n).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let (m, k, n) = productShape(a, b, transposeA, transposeB)
    // gemm with beta = 0 writes every element of C without reading it: no need to zero it first.
    var c = Tensor(uninitializedShape: [m, n]) { _ in }
    multiply(a, b, transposeA, transposeB, m, n, k, beta: 0, into: &c)
    return c
}

/// c += op(a) · op(b): backward passes accumulate weight gradients this way.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, accumulatingInto c: inout Tensor) {
    let (m, k, n) = productShape(a, b, transposeA, transposeB)
    guard c.shape == [m, n] else {
        fatalError("matmul: the accumulator has shape \(c.shape) but the product is [\(m), \(n)]")
    }
    multiply(a, b, transposeA, transposeB, m, n, k, beta: 1, into: &c)
}

private func productShape(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> (m: Int, k: Int, n: Int) {
    guard a.rank == 2, b.rank == 2 else {
        fatalError("matmul: expected 2-D tensors, got shapes \(a.shape) and \(b.shape)")
    }
    let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    guard k == k2 else {
        fatalError("matmul: inner dimensions differ: \(ta ? "aᵀ" : "a") is [\(m), \(k)], \(tb ? "bᵀ" : "b") is [\(k2), \(n)]")
    }
    return (m, k, n)
}

private func multiply(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
                      beta: Float, into c: inout Tensor) {
    let lda = a.shape[1], ldb = b.shape[1]
    a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
            c.scalars.withUnsafeMutableBufferPointer { pc in
                guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pc = pc.baseAddress else { return }
                gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                     a: pa, lda: lda, b: pb, ldb: ldb, beta: beta, c: pc, ldc: n)
            }
        }
    }
}
