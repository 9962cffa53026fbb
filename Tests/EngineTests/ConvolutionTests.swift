import Testing
@testable import Engine

/// Conv2D's im2col + GEMM kernel against plain loops and against numerical gradients.
@Suite("Convolution")
struct ConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let batch, inputChannels, height, width, outputChannels, kernel, stride, padding: Int
        var testDescription: String {
            "N\(batch) Cin\(inputChannels) \(height)×\(width) → Cout\(outputChannels) K\(kernel) S\(stride) P\(padding)"
        }
    }

    /// Awkward shapes: batch of 1, one channel, odd sizes, stride 2, padding 0 and 2, even and 1×1 kernels,
    /// a kernel as large as the padded input, padding larger than the kernel's reach, rows of 35 pixels.
    static let cases = [
        Case(batch: 1, inputChannels: 1, height: 5, width: 5, outputChannels: 1, kernel: 3, stride: 1, padding: 0),
        Case(batch: 2, inputChannels: 3, height: 7, width: 9, outputChannels: 4, kernel: 3, stride: 2, padding: 2),
        Case(batch: 3, inputChannels: 2, height: 9, width: 7, outputChannels: 5, kernel: 5, stride: 2, padding: 0),
        Case(batch: 1, inputChannels: 1, height: 11, width: 11, outputChannels: 3, kernel: 5, stride: 1, padding: 2),
        Case(batch: 5, inputChannels: 4, height: 6, width: 5, outputChannels: 2, kernel: 1, stride: 1, padding: 0),
        Case(batch: 2, inputChannels: 2, height: 8, width: 8, outputChannels: 3, kernel: 2, stride: 2, padding: 1),
        Case(batch: 1, inputChannels: 2, height: 3, width: 4, outputChannels: 2, kernel: 3, stride: 3, padding: 2),
        Case(batch: 3, inputChannels: 1, height: 4, width: 4, outputChannels: 7, kernel: 8, stride: 1, padding: 2),
        // Rows wider than one 16-float copy (the stride-1 im2col copies runs 16 floats at a time).
        Case(batch: 2, inputChannels: 1, height: 6, width: 35, outputChannels: 2, kernel: 3, stride: 1, padding: 1),
    ]

    static func random(_ c: Case, seed: UInt64) -> (conv: Conv2D, x: Tensor, dy: Tensor) {
        var rng = RandomSource(seed: seed)
        let conv = Conv2D(weight: Tensor(uniform: [c.outputChannels, c.inputChannels, c.kernel, c.kernel], low: -1, high: 1, rng: &rng),
                          bias: Tensor(uniform: [c.outputChannels], low: -1, high: 1, rng: &rng),
                          stride: c.stride, padding: c.padding)
        let x = Tensor(uniform: [c.batch, c.inputChannels, c.height, c.width], low: -1, high: 1, rng: &rng)
        let outShape = conv.outputShape(for: x.shape)
        return (conv, x, Tensor(uniform: outShape, low: -1, high: 1, rng: &rng))
    }

    @Test("forward and backward match the plain loops", arguments: cases)
    func matchesReferenceLoops(c: Case) {
        let (conv, x, dy) = Self.random(c, seed: 11)
        let y = conv.forward(x, mode: .training)
        let expected = Reference.convolutionForward(x, conv.weight.value, conv.bias.value, stride: c.stride, padding: c.padding)
        #expect(y.shape == expected.shape)
        #expect(maxRelativeError(y, expected) < 1e-4, "forward")

        // Backward accumulates: start the gradients at a known non-zero value.
        conv.weight.gradient = Tensor(repeating: 0.5, shape: conv.weight.value.shape)
        conv.bias.gradient = Tensor(repeating: -0.25, shape: conv.bias.value.shape)
        let dx = conv.backward(dy)
        let reference = Reference.convolutionBackward(x, conv.weight.value, dy, stride: c.stride, padding: c.padding)
        var dw = reference.dw, db = reference.db
        for i in 0..<dw.count { dw.scalars[i] += 0.5 }
        for i in 0..<db.count { db.scalars[i] -= 0.25 }
        #expect(maxRelativeError(dx, reference.dx) < 1e-4, "dx")
        #expect(maxRelativeError(conv.weight.gradient, dw) < 1e-4, "dW")
        #expect(maxRelativeError(conv.bias.gradient, db) < 1e-4, "db")
    }

    @Test("gradients match centered differences", arguments: [cases[0], cases[1], cases[2], cases[5], cases[6]])
    func matchesNumericalGradients(c: Case) {
        let (conv, x, dy) = Self.random(c, seed: 12)
        // loss = Σ dy · conv(x): its gradient with respect to the output is dy.
        _ = conv.forward(x, mode: .training)
        conv.zeroGradients()
        let dx = conv.backward(dy)
        let numericX = numericalGradient(of: { weightedSum(conv.forward($0, mode: .evaluation), dy) }, at: x)
        #expect(maxRelativeError(dx, numericX) < 1e-2, "dx")

        for parameter in conv.parameters {
            let numeric = numericalGradient(of: parameter, of: conv, input: x, outputGradient: dy)
            #expect(maxRelativeError(parameter.gradient, numeric) < 1e-2, "\(parameter.name)")
        }
    }

    @Test("a layer shaped like lesson 04's second (several images, one per thread) matches the loops")
    func lessonSizedLayer() {
        let c = Case(batch: 3, inputChannels: 8, height: 14, width: 14, outputChannels: 64, kernel: 5, stride: 1, padding: 2)
        let (conv, x, dy) = Self.random(c, seed: 13)
        let y = conv.forward(x, mode: .training)
        #expect(maxScaledError(y, Reference.convolutionForward(x, conv.weight.value, conv.bias.value, stride: 1, padding: 2)) < 1e-5)
        conv.zeroGradients()
        let dx = conv.backward(dy)
        let reference = Reference.convolutionBackward(x, conv.weight.value, dy, stride: 1, padding: 2)
        #expect(maxScaledError(dx, reference.dx) < 1e-5)
        #expect(maxScaledError(conv.weight.gradient, reference.dw) < 1e-5)
        #expect(maxScaledError(conv.bias.gradient, reference.db) < 1e-5)
    }

    @Test("output size is (W − K + 2P)/S + 1")
    func outputSize() {
        var rng = RandomSource(seed: 1)
        func shape(_ size: Int, k: Int, s: Int, p: Padding) -> [Int] {
            Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: k, stride: s, padding: p, rng: &rng)
                .outputShape(for: [2, 3, size, size])
        }
        #expect(shape(28, k: 5, s: 1, p: .same) == [2, 8, 28, 28])
        #expect(shape(28, k: 5, s: 1, p: .valid) == [2, 8, 24, 24])
        #expect(shape(224, k: 7, s: 2, p: 3) == [2, 8, 112, 112])  // (224 − 7 + 6)/2 + 1
        #expect(shape(7, k: 3, s: 2, p: 0) == [2, 8, 3, 3])
        #expect(shape(32, k: 3, s: 1, p: .same) == [2, 8, 32, 32])
        #expect(shape(5, k: 5, s: 1, p: .valid) == [2, 8, 1, 1])
    }
}

