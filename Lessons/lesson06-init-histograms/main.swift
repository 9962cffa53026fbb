// Lesson 06: why the scale of the initial weights matters. Chapter: book/06-init-histograms.md
//
// A batch of 16 standard-normal inputs goes forward through 6 hidden layers of 4,096 ReLU units
// with weights drawn as 0.01·randn, as 0.05·randn, and with Kaiming's randn·√(2 / fan-in).
// Nothing is trained. Watch each layer's activations: with 0.01 they shrink toward zero layer by
// layer, with 0.05 they grow layer by layer, with Kaiming they keep their size all the way down.
import Engine

let options = LessonOptions.parse(
    program: "lesson06-init-histograms",
    about: "Lesson 06: activations of a 6-layer, 4,096-unit ReLU network under three weight scales (forward only: --steps and --learning-rate are not used).",
    defaults: LessonDefaults(steps: 1, batchSize: 16, learningRate: 1, logEvery: 1))
Threads.count = options.threads

let width = 4_096, depth = 6
let scales: [(name: String, std: Float)] = [
    ("0.01 · randn", 0.01),
    ("0.05 · randn", 0.05),
    ("√(2 / 4096) · randn (Kaiming)", (2 / Float(width)).squareRoot()),
]

var rng = RandomSource(seed: options.seed)
let input = Tensor(normal: [options.batchSize, width], rng: &rng)            // (16, 4096)
var activations = scales.map { _ in input }                                 // one batch per scale
var report = scales.map { ["weights \($0.name)", "input    mean \(input.meanAndStandardDeviation().mean.formatted(places: 4))  std \(input.meanAndStandardDeviation().std.formatted(places: 4))"] }

for layer in 1...depth {
    let randn = Tensor(normal: [width, width], rng: &rng)                   // one draw, shared: only the scale differs
    for (i, scale) in scales.enumerated() {
        let fc = Linear(weight: scale.std * randn, bias: Tensor(zeros: [width]))
        activations[i] = ReLU().forward(fc.forward(activations[i], mode: .evaluation), mode: .evaluation)
        let (mean, std) = activations[i].meanAndStandardDeviation()
        let positive = activations[i].scalars.filter { $0 > 0 }            // ReLU zeroes about half: show the rest
        report[i].append("layer \(layer)  mean \(mean.formatted(places: 4))  std \(std.formatted(places: 4))   "
            + "\(100 * (activations[i].count - positive.count) / activations[i].count)% zero, the rest: \(histogramLine(positive))")
    }
}
print(report.map { $0.joined(separator: "\n") }.joined(separator: "\n\n"))
