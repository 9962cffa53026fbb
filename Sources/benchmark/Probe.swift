import Engine
import Foundation
/// Temporary: single-thread GEMM probe.
func probe() {
    let shapes: [(Int, Int, Int, Bool, Bool)] = [(3136, 1024, 100, true, false), (100, 1024, 3136, false, false), (100, 3136, 1024, false, true)]
    for (m, n, k, ta, tb) in shapes {
        var rng = RandomSource(seed: 1)
        let a = Tensor(normal: ta ? [k, m] : [m, k], rng: &rng)
        let b = Tensor(normal: tb ? [n, k] : [k, n], rng: &rng)
        var c = Tensor(zeros: [m, n])
        var best = 1e9
        for _ in 0..<200 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            a.scalars.withUnsafeBufferPointer { pa in b.scalars.withUnsafeBufferPointer { pb in c.scalars.withUnsafeMutableBufferPointer { pc in
                gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1], beta: 0, c: pc.baseAddress!, ldc: n, threads: 2)
            } } }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            if best * 200 > 2 { break }
        }
        print("\(m)x\(n)x\(k) ta \(ta) tb \(tb): \(String(format: "%.1f", 2 * Double(m * n * k) / best * 1e-9)) GFLOP/s 2 threads")
    }
}
