// The forward pass of a stride-1 convolution computed straight from the padded image, with no
// im2col matrix: for the 14 × 14 layers of lesson 04 the im2col copy alone (627 KB an image,
// written and read back) cost a fifth of the forward pass.
//
// A register tile is two output rows (16 lanes each: a row of Wo ≤ 16 pixels) × 8 filters, in 16
// SIMD16 accumulators. For each of the Q = Cin·K·K weights of a filter, in im2col's order
// q = (c·K + ky)·K + kx, it loads the two rows of padded pixels that weight multiplies (16
// neighbouring floats of padded rows oy + ky and oy + 1 + ky, from column kx) and 8 filters'
// weights, and makes 16 fused multiply-adds:
//
//   out[co][oy][ox] += W[co][q] · padded[c][oy + ky][ox + kx]      for 8 co, 2 oy, 16 ox at once
//
// Every output is the same sum in the same order as im2col + GEMM gives it (a chain of FMAs over
// q in blocks of 256, each block's sum added to the output, which starts at the bias), so the
// two paths agree to the bit; `DirectConvolutionTests` checks it, and the plain loops.
// Lanes past Wo are computed from neighbouring pixels and never stored.
//
// The backward pass uses it too: at stride 1 the input gradient is a convolution of the output
// gradient with the filters turned by 180° (`directInputGradient`), which replaces dcolumns =
// Wᵀ · dout and col2im. Its taps are ordered and blocked so that it adds the same products in the
// same order as those two, and again gives the same bits.
//
// The tile above is for AVX-512 (ENGINE_AVX512): 16 of its 32 vector registers of 16 floats. With
// AVX2 and FMA (16 registers of 8 floats) a 16-pixel row is two registers, and the tile is one
// output row × 6 filters instead: 12 registers of sums, 2 of pixels, 1 for the broadcast weight,
// and 8 loads for 12 multiply-adds, as in the GEMM's tile. Filters are then taken in sixes, and a
// last group with fewer (lesson 04's 32 input gradients: 5 groups and 2) as 2 filters × 3 rows, still
// 12 registers of sums, instead of computing repeats of its last filter. Maps 4 to 7 pixels wide
// (lesson 07's 7 × 7 and 4 × 4 stages) are taken whole, as one run of the padded image's pitch
// (`convolvePlane`), or, with 16 or 32 filters, with the filters in the lanes instead of the pixels
// (`convolveChannels`); maps 17 to 32 wide (the first layers, on one input channel) one output
// row of up to 4 registers at a time, stored straight into the output. The sums are the same either way.
// Elsewhere (no FMA, or arm64, where it is unmeasured) the convolution keeps im2col + GEMM.

#if ENGINE_AVX512
/// Whether this build has the direct kernel (the CPU it was compiled for has AVX-512, or AVX2 and FMA).
let directConvolutionAvailable = true
/// Filters in one register tile (the kernel below is written for this many).
let directFilterGroup = 8
#elseif ENGINE_FMA && arch(x86_64)
let directConvolutionAvailable = true
let directFilterGroup = 6
#else
let directConvolutionAvailable = false
let directFilterGroup = 6   // the 6-filter kernel is compiled here, and never called
#endif

/// The benchmark's switch for the direct kernel, to time it against im2col + GEMM in one process.
public enum DirectConvolution {
    /// Whether the direct kernel takes this layer's forward pass (`directConvolutionApplies`).
    public static func takes(_ s: ConvolutionShape) -> Bool { directConvolutionApplies(s) }
    /// Off: every convolution takes im2col + GEMM (the same bits, so only the time changes).
    nonisolated(unsafe) public static var enabled = true
}

/// Whether `directConvolutionForward` takes this shape: stride 1, rows of 8 to 16 output pixels
/// (lesson 04's and SimpleCNN's second layers, lesson 07's 14 × 14 stage; with AVX2 also 4 to 7,
/// lesson 07's 7 × 7 and 4 × 4 stages, and 17 to 32, the first layers' 28 × 28), and filters in
/// eights and 32 weights a filter or more (AVX-512), or at least 8 filters (AVX2).
/// A batch of one image stays with im2col, whose GEMM can use every thread on it.
func directConvolutionApplies(_ s: ConvolutionShape) -> Bool {
    guard directConvolutionAvailable, DirectConvolution.enabled else { return false }
    #if ENGINE_AVX512
    return s.stride == 1 && (8...16).contains(s.outputWidth) && s.outputChannels % 8 == 0 && s.patchSize >= 32
        && s.batch >= Threads.count
    #else
    return s.stride == 1 && (4...32).contains(s.outputWidth) && s.outputChannels >= 8 && s.batch >= Threads.count
    #endif
}

