import Testing
@testable import Engine

@Suite("Residual blocks and ResNet-style models")
struct ResidualTests {
    /// The whole block against centered differences: input and every parameter, identity and
    /// projection shortcuts, plain blocks, with and without batch norm (training mode throughout:
    /// batch norm's statistics move with the input). The ReLUs' kinks rule out a large step and Float
    /// rounding a tiny one: a step of 1e-3, errors measured against the gradient's largest entry.
    @Test(arguments: [(1, true, true), (2, true, true), (1, false, true), (2, false, true), (1, true, false), (2, true, false)])
    func blockMatchesNumericalGradients(stride: Int, shortcut: Bool, batchNorm: Bool) {
        var rng = RandomSource(seed: UInt64(10 * stride + (shortcut ? 1 : 0) + (batchNorm ? 5 : 0)))
        let cout = stride == 1 ? 2 : 3
        let block = ResidualBlock(inputChannels: 2, outputChannels: cout, stride: stride, shortcut: shortcut,
                                  batchNorm: batchNorm, rng: &rng)
        #expect((block.projection != nil) == (shortcut && stride == 2))
        let x = Tensor(normal: [3, 2, 4, 4], rng: &rng)
        let y = block.forward(x, mode: .training)
        #expect(y.shape == [3, cout, 4 / stride, 4 / stride])
        let upstream = Tensor(normal: y.shape, rng: &rng)
        for (what, error) in gradientErrors(block, input: x, upstream: upstream, step: 1e-3, error: maxScaledError) {
            #expect(error < 1e-2, "\(what)")
        }
    }

    /// The forward pass is the composition it claims: ReLU(F(x) + x), ReLU(F(x) + P(x)), ReLU(F(x)).
    @Test(arguments: [(1, true), (2, true), (2, false)])
    func forwardIsTheMainPathPlusTheShortcut(stride: Int, shortcut: Bool) {
        var rng = RandomSource(seed: 21)
        let block = ResidualBlock(inputChannels: 2, outputChannels: 2 * stride, stride: stride, shortcut: shortcut, rng: &rng)
        let x = Tensor(normal: [2, 2, 6, 6], rng: &rng)
        let y = block.forward(x, mode: .evaluation)
        var sum = block.main.forward(x, mode: .evaluation)
        if shortcut { sum.add(block.projection?.forward(x, mode: .evaluation) ?? x) }
        #expect(y == ReLU().forward(sum, mode: .evaluation))
    }

    /// Silence the main path (its last batch norm's γ and β at zero, so F(x) = 0): the residual
    /// block still passes the gradient straight back through the shortcut, the plain block passes nothing.
    @Test func theShortcutCarriesTheGradientWhenTheMainPathIsSilent() {
        for shortcut in [true, false] {
            var rng = RandomSource(seed: 5)
            let block = ResidualBlock(inputChannels: 3, outputChannels: 3, shortcut: shortcut, rng: &rng)
            let lastNorm = block.main.layers.last as! BatchNorm
            lastNorm.gamma.value = Tensor(zeros: [3])
            let x = Tensor(uniform: [2, 3, 5, 5], low: 0.1, high: 1, rng: &rng)   // positive: ReLU(x + 0) = x
            let y = block.forward(x, mode: .training)
            let upstream = Tensor(normal: x.shape, rng: &rng)
            let dx = block.backward(upstream)
            if shortcut {
                #expect(y == x)
                #expect(dx == upstream)               // ∂L/∂out, unchanged
            } else {
                #expect(y == Tensor(zeros: x.shape))
                #expect(dx == Tensor(zeros: x.shape))
            }
        }
    }

    /// Depth 6n + 2, shapes, parameter counts worked out by hand, and plain vs residual sharing
    /// every initial weight but the projections'.
    @Test func resNetShapesAndParameterCounts() {
        let shape = Models.ResNetShape(blocksPerStage: 3, widths: [16, 32, 64])
        #expect(shape.depth == 20)
        #expect(Models.ResNetShape.blocksPerStage(depth: 20) == 3)
        #expect(Models.ResNetShape.blocksPerStage(depth: 21) == nil)
        #expect(Models.ResNetShape.blocksPerStage(depth: 2) == nil)

        let residual = Models.resNet(shape, seed: 1)
        var plainShape = shape
        plainShape.shortcuts = false
        let plain = Models.resNet(plainShape, seed: 1)
        var rng = RandomSource(seed: 2)
        let x = Tensor(uniform: [2, 784], low: 0, high: 1, rng: &rng)
        #expect(residual.forward(x, mode: .training).shape == [2, 10])

        // conv weights Cout·Cin·K·K (no biases before batch norm) + 2·Cout for each batch norm.
        func convBN(_ cin: Int, _ cout: Int, _ k: Int) -> Int { cout * cin * k * k + 2 * cout }
        func block(_ cin: Int, _ cout: Int) -> Int { convBN(cin, cout, 3) + convBN(cout, cout, 3) }
        let stem = convBN(1, 16, 3), fc = 64 * 10 + 10
        let plainCount = stem + 3 * block(16, 16) + block(16, 32) + 2 * block(32, 32) + block(32, 64) + 2 * block(64, 64) + fc
        let projections = convBN(16, 32, 1) + convBN(32, 64, 1)
        #expect(plain.parameterCount == plainCount)
        #expect(residual.parameterCount == plainCount + projections)

        let plainBlocks = plain.layers.compactMap { $0 as? ResidualBlock }
        let residualBlocks = residual.layers.compactMap { $0 as? ResidualBlock }
        #expect(plainBlocks.count == 9 && residualBlocks.count == 9)
        for (p, r) in zip(plainBlocks, residualBlocks) {
            #expect(p.main.parameters.map(\.value) == r.main.parameters.map(\.value))
        }
        #expect(plain.layers.last!.parameters.map(\.value) == residual.layers.last!.parameters.map(\.value))

        let table = residual.summary(inputShape: [784])
        #expect(table.contains("residual block 16→32 stride 2 + 1×1 projection"))
        #expect(table.contains("global average pool"))
        #expect(table.split(separator: "\n").last!.hasSuffix(Sequential.grouped(plainCount + projections)))
        #expect(plain.summary(inputShape: [784]).contains("plain block 32→64 stride 2"))

        var noBN = plainShape
        noBN.batchNorm = false
        let withoutNorm = Models.resNet(noBN, seed: 1)
        #expect(!withoutNorm.summary(inputShape: [784]).contains("batchnorm"))
        // Without batch norm every convolution keeps its Cout biases instead of 2·Cout norm parameters.
        #expect(withoutNorm.parameterCount == plainCount - 16 - 2 * 3 * (16 + 32 + 64))   // stem, then 2 convolutions × 3 blocks per stage
    }
}
