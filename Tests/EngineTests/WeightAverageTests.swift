import Testing
@testable import Engine

@Suite("Weight averaging")
struct WeightAverageTests {
    @Test func averagesTheAccumulatedStepsAndRestoresTheWeights() {
        let p = Parameter("p", Tensor(shape: [2], scalars: [0, 0]))
        let average = WeightAverage([p])
        for values: [Float] in [[1, -3], [2, 5], [6, 1]] {
            p.value = Tensor(shape: [2], scalars: values)
            average.accumulate()
        }
        p.value = Tensor(shape: [2], scalars: [10, 10])           // training moved on
        let seen = average.withAveragedWeights { p.value.scalars }
        #expect(seen == [3, 1])                                    // (1+2+6)/3, (−3+5+1)/3
        #expect(p.value.scalars == [10, 10])                       // the current weights are back
        #expect(average.count == 3)
    }

    @Test func longRunningMeanStaysAccurate() {
        // 100,000 steps alternating around 0.25: the mean is exact to Float's rounding (in a Float
        // running mean it drifted by 2.4e-5).
        let p = Parameter("p", Tensor(shape: [1], scalars: [0]))
        let average = WeightAverage([p])
        var exact = 0.0
        for step in 0..<100_000 {
            let value: Float = step % 2 == 0 ? 0.25 + 0.001 * Float(step % 7) : 0.25 - 0.001 * Float(step % 5)
            p.value.scalars[0] = value
            exact += Double(value)
            average.accumulate()
        }
        let mean = average.withAveragedWeights { p.value.scalars[0] }
        #expect(abs(Double(mean) - exact / 100_000) < 1e-7)
    }
}
