import Testing
@testable import Engine

/// dW of a stride-1 convolution with its im2col matrix read from the padded image (GEMM.swift's
/// `windowedWeightGradient`) against im2col + GEMM, to the bit, and against the plain loops.
@Suite("Convolution dW without the im2col matrix")
struct WindowedWeightGradientTests {
    /// Lesson 04's second layer (cut to 3 images), 28 × 28 outputs (784 pixels: four depth blocks of
    /// the GEMM, the second starting mid-row), 60 filters (a last sliver part full: 28 of 32 columns,
    /// 12 of 16 on AVX2), 75 weights a filter (the last 6-row tile has 3), padding 0; and slivers one
    /// vector wide, taken 12 rows at a time: lesson 07's 8 filters (72 weights a filter: six 12-row
    /// tiles), 5 filters (36 weights: three 12-row tiles), 255 pixels, 24 filters (a full sliver and, on AVX2,
    /// a narrow one).
    static let cases: [ConvolutionShape] = [
        ConvolutionShape(batch: 3, inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernelSize: 5, padding: 2),
        ConvolutionShape(batch: 2, inputChannels: 4, inputHeight: 28, inputWidth: 28, outputChannels: 32, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 3, inputHeight: 10, inputWidth: 13, outputChannels: 60, kernelSize: 5, padding: 2),
        ConvolutionShape(batch: 2, inputChannels: 6, inputHeight: 11, inputWidth: 9, outputChannels: 64, kernelSize: 3, padding: 0),
        ConvolutionShape(batch: 2, inputChannels: 8, inputHeight: 14, inputWidth: 14, outputChannels: 8, kernelSize: 3, padding: 1),
        ConvolutionShape(batch: 2, inputChannels: 4, inputHeight: 17, inputWidth: 19, outputChannels: 5, kernelSize: 3, padding: 0),
        ConvolutionShape(batch: 2, inputChannels: 4, inputHeight: 20, inputWidth: 15, outputChannels: 24, kernelSize: 3, padding: 1),
    ]

    @Test("where it applies: stride 1, and not a product gemm takes as dot products")
    func applies() {
        #expect(Self.cases.allSatisfy(windowedWeightGradientApplies))
        var strided = Self.cases[0]; strided.stride = 2
        var oneChannel = Self.cases[0]; oneChannel.inputChannels = 1          // 25 × 64 dWᵀ: gemm's dot products
        for shape in [strided, oneChannel] { #expect(!windowedWeightGradientApplies(shape), "\(shape)") }
    }

    @Test("the same dW and db as im2col + GEMM, to the bit, and as the plain loops", arguments: cases)
    func matches(s: ConvolutionShape) {
        var rng = RandomSource(seed: 31)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }
        let x = values(s.batch * s.inputImageSize), w = values(s.outputChannels * s.patchSize)
        var dy = values(s.batch * s.outputImageSize)
        dy[2] = -0.0
        func backward(windowed: Bool) -> (dw: [Float], db: [Float]) {
            var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: s.outputChannels)
            dw.withUnsafeMutableBufferPointer { dwp in
                db.withUnsafeMutableBufferPointer { dbp in
                    convolutionBackward(s, input: x, weight: w, outputGradient: dy, inputGradient: nil,
                                        weightGradient: dwp.baseAddress!, biasGradient: dbp.baseAddress!,
                                        directWhereItApplies: windowed)
                }
            }
            return (dw, db)
        }
        let windowed = backward(windowed: true), columns = backward(windowed: false)
        let differing = zip(windowed.dw, columns.dw).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(w.count) weight gradients differ from im2col + GEMM")
        #expect(zip(windowed.db, columns.db).allSatisfy { $0.bitPattern == $1.bitPattern })

        let reference = Reference.convolutionBackward(
            Tensor(shape: [s.batch, s.inputChannels, s.inputHeight, s.inputWidth], scalars: x),
            Tensor(shape: [s.outputChannels, s.inputChannels, s.kernelSize, s.kernelSize], scalars: w),
            Tensor(shape: [s.batch, s.outputChannels, s.outputHeight, s.outputWidth], scalars: dy), stride: 1, padding: s.padding)
        #expect(maxScaledError(Tensor(shape: reference.dw.shape, scalars: windowed.dw), reference.dw) < 1e-5, "dW")
    }
}
