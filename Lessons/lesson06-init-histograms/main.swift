// Lesson 06: why the scale of the initial weights matters. Chapter: book/06-init-histograms.md
//
// A batch of 16 standard-normal inputs goes forward through 6 hidden layers of 4,096 ReLU units
// with weights drawn as 0.01·randn, as 0.05·randn, and with Kaiming's randn·√(2 / fan-in).
// Nothing is trained. Watch each layer's activations: with 0.01 they shrink toward zero layer by
// layer, with 0.05 they grow layer by layer, with Kaiming they keep their size all the way down.
// Then one gradient flows back down, and does the same in reverse.
import Engine

let options = LessonOptions.parse(
    program: "lesson06-init-histograms",
    about: "Lesson 06: activations and gradients of a 6-layer, 4,096-unit ReLU network under three weight scales (nothing is trained).",
    defaults: LessonDefaults(forwardOnly: 16))   // a batch of 16 random inputs: no steps, no learning rate, no dataset
Threads.count = options.threads

let width = 4_096, depth = 6
let scales: [(name: String, tag: String, std: Float)] = [
    ("0.01 · randn", "0.01", 0.01),
    ("0.05 · randn", "0.05", 0.05),
    ("√(2 / 4096) · randn (Kaiming)", "kaiming", (2 / Float(width)).squareRoot()),
]

var rng = RandomSource(seed: options.seed)
let input = Tensor(normal: [options.batchSize, width], rng: &rng)            // (16, 4096)
let randn = (1...depth).map { _ in Tensor(normal: [width, width], rng: &rng) } // one draw per layer, shared: only the scale differs
let topGradient = Tensor(normal: [options.batchSize, width], rng: &rng)      // stands in for ∂loss/∂(layer 6's output)

// activations[s][l]: layer l+1's output under scale s; gradients[s][l]: ∂loss/∂(layer l+1's input).
var activations = [[Tensor]](repeating: [], count: scales.count)
var gradients = [[Tensor]](repeating: [], count: scales.count)
for (s, scale) in scales.enumerated() {
    let relus = randn.map { _ in ReLU() }
    var x = input
    for (l, weight) in randn.enumerated() {                                 // forward: x = relu(x · W)
        let fc = Linear(weight: scale.std * weight, bias: Tensor(zeros: [width]))
        x = relus[l].forward(fc.forward(x, mode: .evaluation), mode: .training)
        activations[s].append(x)
    }
    var dx = topGradient
    for l in (0..<depth).reversed() {                                       // backward: through ReLU, then dx = dy · Wᵀ
        dx = matmul(relus[l].backward(dx), scale.std * randn[l], transposeB: true)
        gradients[s].insert(dx, at: 0)
    }
}

// One block per scale; each layer's histogram shares its axis with the same layer under the other scales.
let positives = activations.map { $0.map { $0.scalars.filter { $0 > 0 } } }   // ReLU zeroes about half: show the rest
let (mean, std) = input.meanAndStandardDeviation()
let report = scales.indices.map { s in
    ["weights \(scales[s].name)", "input    mean \(mean.formatted(places: 4))  std \(std.formatted(places: 4))"]
    + (0..<depth).map { l in
        let (mean, std) = activations[s][l].meanAndStandardDeviation()
        let common = positives.map { $0[l].min()! }.min()!...positives.map { $0[l].max()! }.max()!
        return "layer \(l + 1)  mean \(mean.formatted(places: 4))  std \(std.formatted(places: 4))   "
            + "\(100 * (activations[s][l].count - positives[s][l].count) / activations[s][l].count)% zero, the rest: "
            + histogramLine(positives[s][l], range: common)
    }
    + ["gradient std at layers 1…6: " + gradients[s].map { $0.meanAndStandardDeviation().std.formatted(places: 4) }.joined(separator: "  ")]
}
print(report.map { $0.joined(separator: "\n") }.joined(separator: "\n\n"))

// histograms.svg: a row per scale, a panel per layer, on one axis per row: shrinking and growing show at a glance.
let rows = scales.indices.map { s in HistogramGrid.Row("\(scales[s].name): activations > 0",
                                                       panels: (0..<depth).map { ("layer \($0 + 1)", positives[s][$0]) }) }
    + scales.indices.map { s in HistogramGrid.Row("\(scales[s].name): gradients",
                                                  panels: (0..<depth).map { ("layer \($0 + 1)", gradients[s][$0].scalars) }) }
let run = RunFolder.shared(options)
run.write("histograms.svg", HistogramGrid(title: "Activations and backward gradients per layer, three initializations", rows: rows).svg())
for s in scales.indices {                                   // --tensorboard: the same histograms, the layer as the step
    for l in 0..<depth {
        run.addHistogram("activations/\(scales[s].tag)", values: positives[s][l], step: l + 1)
        run.addHistogram("gradients/\(scales[s].tag)", values: gradients[s][l].scalars, step: l + 1)
    }
}
run.close()