/// The weights summed in one block are the GEMM's depth block, `blockDepth` (GEMM.swift): the same
/// partial sums, added in the same order. Buffers have Convolution.swift's `slack` past their end,
/// so a 16-float vector may run over their last row.

/// out = conv(x, W) + b for a shape that `directConvolutionApplies` to.
///
///   input  is (N, Cin, H, W)          weight is (Cout, Cin, K, K)      bias is (Cout)
///   output is (N, Cout, Ho, Wo), fully overwritten
func directConvolutionForward(_ s: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let q = s.patchSize, cout = s.outputChannels
    let hp = s.inputHeight + 2 * s.padding, wp = s.inputWidth + 2 * s.padding, k = s.kernelSize
    let taps = DirectTaps(s)
    defer { taps.deallocate() }
    // The weights regrouped by groups of G filters (`directFilterGroup`): packed[g][i][j] =
    // W[Gg + j][i], read G at a time, in im2col's order i = (c·K + ky)·K + kx (a last, short group
    // repeats its last filter); offsets[i]: where weight i's pixels start in the padded image,
    // relative to the output row's first pixel.
    let group = directFilterGroup
    for g in 0..<taps.groups {
        for i in 0..<q {
            for j in 0..<group { taps.packed[(g * q + i) * group + j] = weight[min(g * group + j, cout - 1) * q + i] }
        }
    }
    for c in 0..<s.inputChannels {
        for ky in 0..<k {
            for kx in 0..<k { taps.offsets[(c * k + ky) * k + kx] = (c * hp + ky) * wp + kx }
        }
    }
    directConvolution(s, taps: taps, block: blockDepth, input: input, bias: bias, output: output)
}

extension ConvolutionShape {
    /// At stride 1, the input gradient is itself a convolution: of dout, padded by K − 1 − P, with the
    /// filters turned by 180° (`directInputGradient`, below). This is its shape (Cout
    /// channels in, Cin out, H × W out); nil where that does not hold (stride > 1, or padding wider than K − 1).
    var transposedForInputGradient: ConvolutionShape? {
        guard stride == 1, padding <= kernelSize - 1 else { return nil }
        return ConvolutionShape(batch: batch, inputChannels: outputChannels, inputHeight: outputHeight,
                                inputWidth: outputWidth, outputChannels: inputChannels, kernelSize: kernelSize,
                                stride: 1, padding: kernelSize - 1 - padding)
    }
}

/// Whether `directInputGradient` takes the backward pass of `s`: its transposed shape (the convolution
/// that dx is) is one the direct kernel takes, and dcolumns' chain over the Cout filters fits in one
/// GEMM depth block (so that one block of taps here is one chain there).
func directInputGradientApplies(_ s: ConvolutionShape) -> Bool {
    s.outputChannels <= blockDepth && s.transposedForInputGradient.map(directConvolutionApplies) == true
}

/// The input gradient of a stride-1 convolution `s` (Convolution.swift's `convolutionBackward`),
/// for a shape that `directInputGradientApplies` to:
///
///   dx[c, iy, ix] = Σ_{ky, kx} ( Σ_co W[co, c, ky, kx] · dout[co, iy + P − ky, ix + P − kx] )
///
/// a convolution of dout (padded by K − 1 − P) with the filters turned by 180°, input and output
/// channels swapped. Summed in exactly the order of dcolumns = Wᵀ · dout and col2im, so the two
/// give the same bits: for each (ky, kx) in turn, one chain of multiply-adds over co (the GEMM's,
/// from 0), added to the pixel's running sum (col2im's, from 0). A tap whose output falls in the
/// padding adds a chain of zeros, +0, which changes no sum.
///
///   outputGradient is (N, Cout, Ho, Wo)    weight is (Cout, Cin, K, K)
///   inputGradient  is (N, Cin, H, W), fully overwritten
func directInputGradient(_ s: ConvolutionShape, weight: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
    guard let transposed = s.transposedForInputGradient else { fatalError("directInputGradient: stride \(s.stride), padding \(s.padding)") }
    let cin = s.inputChannels, cout = s.outputChannels, k = s.kernelSize, q = transposed.patchSize
    let hp = transposed.inputHeight + 2 * transposed.padding, wp = transposed.inputWidth + 2 * transposed.padding
    let taps = DirectTaps(transposed)
    defer { taps.deallocate() }
    // Tap i = (ky·K + kx)·Cout + co: blocks of Cout taps, one block per (ky, kx), in col2im's order.
    // Its pixel in padded dout is (iy + K − 1 − ky, ix + K − 1 − kx) for input pixel (iy, ix).
    let group = directFilterGroup
    for ky in 0..<k {
        for kx in 0..<k {
            for co in 0..<cout {
                let i = (ky * k + kx) * cout + co
                taps.offsets[i] = (co * hp + (k - 1 - ky)) * wp + (k - 1 - kx)
                for g in 0..<taps.groups {
                    for j in 0..<group {
                        let c = min(g * group + j, cin - 1)   // a short last group repeats its last channel
                        taps.packed[(g * q + i) * group + j] = weight[((co * cin + c) * k + ky) * k + kx]
                    }
                }
            }
        }
    }
    directConvolution(transposed, taps: taps, block: cout, input: outputGradient, bias: nil, output: inputGradient)
}

