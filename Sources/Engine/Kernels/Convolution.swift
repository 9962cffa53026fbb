// 2-D convolution over NCHW batches, as im2col + GEMM, one image per thread. (Where the CPU has
// AVX-512, or AVX2 and FMA, stride-1 layers with rows of 8 to 16 pixels (4 to 32 with AVX2), such as lesson 04's second, are computed
// straight from the padded image instead: the forward pass, and in the backward pass the input
// gradient, which is itself such a convolution: DirectConvolution.swift.)
//
// For one image, im2col lays every receptive field out as a column:
//
//   columns is (Cin·K·K, Ho·Wo):  columns[(c·K + ky)·K + kx][oy·Wo + ox] = x[c][oy·S − P + ky][ox·S − P + kx]
//                                   (0 where that falls in the padding)
//
// and the convolution becomes one matrix product with the filters W, seen as (Cout, Cin·K·K):
//
//   forward    out  (Cout, Ho·Wo)     = W · columns + b
//   backward   dW   (Cout, Cin·K·K)  += dout · columnsᵀ     (computed as its transpose, columns · doutᵀ)
//              db   (Cout)           += dout summed over pixels
//              dcolumns (Cin·K·K, Ho·Wo) = Wᵀ · dout, then col2im adds each entry back onto
//                                          the input pixel it was copied from
//
// The batch is split across threads (each with its own columns buffer and, in backward, its own
// dW and db that are summed at the end), and every GEMM inside runs on its thread alone: no
// synchronization per image, and each image's columns (627 KB for lesson 04's second layer) stay
// in that core's L2 cache. Readable reference loops are in the tests (and in Solutions/).

/// The sizes of a 2-D convolution over a batch of NCHW images (square kernel, same stride and
/// padding in both directions).
public struct ConvolutionShape: Sendable, Equatable {
    public var batch: Int
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var outputChannels: Int
    public var kernelSize: Int
    public var stride: Int
    public var padding: Int

    public init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
                outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    /// (H − K + 2P) / S + 1
    public var outputHeight: Int { (inputHeight - kernelSize + 2 * padding) / stride + 1 }
    /// (W − K + 2P) / S + 1
    public var outputWidth: Int { (inputWidth - kernelSize + 2 * padding) / stride + 1 }

    /// Cin·K·K: the length of one receptive field, the rows of the im2col matrix.
    var patchSize: Int { inputChannels * kernelSize * kernelSize }
    /// Ho·Wo: the output pixels, the columns of the im2col matrix.
    var outputPixels: Int { outputHeight * outputWidth }
    var inputImageSize: Int { inputChannels * inputHeight * inputWidth }
    var outputImageSize: Int { outputChannels * outputPixels }
}

/// out = conv(x, W) + b.
///
///   input  is (N, Cin, H, W)          weight is (Cout, Cin, K, K)      bias is (Cout)
///   output is (N, Cout, Ho, Wo), fully overwritten
public func convolutionForward(_ shape: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    // Where it applies, straight from the padded image with no im2col (DirectConvolution.swift):
    // the same sums, to the bit, in three quarters of the time.
    if directConvolutionApplies(shape) {
        directConvolutionForward(shape, input: input, weight: weight, bias: bias, output: output)
    } else {
        im2colConvolutionForward(shape, input: input, weight: weight, bias: bias, output: output)
    }
}

/// `convolutionForward` as im2col + GEMM, for every shape.
func im2colConvolutionForward(_ shape: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let s = shape
    let q = s.patchSize, p = s.outputPixels
    let pointers = ConvolutionPointers(input: input, weight: weight, bias: bias, output: output)
    let gemmThreads = s.batch == 1 ? Threads.count : 1   // a single image: let the GEMM use the threads
    // One image at a time: the threads share them out to the last image, none left waiting on another's piece.
    parallelFor(s.batch) { n in
        let scratch = Scratch(s)
        defer { scratch.deallocate() }
        im2col(s, image: pointers.input + n * s.inputImageSize, scratch: scratch)
        let out = pointers.output + n * s.outputImageSize                 // (Cout, Ho·Wo)
        for co in 0..<s.outputChannels { (out + co * p).update(repeating: pointers.bias[co], count: p) }
        gemm(transposeA: false, transposeB: false, m: s.outputChannels, n: p, k: q, alpha: 1,
             a: pointers.weight, lda: q, b: scratch.columns, ldb: p, beta: 1, c: out, ldc: p, threads: gemmThreads)
    }
}

