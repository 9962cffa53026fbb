// PLACEHOLDER: a correct but slow GEMM, to be replaced by the register-blocked SIMD kernel.

/// C = alpha · op(A) · op(B) + beta · C, single precision, row-major (the BLAS `sgemm` contract).
///
///   op(A) is (m, k): A itself when `transposeA` is false (A is m×k, row stride lda),
///                     or Aᵀ when it is true (A is k×m, row stride lda).
///   op(B) is (k, n): likewise with `transposeB` and ldb.
///   C is (m, n) with row stride ldc.
/// beta == 0 overwrites C without reading it (so C may hold garbage or NaN).
public func gemm(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += av * bv
            }
            c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}