/// What the kernel multiplies: for each of the Q = `s.patchSize` taps i, G = `directFilterGroup`
/// filters' weights at a time (packed[g][i][0..<G], filters Gg..<Gg+G) and where the tap's pixels
/// start (offsets[i]).
private struct DirectTaps: @unchecked Sendable {
    let packed: UnsafeMutablePointer<Float>
    let offsets: UnsafeMutablePointer<Int>
    /// Groups of G filters, the last one possibly short.
    let groups: Int

    init(_ s: ConvolutionShape) {
        groups = (s.outputChannels + directFilterGroup - 1) / directFilterGroup
        packed = .allocate(capacity: s.patchSize * groups * directFilterGroup)
        offsets = .allocate(capacity: s.patchSize)
    }

    func deallocate() {
        packed.deallocate()
        offsets.deallocate()
    }
}

/// out[n][co] = bias[co] (0 without a bias) + the sums over blocks of `block` taps, each block's chain added in turn.
private func directConvolution(_ s: ConvolutionShape, taps: DirectTaps, block: Int, input: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    let wp = s.inputWidth + 2 * s.padding
    #if !ENGINE_AVX512
    // Maps 4 to 7 wide with 16 or 32 filters: the filters in the lanes (`convolveChannels`), every
    // tap's weights for all of them in a row: byTap[i][f] = the packing's weight of filter f at tap i.
    let channels = s.outputWidth < 8 && (s.outputChannels == 16 || s.outputChannels == 32)
    let byTap = UnsafeMutablePointer<Float>.allocate(capacity: channels ? s.patchSize * s.outputChannels : 0)
    defer { byTap.deallocate() }
    if channels {
        for i in 0..<s.patchSize {
            for f in 0..<s.outputChannels {
                byTap[i * s.outputChannels + f] = taps.packed[(f / directFilterGroup * s.patchSize + i) * directFilterGroup + f % directFilterGroup]
            }
        }
    }
    #else
    let channels = false, byTap = taps.packed
    #endif
    let pointers = DirectPointers(input: input, packed: taps.packed, offsets: taps.offsets, groups: taps.groups,
                                  bias: bias, output: output, byTap: byTap)
    // One image at a time: the threads share them out to the last image, none left waiting on another's piece.
    parallelFor(s.batch) { n in
        // The image, zero-bordered, and its output (each with slack for vectors that run over).
        let padded = allocatePaddedImage(s)
        defer { padded.deallocate() }
        copyIntoPadded(s, image: pointers.input + n * s.inputImageSize, padded: padded)
        #if !ENGINE_AVX512
        if channels {
            let into = pointers.output + n * s.outputImageSize
            if s.outputChannels == 16 {
                convolveChannels(Registers2.self, s, padded: padded, pointers: pointers, block: block, into: into)
            } else {
                convolveChannels(Registers4.self, s, padded: padded, pointers: pointers, block: block, into: into)
            }
            return
        }
        if s.outputWidth < 8 || s.outputWidth > 16 {
            convolvePlane(s, padded: padded, pointers: pointers, block: block, into: pointers.output + n * s.outputImageSize)
            return
        }
        #endif
        let result = UnsafeMutablePointer<Float>.allocate(capacity: s.outputImageSize + slack)
        result.initialize(repeating: 0, count: s.outputImageSize + slack)
        defer { result.deallocate() }
        convolveImage(s, padded: padded, wp: wp, pointers: pointers, block: block, into: result)
        (pointers.output + n * s.outputImageSize).update(from: result, count: s.outputImageSize)
    }
}