/// The backward pass of `convolutionForward`.
///
///   outputGradient is (N, Cout, Ho, Wo)
///   weightGradient (Cout, Cin, K, K) and biasGradient (Cout) are ADDED to
///   inputGradient (N, Cin, H, W) is overwritten; pass nil when nobody needs it (the first layer)
public func convolutionBackward(_ shape: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>) {
    convolutionBackward(shape, input: input, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                        weightGradient: weightGradient, biasGradient: biasGradient, directWhereItApplies: true)
}

/// `convolutionBackward`, where the tests may also turn off the direct input gradient and the
/// windowed weight gradient (`directWhereItApplies: false`: im2col + GEMM for both, the reference bits).
func convolutionBackward(_ shape: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                         directWhereItApplies: Bool) {
    let s = shape
    let q = s.patchSize, p = s.outputPixels, cout = s.outputChannels
    // Where the direct kernel takes it, dx is computed as a convolution of dout after the loop
    // (DirectConvolution.swift), with the same sums as dcolumns and col2im here.
    let dxDirectly = directWhereItApplies && inputGradient != nil && directInputGradientApplies(s)
    let columnsInputGradient = dxDirectly ? nil : inputGradient
    // At stride 1, dW's GEMM can read the im2col matrix from the padded image (GEMM.swift).
    let windowedDW = directWhereItApplies && windowedWeightGradientApplies(s)
    let pieces = min(s.batch, Threads.count * 2)
    let gemmThreads = pieces == 1 ? Threads.count : 1
    // Each piece sums its images' dWᵀ (Q·Cout) and db (Cout) here; they are added up at the end.
    let partialSize = cout * q + cout
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: pieces * partialSize)
    defer { partials.deallocate() }
    let pointers = ConvolutionBackwardPointers(input: input, weight: weight, outputGradient: outputGradient,
                                               inputGradient: columnsInputGradient, partials: partials)
    parallelFor(pieces) { piece in
        let dW = pointers.partials + piece * partialSize, db = dW + cout * q
        db.update(repeating: 0, count: cout)
        let scratch = Scratch(s, backward: pointers.inputGradient != nil)
        defer { scratch.deallocate() }
        let columns = scratch.columns
        let first = s.batch * piece / pieces
        for n in first..<(s.batch * (piece + 1) / pieces) {
            let dout = pointers.outputGradient + n * s.outputImageSize        // (Cout, Ho·Wo)
            // dWᵀ += columns · doutᵀ   (Q, Cout): kept transposed, so the operand the GEMM must
            // transpose while packing is the small dout, not the columns (transposed back below).
            if windowedDW, let padded = scratch.padded {
                // The same product, the columns read from the padded image, never written out (GEMM.swift).
                copyIntoPadded(s, image: pointers.input + n * s.inputImageSize, padded: padded)
                windowedWeightGradient(s, padded: padded, outputGradient: dout, beta: n == first ? 0 : 1,
                                       weightGradientTransposed: dW)
            } else {
                im2col(s, image: pointers.input + n * s.inputImageSize, scratch: scratch)
                gemm(transposeA: false, transposeB: true, m: q, n: cout, k: p, alpha: 1,
                     a: columns, lda: p, b: dout, ldb: p, beta: n == first ? 0 : 1, c: dW, ldc: cout, threads: gemmThreads)
            }
            // db += Σ_pixels dout
            for co in 0..<cout { db[co] += sum(dout + co * p, count: p) }
            if let dx = pointers.inputGradient {
                // dcolumns = Wᵀ · dout   (Q, Ho·Wo), reusing the columns buffer; then fold back onto the pixels.
                gemm(transposeA: true, transposeB: false, m: q, n: p, k: cout, alpha: 1,
                     a: pointers.weight, lda: q, b: dout, ldb: p, beta: 0, c: columns, ldc: p, threads: gemmThreads)
                let image = dx + n * s.inputImageSize
                image.update(repeating: 0, count: s.inputImageSize)
                col2im(s, columns: columns, addingInto: image, scratch: scratch)
            }
        }
    }
    if dxDirectly, let dx = inputGradient {
        directInputGradient(s, weight: weight, outputGradient: outputGradient, inputGradient: dx)
    }
    for piece in 0..<pieces {
        let partial = partials + piece * partialSize      // dWᵀ (Q, Cout), then db (Cout)
        for co in 0..<cout {
            let row = weightGradient + co * q
            for i in 0..<q { row[i] += partial[i * cout + co] }
            biasGradient[co] += partial[cout * q + co]
        }
    }
}

