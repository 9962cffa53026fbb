// Speed of the engine's kernels at the shapes the lessons use.
// Run: swift run -c release benchmark
import Engine
import Foundation

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

/// The best of several timed repetitions (the machine is shared: the minimum is the least disturbed).
func bestTime(minimumSeconds: Double = 0.3, _ body: () -> Void) -> Double {
    body()  // warm up
    var best = Double.infinity, total = 0.0
    while total < minimumSeconds {
        let t = seconds(body)
        best = min(best, t)
        total += t
    }
    return best
}

struct Shape { let what: String; let m, n, k: Int; let ta, tb: Bool }

let gemmShapes: [Shape] = [
    Shape(what: "lesson 01 forward  x·W", m: 100, n: 10, k: 784, ta: false, tb: false),
    Shape(what: "lesson 01 backward xᵀ·dy", m: 784, n: 10, k: 100, ta: true, tb: false),
    Shape(what: "lesson 01 backward dy·Wᵀ", m: 100, n: 784, k: 10, ta: false, tb: true),
    Shape(what: "fc1 forward", m: 100, n: 1024, k: 3136, ta: false, tb: false),
    Shape(what: "fc1 backward dW", m: 3136, n: 1024, k: 100, ta: true, tb: false),
    Shape(what: "fc1 backward dx", m: 100, n: 3136, k: 1024, ta: false, tb: true),
    Shape(what: "square 1024", m: 1024, n: 1024, k: 1024, ta: false, tb: false),
]

print("GEMM (\(Threads.count) threads)")
for s in gemmShapes {
    var rng = RandomSource(seed: 1)
    let a = Tensor(normal: s.ta ? [s.k, s.m] : [s.m, s.k], rng: &rng)
    let b = Tensor(normal: s.tb ? [s.n, s.k] : [s.k, s.n], rng: &rng)
    var c = Tensor(zeros: [s.m, s.n])
    let t = bestTime {
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.scalars.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: s.ta, transposeB: s.tb, m: s.m, n: s.n, k: s.k, alpha: 1,
                         a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                         beta: 0, c: pc.baseAddress!, ldc: s.n)
                }
            }
        }
    }
    let gflops = 2 * Double(s.m * s.n * s.k) / t * 1e-9
    print("  \(s.what.padding(toLength: 28, withPad: " ", startingAt: 0)) \(s.m)×\(s.n)×\(s.k)  \(String(format: "%7.1f", gflops)) GFLOP/s  \(String(format: "%8.1f", t * 1e6)) µs")
}