#if !ENGINE_AVX512
/// AVX2, maps 4 to 7 pixels wide (lesson 07's 7 × 7 and 4 × 4 stages), whose rows would leave most
/// of a register idle: the whole output plane is taken as one run of the padded image's pitch,
/// position f = oy · Wp + ox, where tap (c, ky, kx) reads padded[c][ky][kx + f], contiguous across
/// rows. The positions with ox ≥ Wo are computed and dropped (a 7 × 7 map: 61 positions, in 8
/// registers, for 49 pixels). The tile is up to 4 registers of the run × 3 filters (12 registers of
/// sums, 3 of weights, 1 of pixels); filters in threes within each packed group of 6, a three short
/// of filters repeating its last. The same sums, in the same order, as in the other tiles.
///
/// Maps 17 to 32 pixels wide (the first layers' 28 × 28, one input channel) take the same tile one
/// output row at a time, stored straight into the output: 4 registers cover a row of 28.
private func convolvePlane(_ s: ConvolutionShape, padded: UnsafeMutablePointer<Float>, pointers: DirectPointers, block: Int,
                           into output: UnsafeMutablePointer<Float>) {
    let wp = s.inputWidth + 2 * s.padding, ho = s.outputHeight, wo = s.outputWidth, cout = s.outputChannels
    let wide = wo > 16
    let run = (ho - 1) * wp + wo, pitch = (run + 7) / 8 * 8          // each filter's plane: whole registers
    // Narrow maps: three filters' planes at a time, in the padded pitch, so that they stay in L1
    // until their pixels are copied out. Wide maps need none: their rows go straight to the output.
    let result = UnsafeMutablePointer<Float>.allocate(capacity: wide ? 0 : 3 * pitch)
    defer { result.deallocate() }
    for g in 0..<pointers.groups {
        let filters = UnsafePointer(pointers.packed + g * s.patchSize * directFilterGroup)
        let valid = min(directFilterGroup, cout - g * directFilterGroup)
        for j in stride(from: 0, to: valid, by: 3) {
            let first = g * directFilterGroup + j, count = min(3, valid - j)   // filters first..<first + count
            let bias = Bias3(pointers.bias.map { $0 + first }, count: count)
            @inline(__always) func tile(_ start: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>, pitch: Int, lanes: Int) {
                // A register count known at compile time (a type) makes a copy of the loop for each, with no tests inside.
                switch min(4, (lanes + 7) / 8) {
                case 4: planeTile(Registers4.self, s, start, pointers.offsets, filters + j, block: block, filters: count, bias: bias, into: into, pitch: pitch, lanes: lanes)
                case 3: planeTile(Registers3.self, s, start, pointers.offsets, filters + j, block: block, filters: count, bias: bias, into: into, pitch: pitch, lanes: lanes)
                case 2: planeTile(Registers2.self, s, start, pointers.offsets, filters + j, block: block, filters: count, bias: bias, into: into, pitch: pitch, lanes: lanes)
                default: planeTile(Registers1.self, s, start, pointers.offsets, filters + j, block: block, filters: count, bias: bias, into: into, pitch: pitch, lanes: lanes)
                }
            }
            if wide {
                for oy in 0..<ho {
                    tile(UnsafePointer(padded + oy * wp), into: output + first * ho * wo + oy * wo, pitch: ho * wo, lanes: wo)
                }
                continue
            }
            for position in stride(from: 0, to: pitch, by: 32) {
                tile(UnsafePointer(padded + position), into: result + position, pitch: pitch, lanes: min(32, pitch - position))
            }
            // The positions that are pixels, row by row.
            for f in 0..<count {
                let plane = output + (first + f) * ho * wo
                for oy in 0..<ho { plane.advanced(by: oy * wo).update(from: result + f * pitch + oy * wp, count: wo) }
            }
        }
    }
}