private struct ConvolutionPointers: @unchecked Sendable {
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
}

private struct ConvolutionBackwardPointers: @unchecked Sendable {
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>?
    let partials: UnsafeMutablePointer<Float>
}

/// The output columns ox in first..<end whose input column ox·S + offset lies inside 0..<width.
@inline(__always)
private func insideRange(offset: Int, stride: Int, outputs: Int, width: Int) -> (first: Int, end: Int) {
    let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let end = offset >= width ? 0 : min(outputs, (width - 1 - offset) / stride + 1)
    return (min(first, end), end)
}

/// Floats allocated past the end of the scratch buffers, so a 16-float vector copy may run over.
let slack = 16

/// One thread's buffers: the im2col matrix and, at stride 1, a zero-padded copy of one image
/// (and, for backward, a padded image the input gradient is summed into).
private struct Scratch {
    let columns: UnsafeMutablePointer<Float>
    let padded: UnsafeMutablePointer<Float>?
    let paddedGradient: UnsafeMutablePointer<Float>?

    init(_ s: ConvolutionShape, backward: Bool = false) {
        columns = .allocate(capacity: s.patchSize * s.outputPixels + slack)
        (columns + s.patchSize * s.outputPixels).initialize(repeating: 0, count: slack)   // read past a last run, never used
        padded = s.stride == 1 ? allocatePaddedImage(s) : nil
        paddedGradient = s.stride == 1 && backward ? allocatePaddedImage(s) : nil
    }

    func deallocate() {
        columns.deallocate()
        padded?.deallocate()
        paddedGradient?.deallocate()
    }
}

/// A zero-padded image buffer (Cin, H + 2P, W + 2P), all zeros, with `slack` floats past its end.
/// The border stays zero: `copyIntoPadded` only ever writes the inside.
func allocatePaddedImage(_ s: ConvolutionShape) -> UnsafeMutablePointer<Float> {
    let count = s.inputChannels * (s.inputHeight + 2 * s.padding) * (s.inputWidth + 2 * s.padding) + slack
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    buffer.initialize(repeating: 0, count: count)
    return buffer
}

/// Copies one image x (Cin, H, W) inside the zero border of `padded` (from `allocatePaddedImage`).
func copyIntoPadded(_ s: ConvolutionShape, image x: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>) {
    let h = s.inputHeight, w = s.inputWidth, pad = s.padding, wp = w + 2 * pad
    for c in 0..<s.inputChannels {
        for y in 0..<h {
            (padded + (c * (h + 2 * pad) + y + pad) * wp + pad).update(from: x + (c * h + y) * w, count: w)
        }
    }
}

