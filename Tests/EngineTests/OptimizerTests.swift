import Testing
@testable import Engine

@Suite("Optimizers")
struct OptimizerTests {
    private func parameter(_ values: [Float], gradient: [Float]) -> Parameter {
        let p = Parameter("p", Tensor(shape: [values.count], scalars: values))
        p.gradient = Tensor(shape: [gradient.count], scalars: gradient)
        return p
    }

    @Test func plainSGD() {
        let p = parameter([1, -2], gradient: [0.5, -1])
        SGD(learningRate: 0.1).step([p])
        #expect(p.value.scalars == [0.95, -1.9])
    }

    @Test func momentumAccumulatesVelocity() {
        let p = parameter([0], gradient: [1])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.step([p])          // v = 1,   w = −0.1
        sgd.step([p])          // v = 1.9, w = −0.29
        #expect(abs(p.value.scalars[0] - (-0.29)) < 1e-6)
    }

    @Test func adamFirstStepsMatchHandComputedValues() {
        // With bias correction, Adam's first step moves every parameter by almost exactly lr
        // against the sign of its gradient, whatever the gradient's size: m̂ = g, v̂ = g².
        let p = parameter([1, 1], gradient: [0.001, -50])
        let adam = Adam(learningRate: 0.01)
        adam.step([p])
        #expect(abs(p.value.scalars[0] - 0.99) < 1e-6)
        #expect(abs(p.value.scalars[1] - 1.01) < 1e-6)

        // Second step with gradient 0.5 for the first parameter (worked by hand):
        //   after step 1: m = 0.1·0.001 = 1e-4,            v = 0.001·(0.001)² = 1e-9
        //   m = 0.9·1e-4 + 0.1·0.5     = 0.05009           m̂ = 0.05009 / (1 − 0.9²)      = 0.263631579
        //   v = 0.999·1e-9 + 0.001·0.25 = 0.000250000999   v̂ = v / (1 − 0.999²)          = 0.125063031
        //   step = 0.01 · 0.263631579 / (√0.125063031 + 1e-8) = 0.007454748
        p.gradient = Tensor(shape: [2], scalars: [0.5, -50])
        adam.step([p])
        #expect(abs(p.value.scalars[0] - (0.99 - 0.007454748)) < 1e-6)
        #expect(abs(p.value.scalars[1] - 1.02) < 1e-5)
    }

    @Test func adamClearsTheGradientsItUsedAndZeroingNoticesNewOnes() {
        let p = parameter(Array(repeating: 1, count: 37), gradient: (0..<37).map { Float($0) - 18 })  // SIMD blocks and the tail
        Adam().step([p])
        #expect(p.gradient.scalars == Array(repeating: 0, count: 37))
        #expect(p.gradientIsZero)
        p.gradient.scalars[36] = 4           // what a backward pass does: add into the gradient
        #expect(!p.gradientIsZero)
        p.zeroGradient()
        #expect(p.gradient.scalars == Array(repeating: 0, count: 37))
        p.gradient.add(Tensor(shape: [37], scalars: Array(repeating: 1, count: 37)))
        p.zeroGradient()
        #expect(p.gradient.scalars == Array(repeating: 0, count: 37))
    }

    @Test func adamWDecaysWeightsDecoupled() {
        // Zero gradient: plain Adam does not move, AdamW shrinks w by lr·decay·w.
        let p = parameter([2], gradient: [0])
        AdamW(learningRate: 0.1, weightDecay: 0.5).step([p])
        #expect(abs(p.value.scalars[0] - (2 - 0.1 * 0.5 * 2)) < 1e-6)
        let q = parameter([2], gradient: [0])
        Adam(learningRate: 0.1).step([q])
        #expect(q.value.scalars[0] == 2)
    }
}