/// AVX2, maps 4 to 7 wide with 16 or 32 filters (lesson 07's 7 × 7 and 4 × 4 stages, forward and
/// input gradient): the filters go in the lanes instead of the pixels, so that no lane is wasted on
/// the padding between rows (the plane tile computes 64 lanes for a 7 × 7 map's 49 pixels, 24 for
/// a 4 × 4 map's 16). A tile is `Registers.count` registers of filters (2 for 16, 4 for 32) × P
/// pixels (4 or 2): 8 sums; for each tap, the filters' weights are loaded and each pixel's value
/// broadcast, 8 multiply-adds for 6 loads. (With 12 sums, 16 filters × 6 pixels, the compiler loads
/// all six broadcasts before the multiply-adds and keeps sums on the stack: slower than the plane tile.)
///
///   out[f..<f+8][p] += W[f..<f+8][i] · padded[offsets[i] + position(p)]
///
/// Each lane is one filter's chain of multiply-adds over the taps, in blocks of `block` added to the
/// bias, as in every other tile: the same bits. The sums are gathered pixel by pixel (P × Cout) and
/// turned into the output's layout (Cout × P) at the end. A last group short of pixels repeats its
/// last pixel (computed, not stored).
private func convolveChannels<Registers: RegisterCount>(_: Registers.Type, _ s: ConvolutionShape,
                                                         padded: UnsafeMutablePointer<Float>, pointers: DirectPointers,
                                                         block: Int, into output: UnsafeMutablePointer<Float>) {
    let q = s.patchSize, cout = s.outputChannels, wo = s.outputWidth, pixels = s.outputPixels
    let wp = s.inputWidth + 2 * s.padding, r = Registers.count, group = 8 / r
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: pixels * cout)      // (pixels, Cout)
    defer { sums.deallocate() }
    for p0 in stride(from: 0, to: pixels, by: group) {
        // Where each of the group's pixels sits in the padded image.
        @inline(__always) func position(_ t: Int) -> Int { let p = min(p0 + t, pixels - 1); return p / wo * wp + p % wo }
        let o0 = position(0), o1 = position(1), o2 = position(2), o3 = position(3)
        for first in stride(from: 0, to: q, by: block) {
            var a = Sums8()
            var w = UnsafePointer(pointers.byTap + first * cout)
            for i in first..<min(q, first + block) {
                let x = UnsafePointer(padded + pointers.offsets[i])
                let w0 = load8(w), w1 = load8(w + 8)
                if r == 2 {
                    // 16 filters × 4 pixels: sum t·2 + k is pixel t, filters 8k..<8k + 8.
                    var v = SIMD8<Float>(repeating: x[o0]); a.s0 = multiplyAdd(a.s0, v, w0); a.s1 = multiplyAdd(a.s1, v, w1)
                    v = SIMD8(repeating: x[o1]); a.s2 = multiplyAdd(a.s2, v, w0); a.s3 = multiplyAdd(a.s3, v, w1)
                    v = SIMD8(repeating: x[o2]); a.s4 = multiplyAdd(a.s4, v, w0); a.s5 = multiplyAdd(a.s5, v, w1)
                    v = SIMD8(repeating: x[o3]); a.s6 = multiplyAdd(a.s6, v, w0); a.s7 = multiplyAdd(a.s7, v, w1)
                } else {
                    // 32 filters × 2 pixels: sum t·4 + k is pixel t, filters 8k..<8k + 8.
                    let w2 = load8(w + 16), w3 = load8(w + 24)
                    var v = SIMD8<Float>(repeating: x[o0])
                    a.s0 = multiplyAdd(a.s0, v, w0); a.s1 = multiplyAdd(a.s1, v, w1)
                    a.s2 = multiplyAdd(a.s2, v, w2); a.s3 = multiplyAdd(a.s3, v, w3)
                    v = SIMD8(repeating: x[o1])
                    a.s4 = multiplyAdd(a.s4, v, w0); a.s5 = multiplyAdd(a.s5, v, w1)
                    a.s6 = multiplyAdd(a.s6, v, w2); a.s7 = multiplyAdd(a.s7, v, w3)
                }
                w += cout
            }
            // The first block starts from the bias (0 without one), a later one from what the blocks before it stored.
            for t in 0..<min(group, pixels - p0) {
                let target = sums + (p0 + t) * cout
                for k in 0..<r {
                    let start = first != 0 ? load8(target + 8 * k) : pointers.bias.map { load8($0 + 8 * k) } ?? SIMD8()
                    store8(a[t * r + k] + start, target + 8 * k)
                }
            }
        }
    }
    // (pixels, Cout) → the output's (Cout, pixels).
    for p in 0..<pixels {
        for f in 0..<cout { output[f * pixels + p] = sums[p * cout + f] }
    }
}

/// The 8 sums of a `convolveChannels` tile, by number.
private struct Sums8 {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    var s4 = SIMD8<Float>(), s5 = SIMD8<Float>(), s6 = SIMD8<Float>(), s7 = SIMD8<Float>()

    subscript(_ k: Int) -> SIMD8<Float> {
        switch k {
        case 0: s0
        case 1: s1
        case 2: s2
        case 3: s3
        case 4: s4
        case 5: s5
        case 6: s6
        default: s7
        }
    }
}

/// How many registers of a run `planeTile` takes, as a type, so that each count gets its own copy of the loop.
private protocol RegisterCount { static var count: Int { get } }
private enum Registers1: RegisterCount { static var count: Int { 1 } }
private enum Registers2: RegisterCount { static var count: Int { 2 } }
private enum Registers3: RegisterCount { static var count: Int { 3 } }
private enum Registers4: RegisterCount { static var count: Int { 4 } }

