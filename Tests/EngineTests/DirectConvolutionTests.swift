import Testing
@testable import Engine

/// The direct stride-1 forward pass (Kernels/DirectConvolution.swift) against the plain loops, and
/// against im2col + GEMM to the bit: lesson outputs must not change with the kernel that computes them.
/// Also the input gradient it computes in the backward pass, as a convolution of the output gradient.
@Suite("Direct convolution", .enabled(if: directConvolutionAvailable,
                                      "this CPU has neither AVX-512 nor AVX2 with FMA: the engine uses im2col + GEMM for every shape"))
struct DirectConvolutionTests {
    /// Shapes the direct kernel takes: lesson 04's and SimpleCNN's second layers (cut to a few images),
    /// an odd number of output rows (the last row pair is half empty), rows of 8 and 16 pixels (the
    /// narrowest and widest it takes), more than 256 weights a filter (two and four depth blocks),
    /// 8 filters (one group of AVX-512's eight; with AVX2's sixes, a full group and a short one),
    /// and padding 0.
    static let cases: [ConvolutionShape] = [
        ConvolutionShape(batch: 3, inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernelSize: 5, padding: 2),
        ConvolutionShape(batch: 2, inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 5, inputHeight: 13, inputWidth: 9, outputChannels: 16, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 4, inputChannels: 8, inputHeight: 16, inputWidth: 16, outputChannels: 8, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 4, inputHeight: 10, inputWidth: 10, outputChannels: 24, kernelSize: 3, padding: 0),
        ConvolutionShape(batch: 2, inputChannels: 12, inputHeight: 7, inputWidth: 12, outputChannels: 32, kernelSize: 5, padding: 2),
    ] + (directFilterGroup == 6 ? [
        // AVX2: 11 filters, a last group of 5 (pairs of filters, the last pair one filter repeated), 11 rows (3 + 3 + 3 + 2).
        ConvolutionShape(batch: 2, inputChannels: 6, inputHeight: 11, inputWidth: 15, outputChannels: 11, kernelSize: 3, padding: 1),
        // AVX2's maps 4 to 7 wide: lesson 07's 7 × 7 and 4 × 4 stages with the filters in the lanes (16
        // filters × 4 pixels, the last of 49 pixels alone; 32 × 2, and 288 weights a filter: two depth
        // blocks), 16 filters on a 5 × 7 map (padding 0: 35 pixels, a last group of 3), and 10 filters
        // (3 + 3 + 3 + 1) on a 6 × 5 map with a 5 × 5 kernel, taken as whole planes.
        ConvolutionShape(batch: 2, inputChannels: 16, inputHeight: 7, inputWidth: 7, outputChannels: 16, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 32, inputHeight: 4, inputWidth: 4, outputChannels: 32, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 3, inputHeight: 7, inputWidth: 9, outputChannels: 16, kernelSize: 3, padding: 0),
        ConvolutionShape(batch: 2, inputChannels: 3, inputHeight: 6, inputWidth: 5, outputChannels: 10, kernelSize: 5, padding: 2),
        // AVX2's rows of 17 to 32, one output row a tile, stored straight into the output: the first
        // layers of lesson 04 and of the SimpleCNN (one input channel, 28 × 28), rows of 19 (three
        // registers, the last holding 3 pixels) with 288 weights a filter (two depth blocks), rows of
        // exactly 32 (padding 0) with 8 filters (threes: 3 + 3 + 2, the last repeating a filter).
        ConvolutionShape(batch: 2, inputChannels: 1, inputHeight: 28, inputWidth: 28, outputChannels: 32, kernelSize: 5, padding: 2),
        ConvolutionShape(batch: 2, inputChannels: 1, inputHeight: 28, inputWidth: 28, outputChannels: 32, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 32, inputHeight: 5, inputWidth: 19, outputChannels: 8, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 2, inputHeight: 6, inputWidth: 34, outputChannels: 8, kernelSize: 3, padding: 0),
    ] : [])

