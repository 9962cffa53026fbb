// The machine's fused multiply-add limit, measured: a loop that only multiplies and adds in
// registers, on every thread. It reads no memory, so nothing a real kernel does can beat it;
// the benchmark prints each kernel's GFLOP/s as a fraction of it.
//
// Each thread keeps 12 independent accumulators: an FMA's result is ready only after 4–5 cycles
// and most cores start two per cycle, so fewer than 10 chains would measure the latency instead;
// more than 14 do not fit AVX2's 16 vector registers beside the two operands, and the spilled
// accumulators then measure the store-to-load round trip (16 did: 48 GFLOP/s a core on an AMD
// EPYC whose GEMM ran at 66). The loop runs for at least a few milliseconds so the clock has ramped up.
import Dispatch

/// The fused multiply-add peak in GFLOP/s (one FMA = 2 floating-point operations) for `lanes`-wide
/// vectors (8 or 16 floats: 256- or 512-bit registers) on `threads` threads, best of repeated runs
/// over about `seconds` in total.
public func measureFMAPeak(lanes: Int, threads: Int = Threads.count, seconds: Double = 0.2) -> Double {
    let threads = max(1, threads)
    func run(_ n: Int) -> Double {
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sink.deallocate() }
        let pointer = SendablePointer(sink)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            pointer.pointer[t] = lanes == 16 ? fmaLoop(SIMD16<Float>.self, n, seed: Float(t))
                                             : fmaLoop(SIMD8<Float>.self, n, seed: Float(t))
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
    var n = 100_000   // rounds of 12 FMAs, doubled until one run takes 5 ms
    while run(n) < 0.005 { n *= 2 }
    var best = Double.infinity, total = 0.0
    repeat {
        let t = run(n)
        best = min(best, t)
        total += t
    } while total < seconds
    return Double(threads) * Double(n) * 12 * Double(lanes) * 2 / best * 1e-9
}

/// `n` rounds of 12 independent fused multiply-adds on `V`-wide vectors; returns a value that
/// depends on every one of them (so the compiler cannot drop the loop).
@inline(never)
private func fmaLoop<V: SIMD>(_: V.Type, _ n: Int, seed: Float) -> Float where V.Scalar == Float {
    let x = V(repeating: 0.999_999), y = V(repeating: 1e-7 + seed * 1e-9)
    var a0 = V(repeating: 1), a1 = V(repeating: 2), a2 = V(repeating: 3), a3 = V(repeating: 4)
    var a4 = V(repeating: 5), a5 = V(repeating: 6), a6 = V(repeating: 7), a7 = V(repeating: 8)
    var a8 = V(repeating: 9), a9 = V(repeating: 10), a10 = V(repeating: 11), a11 = V(repeating: 12)
    for _ in 0..<n {
        a0 = fma(a0, x, y); a1 = fma(a1, x, y); a2 = fma(a2, x, y); a3 = fma(a3, x, y)
        a4 = fma(a4, x, y); a5 = fma(a5, x, y); a6 = fma(a6, x, y); a7 = fma(a7, x, y)
        a8 = fma(a8, x, y); a9 = fma(a9, x, y); a10 = fma(a10, x, y); a11 = fma(a11, x, y)
    }
    let s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
    return s.sum()
}

/// a · x + y, one fused instruction where the CPU has FMA (ENGINE_FMA, set by Package.swift).
@inline(__always)
private func fma<V: SIMD>(_ a: V, _ x: V, _ y: V) -> V where V.Scalar == Float {
    #if ENGINE_FMA
    return y.addingProduct(a, x)
    #else
    return a * x + y
    #endif
}