/// Up to three filters' biases (0 without a bias), the last repeated past `count`.
private struct Bias3 {
    let values: (Float, Float, Float)
    init(_ bias: UnsafePointer<Float>?, count: Int) {
        values = (bias?[0] ?? 0, bias?[min(1, count - 1)] ?? 0, bias?[min(2, count - 1)] ?? 0)
    }
    subscript(_ f: Int) -> Float { f == 0 ? values.0 : f == 1 ? values.1 : values.2 }
}

/// `Registers.count` registers of a run × 3 filters (`filters` of them valid, the rest repeating the
/// last), summed over every tap in blocks of `block`. The first block's sum is added to the filter's bias
/// (what im2col + GEMM's output starts at) and stored in `result` (filters `pitch` apart), each
/// later block's added to it there; of the run only its first `lanes` floats are stored, the rest
/// computed and dropped. `weights` points at the first filter's weight in the group's packing (6 a tap).
/// (Each tile reads 8 · `Registers.count` floats from each tap's start: for rows of 17 or more, at
/// most 32 − Wo past the image's last row, inside the padded image's `slack`.)
private func planeTile<Registers: RegisterCount>(_: Registers.Type, _ s: ConvolutionShape, _ start: UnsafePointer<Float>,
                                                 _ offsets: UnsafeMutablePointer<Int>, _ weights: UnsafePointer<Float>,
                                                 block: Int, filters: Int, bias: Bias3,
                                                 into result: UnsafeMutablePointer<Float>, pitch: Int, lanes: Int) {
    let q = s.patchSize, group = directFilterGroup, vectors = Registers.count
    let second = min(1, filters - 1), third = min(2, filters - 1)
    for first in stride(from: 0, to: q, by: block) {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0      // filter 0, registers 0–3 of the run
        var b0 = a0, b1 = a0, b2 = a0, b3 = a0                  // filter 1
        var c0 = a0, c1 = a0, c2 = a0, c3 = a0                  // filter 2
        var wq = weights + first * group
        for i in first..<min(q, first + block) {
            let p = start + offsets[i]
            let u = SIMD8<Float>(repeating: wq[0]), v = SIMD8<Float>(repeating: wq[second])
            let w = SIMD8<Float>(repeating: wq[third])
            var x = load8(p)
            a0 = multiplyAdd(a0, x, u); b0 = multiplyAdd(b0, x, v); c0 = multiplyAdd(c0, x, w)
            if vectors > 1 {
                x = load8(p + 8)
                a1 = multiplyAdd(a1, x, u); b1 = multiplyAdd(b1, x, v); c1 = multiplyAdd(c1, x, w)
            }
            if vectors > 2 {
                x = load8(p + 16)
                a2 = multiplyAdd(a2, x, u); b2 = multiplyAdd(b2, x, v); c2 = multiplyAdd(c2, x, w)
            }
            if vectors > 3 {
                x = load8(p + 24)
                a3 = multiplyAdd(a3, x, u); b3 = multiplyAdd(b3, x, v); c3 = multiplyAdd(c3, x, w)
            }
            wq += group
        }
        // The first block starts from the bias, a later one from what the blocks before it stored.
        @inline(__always) func put(_ sum: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>, bias: Float, lanes: Int) {
            if lanes >= 8 {
                store8(sum + (first == 0 ? SIMD8(repeating: bias) : load8(target)), target)
            } else {
                for lane in 0..<lanes { target[lane] = sum[lane] + (first == 0 ? bias : target[lane]) }
            }
        }
        @inline(__always) func add(_ f: Int, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>) {
            guard f < filters else { return }
            let target = result + f * pitch
            put(v0, target, bias: bias[f], lanes: lanes)
            if vectors > 1 { put(v1, target + 8, bias: bias[f], lanes: lanes - 8) }
            if vectors > 2 { put(v2, target + 16, bias: bias[f], lanes: lanes - 16) }
            if vectors > 3 { put(v3, target + 24, bias: bias[f], lanes: lanes - 24) }
        }
        add(0, a0, a1, a2, a3); add(1, b0, b1, b2, b3); add(2, c0, c1, c2, c3)
    }
}
#endif

private struct DirectPointers: @unchecked Sendable {
    let input: UnsafePointer<Float>, packed: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Int>, groups: Int
    let bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    /// AVX2's `convolveChannels`: every tap's weights for all the filters in a row (Q × Cout).
    let byTap: UnsafeMutablePointer<Float>
}

