// Element-by-element kernels for the activation and dropout layers: ReLU forward and backward,
// and multiplying by a dropout mask. SIMD16 loops, split across threads for large tensors.

/// Tensors with at least this many elements are split across threads.
private let parallelThreshold = 400_000

/// output[i] = max(input[i], 0)
public func reluForward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
    let pointers = ElementwisePointers(a: input, b: input, out: output)
    forEachChunk(count) { range in
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let x = load(pointers.a + i)
            store(x.replacing(with: 0, where: x .< 0), pointers.out + i)
            i += 16
        }
        while i < range.upperBound { pointers.out[i] = max(pointers.a[i], 0); i += 1 }
    }
}

/// inputGradient[i] = outputGradient[i] where output[i] > 0, else 0.
/// (ReLU's output is positive exactly where its input was.)
public func reluBackward(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>, count: Int) {
    let pointers = ElementwisePointers(a: output, b: outputGradient, out: inputGradient)
    forEachChunk(count) { range in
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let y = load(pointers.a + i), dy = load(pointers.b + i)
            store(dy.replacing(with: 0, where: y .<= 0), pointers.out + i)
            i += 16
        }
        while i < range.upperBound { pointers.out[i] = pointers.a[i] > 0 ? pointers.b[i] : 0; i += 1 }
    }
}

/// output[i] = input[i] · mask[i]
public func multiplyElementwise(_ input: UnsafePointer<Float>, _ mask: UnsafePointer<Float>,
                                _ output: UnsafeMutablePointer<Float>, count: Int) {
    let pointers = ElementwisePointers(a: input, b: mask, out: output)
    forEachChunk(count) { range in
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            store(load(pointers.a + i) * load(pointers.b + i), pointers.out + i)
            i += 16
        }
        while i < range.upperBound { pointers.out[i] = pointers.a[i] * pointers.b[i]; i += 1 }
    }
}

private struct ElementwisePointers: @unchecked Sendable {
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
}

@inline(__always)
private func forEachChunk(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let pieces = count >= parallelThreshold ? Threads.count : 1
    parallelFor(pieces) { piece in
        // Chunk boundaries on multiples of 16, so only the last chunk has a scalar tail.
        let blocks = (count + 15) / 16
        body(min(count, blocks * piece / pieces * 16)..<min(count, blocks * (piece + 1) / pieces * 16))
    }
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