/// columns[(c·K + ky)·K + kx][oy·Wo + ox] = x[c][oy·S − P + ky][ox·S − P + kx], 0 in the padding.
///
/// At stride 1 the image is first copied inside the zero border of `scratch.padded`; every run of
/// the columns is then Wo consecutive pixels of the padded image, copied 16 floats at a time with
/// no bounds logic (a copy that runs past a run's end is overwritten by the next run, or lands in
/// the slack). The same values as `transfer`, several times faster on 14- and 28-pixel rows.
private func im2col(_ s: ConvolutionShape, image x: UnsafePointer<Float>, scratch: Scratch) {
    guard let padded = scratch.padded else {
        transfer(s, image: UnsafeMutablePointer(mutating: x), columns: scratch.columns, toColumns: true)
        return
    }
    let wo = s.outputWidth
    copyIntoPadded(s, image: x, padded: padded)
    forEachRun(s, padded: padded, columns: scratch.columns) { source, run in
        var ox = 0
        while ox < wo {
            UnsafeMutableRawPointer(run + ox).storeBytes(
                of: UnsafeRawPointer(source + ox).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
            ox += 16
        }
    }
}

/// At stride 1: calls `body(pixels, run)` for every run of the im2col matrix in order, where `run`
/// is the run's Wo floats in `columns` and `pixels` the Wo pixels of the padded image it holds.
@inline(__always)
private func forEachRun(_ s: ConvolutionShape, padded: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                        _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    let k = s.kernelSize, hp = s.inputHeight + 2 * s.padding, wp = s.inputWidth + 2 * s.padding
    let ho = s.outputHeight, wo = s.outputWidth
    var run = columns
    for c in 0..<s.inputChannels {
        let plane = padded + c * hp * wp
        for ky in 0..<k {
            for kx in 0..<k {
                for oy in 0..<ho {
                    body(plane + (oy + ky) * wp + kx, run)
                    run += wo
                }
            }
        }
    }
}

/// The adjoint of im2col: x[c][oy·S − P + ky][ox·S − P + kx] += columns[(c·K + ky)·K + kx][oy·Wo + ox].
///
/// At stride 1 the runs are added 16 floats at a time into a zero-padded image (lanes past a run's
/// end keep their value), whose inside then overwrites x. Each pixel receives the same additions
/// in the same order as in `transfer`, so the sums are the same to the bit.
private func col2im(_ s: ConvolutionShape, columns: UnsafePointer<Float>, addingInto x: UnsafeMutablePointer<Float>,
                    scratch: Scratch) {
    guard let padded = scratch.paddedGradient else {
        transfer(s, image: x, columns: UnsafeMutablePointer(mutating: columns), toColumns: false)
        return
    }
    let h = s.inputHeight, w = s.inputWidth, pad = s.padding
    let hp = h + 2 * pad, wp = w + 2 * pad, wo = s.outputWidth
    padded.update(repeating: 0, count: s.inputChannels * hp * wp)
    let lane = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    let lastLanes = lane .< SIMD16(repeating: Int32(wo % 16))   // the valid lanes of a run's last, partial vector
    forEachRun(s, padded: padded, columns: UnsafeMutablePointer(mutating: columns)) { target, run in
        var ox = 0
        while ox < wo {
            let old = UnsafeRawPointer(target + ox).loadUnaligned(as: SIMD16<Float>.self)
            let sum = old + UnsafeRawPointer(run + ox).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(target + ox).storeBytes(
                of: wo - ox >= 16 ? sum : old.replacing(with: sum, where: lastLanes), as: SIMD16<Float>.self)
            ox += 16
        }
    }
    for c in 0..<s.inputChannels {
        for y in 0..<h {
            (x + (c * h + y) * w).update(from: padded + (c * hp + y + pad) * wp + pad, count: w)
        }
    }
}

/// Walks every (input channel, kernel row, kernel column, output row) run of the im2col matrix once:
/// copies image → columns (zeros in the padding) when `toColumns`, else adds columns → image.
@inline(__always)
private func transfer(_ s: ConvolutionShape, image x: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                      toColumns: Bool) {
    let k = s.kernelSize, stride = s.stride, pad = s.padding
    let h = s.inputHeight, w = s.inputWidth, ho = s.outputHeight, wo = s.outputWidth
    var row = columns
    for c in 0..<s.inputChannels {
        let plane = x + c * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                // Output columns first..<end read inside the image; the rest read padding.
                let (first, end) = insideRange(offset: kx - pad, stride: stride, outputs: wo, width: w)
                for oy in 0..<ho {
                    let run = row + oy * wo
                    let iy = oy * stride - pad + ky
                    let inside = iy >= 0 && iy < h
                    let pixels = plane + iy * w + (kx - pad)   // pixels[ox·S] is the pixel under output ox
                    if toColumns {
                        guard inside else {
                            run.update(repeating: 0, count: wo)
                            continue
                        }
                        for ox in 0..<first { run[ox] = 0 }
                        if stride == 1 {
                            for ox in first..<end { run[ox] = pixels[ox] }   // runs of 14 to 28: a loop beats memmove
                        } else {
                            for ox in first..<end { run[ox] = pixels[ox * stride] }
                        }
                        for ox in end..<wo { run[ox] = 0 }
                    } else if inside {
                        if stride == 1 {
                            for ox in first..<end { pixels[ox] += run[ox] }
                        } else {
                            for ox in first..<end { pixels[ox * stride] += run[ox] }
                        }
                    }
                }
                row += ho * wo
            }
        }
    }
}

/// Σ x[0..<count], with eight independent SIMD accumulators' worth of lanes.
@inline(__always)
private func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
        acc0 += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        acc1 += UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self)
        i += 16
    }
    var total = (acc0 + acc1).sum()
    while i < count { total += x[i]; i += 1 }
    return total
}