/// One image: result (Cout, Ho·Wo) = bias + Σ_i W[·][i] · (padded pixels under tap i), in blocks of `block` taps.
@inline(__always)
private func convolveImage(_ s: ConvolutionShape, padded: UnsafeMutablePointer<Float>, wp: Int,
                           pointers: DirectPointers, block: Int, into result: UnsafeMutablePointer<Float>) {
    let q = s.patchSize, ho = s.outputHeight, wo = s.outputWidth, pixels = s.outputPixels
    for co in 0..<s.outputChannels { (result + co * pixels).update(repeating: pointers.bias?[co] ?? 0, count: pixels) }
    let lane = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    let inside = lane .< SIMD16(repeating: Int32(wo))    // the lanes that are output pixels
    #if !ENGINE_AVX512
    // AVX2: one output row × 6 filters (see the top of the file).
    let cout = s.outputChannels, group = directFilterGroup
    for g in 0..<pointers.groups {
        let filters = UnsafePointer(pointers.packed + g * q * group)
        let valid = min(group, cout - g * group)
        if valid < group {
            // A short last group (lesson 04's 32 input gradients: 5 groups and 2 filters): 2 filters × 3 rows.
            shortGroup(s, padded: padded, wp: wp, filters: filters, offsets: pointers.offsets, block: block,
                       valid: valid, into: result + g * group * pixels, inside: inside)
            continue
        }
        for oy in 0..<ho {
            let row = UnsafePointer(padded + oy * wp)
            for first in stride(from: 0, to: q, by: block) {
                var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
                var wq = filters + first * group
                for i in first..<min(q, first + block) {
                    let x = load(row + pointers.offsets[i])
                    a0 = multiplyAdd(a0, x, SIMD16(repeating: wq[0])); a1 = multiplyAdd(a1, x, SIMD16(repeating: wq[1]))
                    a2 = multiplyAdd(a2, x, SIMD16(repeating: wq[2])); a3 = multiplyAdd(a3, x, SIMD16(repeating: wq[3]))
                    a4 = multiplyAdd(a4, x, SIMD16(repeating: wq[4])); a5 = multiplyAdd(a5, x, SIMD16(repeating: wq[5]))
                    wq += group
                }
                @inline(__always) func add(_ sum: SIMD16<Float>, filter j: Int) {
                    addInside(sum, to: result + (g * group + j) * pixels + oy * wo, lanes: inside)
                }
                add(a0, filter: 0); add(a1, filter: 1); add(a2, filter: 2)
                add(a3, filter: 3); add(a4, filter: 4); add(a5, filter: 5)
            }
        }
    }
    #else
    for g in 0..<pointers.groups {
        let filters = UnsafePointer(pointers.packed + g * q * 8)
        for oy in stride(from: 0, to: ho, by: 2) {
            let rows = min(2, ho - oy)                   // an odd last row is computed twice, stored once
            let row0 = UnsafePointer(padded + oy * wp), row1 = UnsafePointer(padded + (oy + rows - 1) * wp)
            for first in stride(from: 0, to: q, by: block) {
                var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0   // row oy
                var b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0                // row oy + 1
                var wq = filters + first * 8
                for i in first..<min(q, first + block) {
                    let offset = pointers.offsets[i]
                    let x0 = load(row0 + offset), x1 = load(row1 + offset)
                    var v = SIMD16<Float>(repeating: wq[0]); a0 = multiplyAdd(a0, x0, v); b0 = multiplyAdd(b0, x1, v)
                    v = SIMD16(repeating: wq[1]); a1 = multiplyAdd(a1, x0, v); b1 = multiplyAdd(b1, x1, v)
                    v = SIMD16(repeating: wq[2]); a2 = multiplyAdd(a2, x0, v); b2 = multiplyAdd(b2, x1, v)
                    v = SIMD16(repeating: wq[3]); a3 = multiplyAdd(a3, x0, v); b3 = multiplyAdd(b3, x1, v)
                    v = SIMD16(repeating: wq[4]); a4 = multiplyAdd(a4, x0, v); b4 = multiplyAdd(b4, x1, v)
                    v = SIMD16(repeating: wq[5]); a5 = multiplyAdd(a5, x0, v); b5 = multiplyAdd(b5, x1, v)
                    v = SIMD16(repeating: wq[6]); a6 = multiplyAdd(a6, x0, v); b6 = multiplyAdd(b6, x1, v)
                    v = SIMD16(repeating: wq[7]); a7 = multiplyAdd(a7, x0, v); b7 = multiplyAdd(b7, x1, v)
                    wq += 8
                }
                @inline(__always) func add(_ sum: SIMD16<Float>, filter j: Int, row r: Int) {
                    addInside(sum, to: result + (g * 8 + j) * pixels + (oy + r) * wo, lanes: inside)
                }
                add(a0, filter: 0, row: 0); add(a1, filter: 1, row: 0); add(a2, filter: 2, row: 0); add(a3, filter: 3, row: 0)
                add(a4, filter: 4, row: 0); add(a5, filter: 5, row: 0); add(a6, filter: 6, row: 0); add(a7, filter: 7, row: 0)
                if rows == 2 {
                    add(b0, filter: 0, row: 1); add(b1, filter: 1, row: 1); add(b2, filter: 2, row: 1); add(b3, filter: 3, row: 1)
                    add(b4, filter: 4, row: 1); add(b5, filter: 5, row: 1); add(b6, filter: 6, row: 1); add(b7, filter: 7, row: 1)
                }
            }
        }
    }
    #endif
}