    static func random(_ s: ConvolutionShape, seed: UInt64) -> (x: [Float], w: [Float], b: [Float]) {
        var rng = RandomSource(seed: seed)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }
        return (values(s.batch * s.inputImageSize), values(s.outputChannels * s.patchSize), values(s.outputChannels))
    }

    static func forward(_ s: ConvolutionShape, _ x: [Float], _ w: [Float], _ b: [Float],
                        _ kernel: (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                   UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var out = [Float](repeating: .nan, count: s.batch * s.outputImageSize)   // every output must be written
        out.withUnsafeMutableBufferPointer { o in kernel(s, x, w, b, o.baseAddress!) }
        return out
    }

    @Test("the lessons' shapes take the direct kernel where the CPU has AVX-512, or AVX2 and FMA")
    func applies() {
        #expect(Self.cases.allSatisfy { directConvolutionApplies($0) || $0.batch < Threads.count })
        // Never: stride 2; rows of 28 (lesson 04's first layer) with AVX-512, of 40 with AVX2 (which
        // takes rows of 17 to 32 one at a time); 7 × 7 maps (AVX-512; with AVX2, which takes maps 4 to
        // 7 wide as planes, 3 × 3); filters not in eights (AVX-512) or fewer than 8 (AVX2); and with
        // AVX-512, fewer than 32 weights a filter (a first layer on one channel; AVX2 takes those).
        var strided = Self.cases[0]; strided.stride = 2
        var wide = Self.cases[0]; wide.inputHeight = directFilterGroup == 8 ? 28 : 40; wide.inputWidth = wide.inputHeight
        var small = Self.cases[0]; small.inputHeight = directFilterGroup == 8 ? 7 : 3; small.inputWidth = small.inputHeight
        var odd = Self.cases[0]; odd.outputChannels = directFilterGroup == 8 ? 12 : 4
        var shallow = Self.cases[0]; shallow.inputChannels = 1
        for shape in [strided, wide, small, odd] + (directFilterGroup == 8 ? [shallow] : []) {
            #expect(!directConvolutionApplies(shape), "\(shape)")
        }
    }

    @Test("the same outputs as im2col + GEMM, to the bit, and as the plain loops", arguments: cases)
    func matches(s: ConvolutionShape) {
        let (x, w, b) = Self.random(s, seed: 21)
        let direct = Self.forward(s, x, w, b) { directConvolutionForward($0, input: $1, weight: $2, bias: $3, output: $4) }
        let im2col = Self.forward(s, x, w, b) { im2colConvolutionForward($0, input: $1, weight: $2, bias: $3, output: $4) }
        #expect(direct.allSatisfy { !$0.isNaN }, "an output was never written")
        let differing = zip(direct, im2col).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(direct.count) outputs differ from im2col + GEMM")

        let expected = Reference.convolutionForward(
            Tensor(shape: [s.batch, s.inputChannels, s.inputHeight, s.inputWidth], scalars: x),
            Tensor(shape: [s.outputChannels, s.inputChannels, s.kernelSize, s.kernelSize], scalars: w),
            Tensor(shape: [s.outputChannels], scalars: b), stride: 1, padding: s.padding)
        #expect(maxScaledError(Tensor(shape: expected.shape, scalars: direct), expected) < 1e-5)   // the loops sum in Double
    }

    /// Backward shapes whose input gradient the direct kernel computes (the transposed shape has
    /// input channels in eights and rows of 8 to 16): lesson 04's and SimpleCNN's second layers,
    /// padding 0 (dout padded by K − 1), padding K − 1 (dout not padded at all), an odd height.
    static let backwardCases: [ConvolutionShape] = [
        ConvolutionShape(batch: 3, inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernelSize: 5, padding: 2),
        ConvolutionShape(batch: 2, inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 8, inputHeight: 11, inputWidth: 12, outputChannels: 5, kernelSize: 3, padding: 0),
        ConvolutionShape(batch: 2, inputChannels: 16, inputHeight: 9, inputWidth: 16, outputChannels: 12, kernelSize: 3, padding: 2),
    ] + (directFilterGroup == 6 ? [
        // AVX2: 9 input channels, a last group of 3 (a pair, then one filter repeated).
        ConvolutionShape(batch: 2, inputChannels: 9, inputHeight: 10, inputWidth: 12, outputChannels: 8, kernelSize: 3, padding: 1),
        // AVX2's maps 4 to 7 wide: lesson 07's 7 × 7 and 4 × 4 stages (the filters in the lanes).
        ConvolutionShape(batch: 2, inputChannels: 16, inputHeight: 7, inputWidth: 7, outputChannels: 16, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 32, inputHeight: 4, inputWidth: 4, outputChannels: 32, kernelSize: 3, padding: 1),
        // AVX2's rows of 17 to 32: 21 wide (three registers, the last holding 5), 9 channels (3 + 3 + 3).
        ConvolutionShape(batch: 2, inputChannels: 9, inputHeight: 6, inputWidth: 21, outputChannels: 7, kernelSize: 3, padding: 1),
    ] : [])

    /// (dx, dW, db) from `convolutionBackward`, with or without the direct input gradient.
    static func backward(_ s: ConvolutionShape, _ x: [Float], _ w: [Float], _ dy: [Float], direct: Bool)
        -> (dx: [Float], dw: [Float], db: [Float]) {
        var dx = [Float](repeating: .nan, count: x.count)          // overwritten, every element
        var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: s.outputChannels)
        dx.withUnsafeMutableBufferPointer { dxp in
            dw.withUnsafeMutableBufferPointer { dwp in
                db.withUnsafeMutableBufferPointer { dbp in
                    convolutionBackward(s, input: x, weight: w, outputGradient: dy, inputGradient: dxp.baseAddress!,
                                        weightGradient: dwp.baseAddress!, biasGradient: dbp.baseAddress!,
                                        directWhereItApplies: direct)
                }
            }
        }
        return (dx, dw, db)
    }

    @Test("the input gradient, computed as a convolution of the output gradient: the same bits as Wᵀ·dout and col2im, and the plain loops",
          arguments: backwardCases)
    func inputGradient(s: ConvolutionShape) {
        #expect(directInputGradientApplies(s) || s.batch < Threads.count)
        let (x, w, _) = Self.random(s, seed: 22)
        var rng = RandomSource(seed: 23)
        var dy = (0..<(s.batch * s.outputImageSize)).map { _ in rng.uniform(-1, 1) }
        dy[1] = -0.0                                               // signed zeros must come out the same too
        let direct = Self.backward(s, x, w, dy, direct: true), columns = Self.backward(s, x, w, dy, direct: false)
        #expect(direct.dx.allSatisfy { !$0.isNaN }, "an input gradient was never written")
        let differing = zip(direct.dx, columns.dx).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(direct.dx.count) input gradients differ from dcolumns + col2im")
        #expect(zip(direct.dw, columns.dw).allSatisfy { $0.bitPattern == $1.bitPattern } && direct.db == columns.db)

        let reference = Reference.convolutionBackward(
            Tensor(shape: [s.batch, s.inputChannels, s.inputHeight, s.inputWidth], scalars: x),
            Tensor(shape: [s.outputChannels, s.inputChannels, s.kernelSize, s.kernelSize], scalars: w),
            Tensor(shape: [s.batch, s.outputChannels, s.outputHeight, s.outputWidth], scalars: dy), stride: 1, padding: s.padding)
        #expect(maxScaledError(Tensor(shape: reference.dx.shape, scalars: direct.dx), reference.dx) < 1e-5, "dx")
        #expect(maxScaledError(Tensor(shape: reference.dw.shape, scalars: direct.dw), reference.dw) < 1e-5, "dW")
        #expect(maxScaledError(Tensor(shape: reference.db.shape, scalars: direct.db), reference.db) < 1e-5, "db")
    }
}
