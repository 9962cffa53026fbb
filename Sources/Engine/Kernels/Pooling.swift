// Max-pooling over NCHW batches: each output is the largest input in its size × size window.
// Forward remembers where each maximum was (its index in the input plane), so backward can
// send each output gradient to that one input and nowhere else.

/// The sizes of a max-pooling over a batch of NCHW images (no padding).
public struct PoolingShape: Sendable, Equatable {
    public var batch: Int
    public var channels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var size: Int
    public var stride: Int

    public init(batch: Int, channels: Int, inputHeight: Int, inputWidth: Int, size: Int, stride: Int) {
        self.batch = batch
        self.channels = channels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.size = size
        self.stride = stride
    }

    /// (H − size) / stride + 1: a window that would hang over the edge is dropped.
    public var outputHeight: Int { (inputHeight - size) / stride + 1 }
    public var outputWidth: Int { (inputWidth - size) / stride + 1 }
    var planes: Int { batch * channels }
}

/// Planes are split across threads when there are at least this many input values.
private let parallelThreshold = 200_000

/// output[n, c, oy, ox] = max of input[n, c, oy·S ..< oy·S + size, ox·S ..< ox·S + size];
/// argmax receives the position (iy·W + ix) of that maximum within its input plane.
///   input is (N, C, H, W); output and argmax are (N, C, Ho, Wo)
public func maxPoolForward(_ shape: PoolingShape, input: UnsafePointer<Float>,
                           output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
    let s = shape
    let pointers = PoolingPointers(input: input, output: output, argmax: argmax)
    let inputCount = s.planes * s.inputHeight * s.inputWidth
    let evenLanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    forEachPlane(s) { plane in
        let h = s.inputHeight, w = s.inputWidth, ho = s.outputHeight, wo = s.outputWidth
        let x = pointers.input + plane * h * w
        let out = pointers.output + plane * ho * wo, arg = pointers.argmax + plane * ho * wo
        if s.size == 2 && s.stride == 2 {
            // The common case: the larger of each pair in the top and bottom rows, then the larger
            // of the two, as selects rather than branches (the winner is unpredictable). Ties go
            // to the first in scan order, as in the general loop below.
            for oy in 0..<ho {
                let top = 2 * oy * w, bottom = top + w
                var first = 0
                // 8 outputs at a time, the same selects on vectors: even and odd lanes of 16 inputs are the
                // left and right of 8 windows. A vector may read past its rows (never past the tensor);
                // lanes past the row are never stored.
                while first < wo && plane * h * w + bottom + 2 * first + 16 <= inputCount {
                    let count = min(8, wo - first)
                    let upper = load16(x + top + 2 * first), lowerRow = load16(x + bottom + 2 * first)
                    let a = upper.evenHalf, b = upper.oddHalf, c = lowerRow.evenHalf, d = lowerRow.oddHalf
                    let i = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: top + 2 * first)) &+ evenLanes
                    let j = i &+ Int32(truncatingIfNeeded: w)
                    let topRight = b .> a, bottomRight = d .> c
                    let topMax = a.replacing(with: b, where: topRight), topAt = i.replacing(with: i &+ 1, where: topRight)
                    let bottomMax = c.replacing(with: d, where: bottomRight), bottomAt = j.replacing(with: j &+ 1, where: bottomRight)
                    let lower = bottomMax .> topMax
                    var best = topMax.replacing(with: bottomMax, where: lower), at = topAt.replacing(with: bottomAt, where: lower)
                    let o = out + oy * wo + first, g = arg + oy * wo + first
                    // A row's last few may be stored as a whole vector too while it stays inside this
                    // plane: the lanes past the row land on later rows, which overwrite them.
                    if count == 8 || oy * wo + first + 8 <= ho * wo {
                        UnsafeMutableRawPointer(o).storeBytes(of: best, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(g).storeBytes(of: at, as: SIMD8<Int32>.self)
                    } else {   // the plane's last few: the next plane may be another thread's
                        withUnsafeBytes(of: &best) { o.update(from: $0.baseAddress!.assumingMemoryBound(to: Float.self), count: count) }
                        withUnsafeBytes(of: &at) { g.update(from: $0.baseAddress!.assumingMemoryBound(to: Int32.self), count: count) }
                    }
                    first += 8
                }
                for ox in min(first, wo)..<wo {
                    let i = top + 2 * ox, j = bottom + 2 * ox
                    let a = x[i], b = x[i + 1], c = x[j], d = x[j + 1]
                    let topMax = b > a ? b : a, topAt = b > a ? i + 1 : i
                    let bottomMax = d > c ? d : c, bottomAt = d > c ? j + 1 : j
                    let lower = bottomMax > topMax
                    out[oy * wo + ox] = lower ? bottomMax : topMax
                    arg[oy * wo + ox] = Int32(truncatingIfNeeded: lower ? bottomAt : topAt)
                }
            }
            return
        }
        for oy in 0..<ho {
            for ox in 0..<wo {
                var best = oy * s.stride * w + ox * s.stride
                for dy in 0..<s.size {
                    let row = (oy * s.stride + dy) * w + ox * s.stride
                    for dx in 0..<s.size where x[row + dx] > x[best] { best = row + dx }
                }
                out[oy * wo + ox] = x[best]
                arg[oy * wo + ox] = Int32(best)
            }
        }
    }
}

/// inputGradient (N, C, H, W) is overwritten: zero everywhere except at each window's maximum,
/// which receives that window's output gradient (summed, where windows overlap).
public func maxPoolBackward(_ shape: PoolingShape, outputGradient: UnsafePointer<Float>,
                            argmax: UnsafePointer<Int32>, inputGradient: UnsafeMutablePointer<Float>) {
    let s = shape
    let pointers = PoolingBackwardPointers(outputGradient: outputGradient, argmax: argmax, inputGradient: inputGradient)
    forEachPlane(s) { plane in
        let inputSize = s.inputHeight * s.inputWidth, outputSize = s.outputHeight * s.outputWidth
        let dx = pointers.inputGradient + plane * inputSize
        let dout = pointers.outputGradient + plane * outputSize, arg = pointers.argmax + plane * outputSize
        dx.update(repeating: 0, count: inputSize)
        for i in 0..<outputSize { dx[Int(arg[i])] += dout[i] }
    }
}

private struct PoolingPointers: @unchecked Sendable {
    let input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
}

private struct PoolingBackwardPointers: @unchecked Sendable {
    let outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, inputGradient: UnsafeMutablePointer<Float>
}

/// Runs `body` for every (image, channel) plane, split across threads when the batch is large.
@inline(__always)
private func forEachPlane(_ s: PoolingShape, _ body: @Sendable (Int) -> Void) {
    let planes = s.planes
    let pieces = planes * s.inputHeight * s.inputWidth >= parallelThreshold ? min(planes, Threads.count * 2) : 1
    parallelFor(pieces) { piece in
        for plane in (planes * piece / pieces)..<(planes * (piece + 1) / pieces) { body(plane) }
    }
}

@inline(__always)
private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}