#if !ENGINE_AVX512
/// AVX2's tile for a last group of fewer than 6 filters, `valid` of them: 2 filters × 3 output rows
/// (12 registers of sums, 8 loads for 12 multiply-adds, as in the 6-filter tile), where the 6-filter
/// tile would compute its repeated filters for nothing. A pair short of a filter repeats it, and an
/// incomplete last row triple its last row: computed, not stored. Weights are read from the group's
/// packing (6 a tap); `result` is the group's first filter's plane.
@inline(__always)
private func shortGroup(_ s: ConvolutionShape, padded: UnsafeMutablePointer<Float>, wp: Int, filters: UnsafePointer<Float>,
                        offsets: UnsafeMutablePointer<Int>, block: Int, valid: Int,
                        into result: UnsafeMutablePointer<Float>, inside: SIMDMask<SIMD16<Int32>>) {
    let q = s.patchSize, ho = s.outputHeight, wo = s.outputWidth, pixels = s.outputPixels, group = directFilterGroup
    for j in stride(from: 0, to: valid, by: 2) {
        let second = min(j + 1, valid - 1) - j           // 1, or 0: the pair repeats its filter
        for oy in stride(from: 0, to: ho, by: 3) {
            let rows = min(3, ho - oy)
            let row0 = UnsafePointer(padded + oy * wp), row1 = UnsafePointer(padded + (oy + min(1, rows - 1)) * wp)
            let row2 = UnsafePointer(padded + (oy + rows - 1) * wp)
            for first in stride(from: 0, to: q, by: block) {
                var a0 = SIMD16<Float>(), a1 = a0, a2 = a0     // filter j, rows oy, oy + 1, oy + 2
                var b0 = a0, b1 = a0, b2 = a0                 // filter j + 1
                var wq = filters + first * group + j
                for i in first..<min(q, first + block) {
                    let offset = offsets[i]
                    let v = SIMD16<Float>(repeating: wq[0]), u = SIMD16<Float>(repeating: wq[second])
                    var x = load(row0 + offset)
                    a0 = multiplyAdd(a0, x, v); b0 = multiplyAdd(b0, x, u)
                    x = load(row1 + offset)
                    a1 = multiplyAdd(a1, x, v); b1 = multiplyAdd(b1, x, u)
                    x = load(row2 + offset)
                    a2 = multiplyAdd(a2, x, v); b2 = multiplyAdd(b2, x, u)
                    wq += group
                }
                @inline(__always) func add(_ sum: SIMD16<Float>, filter f: Int, row r: Int) {
                    if r < rows && f < valid { addInside(sum, to: result + f * pixels + (oy + r) * wo, lanes: inside) }
                }
                add(a0, filter: j, row: 0); add(a1, filter: j, row: 1); add(a2, filter: j, row: 2)
                add(b0, filter: j + 1, row: 0); add(b1, filter: j + 1, row: 1); add(b2, filter: j + 1, row: 2)
            }
        }
    }
}
#endif

/// A result row += a block's sum, in the lanes that are output pixels. The vector runs over into the
/// next row (or the slack), whose lanes are written back unchanged.
@inline(__always)
private func addInside(_ sum: SIMD16<Float>, to target: UnsafeMutablePointer<Float>, lanes inside: SIMDMask<SIMD16<Int32>>) {
    let old = load(UnsafePointer(target))
    store(old.replacing(with: sum + old, where: inside), target)
}

/// acc + x · y, fused into one instruction where the CPU has FMA (every CPU this kernel is built for has).
@inline(__always)
private func multiplyAdd<V: SIMD>(_ acc: V, _ x: V, _ y: V) -> V where V.Scalar == Float {
    #if ENGINE_FMA
    return acc.addingProduct(x, y)
    #else
    return acc + x * y
    #endif
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}


/// 8 floats from `p` (an UnsafePointer<Float> or UnsafeMutablePointer<Float>, converted at the call).
@inline(__always)
private func load8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
    p.loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