/// MaxPool2D against plain loops and numerical gradients.
@Suite("Max-pooling")
struct PoolingTests {
    /// Distinct values at least 0.01 apart, shuffled: no ties, and a probe of ±0.001 never changes which input is the maximum.
    static func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomSource(seed: seed)
        var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.01 - 1 }
        rng.shuffle(&values)
        return Tensor(shape: shape, scalars: values)
    }

    @Test("forward and backward match the plain loops",
          arguments: [(2, 2, [1, 1, 4, 4]), (2, 2, [3, 5, 28, 28]), (2, 2, [2, 3, 7, 7]), (3, 2, [2, 2, 9, 8]),
                      (2, 1, [1, 3, 5, 6]), (3, 3, [4, 1, 10, 11]),
                      // The 2×2 fast path's vectors of 8 windows: rows of 7 (lesson 04's second pooling),
                      // exactly 16 and 32 inputs, and 8 + 3 windows with an odd row left over.
                      (2, 2, [2, 4, 14, 14]), (2, 2, [1, 2, 4, 16]), (2, 2, [2, 1, 2, 32]), (2, 2, [1, 3, 5, 22])])
    func matchesReferenceLoops(size: Int, stride: Int, shape: [Int]) {
        let x = Self.distinctValues(shape, seed: 3)
        let pool = MaxPool2D(size: size, stride: stride)
        let y = pool.forward(x, mode: .training)
        let (expected, _) = Reference.maxPoolForward(x, size: size, stride: stride)
        #expect(y == expected)
        var rng = RandomSource(seed: 4)
        var dy = Tensor(uniform: y.shape, low: -1, high: 1, rng: &rng)
        dy.scalars[0] = -0.0                  // a negative zero reaches the input as 0 + (−0) = +0, on every path
        // To the bit: each input sums the same gradients in the same order as the loops.
        let dx = pool.backward(dy), expectedDx = Reference.maxPoolBackward(x, dy, size: size, stride: stride)
        #expect(dx.shape == expectedDx.shape)
        #expect(dx.scalars.map(\.bitPattern) == expectedDx.scalars.map(\.bitPattern))
    }

    @Test("gradient matches centered differences (overlapping windows too)", arguments: [(2, 2), (3, 2), (2, 1)])
    func matchesNumericalGradient(size: Int, stride: Int) {
        let x = Self.distinctValues([2, 3, 7, 6], seed: 5)
        let pool = MaxPool2D(size: size, stride: stride)
        let y = pool.forward(x, mode: .training)
        var rng = RandomSource(seed: 6)
        let dy = Tensor(uniform: y.shape, low: -1, high: 1, rng: &rng)
        let dx = pool.backward(dy)
        let numeric = numericalGradient(of: { weightedSum(pool.forward($0, mode: .evaluation), dy) }, at: x, step: 1e-3)
        #expect(maxRelativeError(dx, numeric) < 1e-2)
    }

    @Test("ties go to the first maximum in scan order, in the 2×2 fast path and the general loop", arguments: [(2, 2), (3, 1)])
    func ties(size: Int, stride: Int) {
        var rng = RandomSource(seed: 8)
        // Rows of 18: a vector of 8 windows and a scalar one, in the 2×2 fast path.
        let x = Tensor(shape: [2, 2, 6, 18], scalars: (0..<432).map { _ in Float(rng.integer(below: 2)) })
        let pool = MaxPool2D(size: size, stride: stride)
        #expect(pool.forward(x, mode: .training) == Reference.maxPoolForward(x, size: size, stride: stride).out)
        let dy = Tensor(uniform: pool.outputShape(for: x.shape), low: -1, high: 1, rng: &rng)
        #expect(maxRelativeError(pool.backward(dy), Reference.maxPoolBackward(x, dy, size: size, stride: stride)) < 1e-6)
    }

    @Test("2×2 pooling halves height and width; odd sizes round down")
    func outputShapes() {
        #expect(MaxPool2D().outputShape(for: [100, 32, 28, 28]) == [100, 32, 14, 14])
        #expect(MaxPool2D().outputShape(for: [1, 64, 7, 7]) == [1, 64, 3, 3])
        #expect(MaxPool2D(size: 3, stride: 2).outputShape(for: [1, 1, 9, 8]) == [1, 1, 4, 3])
    }
}

/// ∂(Σ dy · layer(x))/∂parameter by centered differences, restoring the parameter afterwards.
func numericalGradient(of parameter: Parameter, of layer: any Layer, input x: Tensor, outputGradient dy: Tensor) -> Tensor {
    let original = parameter.value
    defer { parameter.value = original }
    return numericalGradient(of: { probe in
        parameter.value = probe
        return weightedSum(layer.forward(x, mode: .evaluation), dy)
    }, at: original)
}
