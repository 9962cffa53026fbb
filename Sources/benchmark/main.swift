// Speed of the engine at the shapes the lessons use: GEMM GFLOP/s (next to numpy's, when python3
// with numpy is installed, measured in the same run so the ratio holds on a busy machine),
// convolution forward and backward times, training images/s for lesson 04's two networks, and
// batch norm's share of a lesson-07 training step next to the convolutions'.
// lesson 08's augmentation: images/s and its cost next to a SimpleCNN training step.
//
// Run: swift run -c release benchmark [--threads N] [--quick]
import Engine
import Foundation

let arguments = CommandLine.arguments.dropFirst()
if let i = arguments.firstIndex(of: "--threads"), i + 1 < arguments.endIndex, let n = Int(arguments[i + 1]) {
    Threads.count = n
}
let quick = arguments.contains("--quick")
let minimumSeconds = quick ? 0.1 : 0.5

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// The best of repeated timings over at least `minimumSeconds` (the machine is shared: the
/// fastest repetition is the least disturbed one).
func bestTime(_ body: () -> Void) -> Double {
    body()  // warm up: page in buffers, spin up threads
    var best = Double.infinity, total = 0.0
    while total < minimumSeconds {
        let start = now()
        body()
        let t = now() - start
        best = min(best, t)
        total += t
    }
    return best
}

func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
func number(_ x: Double, _ places: Int = 1) -> String { String(format: "%.\(places)f", x) }

var uptime: String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map {
        "load average " + $0.split(separator: " ").prefix(3).joined(separator: " ")
    } ?? ""
}
print("benchmark: \(Threads.count) threads, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(uptime)")

// MARK: - GEMM

struct GEMMShape {
    let what: String
    let m, n, k: Int
    let transposeA, transposeB: Bool
}

let gemmShapes: [GEMMShape] = [
    GEMMShape(what: "lesson 01 forward x·W", m: 100, n: 10, k: 784, transposeA: false, transposeB: false),
    GEMMShape(what: "lesson 01 dW = xᵀ·dy", m: 784, n: 10, k: 100, transposeA: true, transposeB: false),
    GEMMShape(what: "lesson 01 dx = dy·Wᵀ", m: 100, n: 784, k: 10, transposeA: false, transposeB: true),
    GEMMShape(what: "CNN conv1 per image W·cols", m: 32, n: 784, k: 25, transposeA: false, transposeB: false),
    GEMMShape(what: "CNN conv2 per image W·cols", m: 64, n: 196, k: 800, transposeA: false, transposeB: false),
    GEMMShape(what: "CNN conv2 dW = dy·colsᵀ", m: 64, n: 800, k: 196, transposeA: false, transposeB: true),
    GEMMShape(what: "CNN conv2 dcols = Wᵀ·dy", m: 800, n: 196, k: 64, transposeA: true, transposeB: false),
    GEMMShape(what: "CNN fc1 forward x·W", m: 100, n: 1024, k: 3136, transposeA: false, transposeB: false),
    GEMMShape(what: "CNN fc1 dW = xᵀ·dy", m: 3136, n: 1024, k: 100, transposeA: true, transposeB: false),
    GEMMShape(what: "CNN fc1 dx = dy·Wᵀ", m: 100, n: 3136, k: 1024, transposeA: false, transposeB: true),
    GEMMShape(what: "SimpleCNN conv2 per image", m: 64, n: 196, k: 288, transposeA: false, transposeB: false),
    GEMMShape(what: "SimpleCNN fc1 forward", m: 64, n: 128, k: 3136, transposeA: false, transposeB: false),
    GEMMShape(what: "square 1024", m: 1024, n: 1024, k: 1024, transposeA: false, transposeB: false),
]

/// numpy's matmul at the same shapes, in one python3 run: GFLOP/s per shape, or nil without numpy.
func numpyGFLOPs(_ shapes: [GEMMShape]) -> [Double]? {
    let list = shapes.map { "(\($0.m),\($0.n),\($0.k),\($0.transposeA ? 1 : 0),\($0.transposeB ? 1 : 0))" }.joined(separator: ",")
    let script = """
        import time, numpy as np
        rng = np.random.default_rng(1)
        for m, n, k, ta, tb in [\(list)]:
            a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
            b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
            A = a.T if ta else a
            B = b.T if tb else b
            c = np.empty((m, n), dtype=np.float32)
            np.matmul(A, B, out=c)
            best, total = 1e9, 0.0
            while total < \(minimumSeconds):
                t = time.perf_counter(); np.matmul(A, B, out=c); t = time.perf_counter() - t
                best = min(best, t); total += t
            print(2.0 * m * n * k / best * 1e-9)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = String(Threads.count)      // same thread count as the engine
    environment["OPENBLAS_NUM_THREADS"] = String(Threads.count)
    process.environment = environment
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    let values = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Double($0) }
    return values.count == shapes.count ? values : nil
}

print("\nGEMM, C = op(A)·op(B) (m×k times k×n)")
var engineRates: [Double] = []
for s in gemmShapes {
    var rng = RandomSource(seed: 1)
    let a = Tensor(normal: s.transposeA ? [s.k, s.m] : [s.m, s.k], rng: &rng)
    let b = Tensor(normal: s.transposeB ? [s.n, s.k] : [s.k, s.n], rng: &rng)
    var c = Tensor(zeros: [s.m, s.n])
    let t = bestTime {
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.scalars.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: s.transposeA, transposeB: s.transposeB, m: s.m, n: s.n, k: s.k, alpha: 1,
                         a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                         beta: 0, c: pc.baseAddress!, ldc: s.n)
                }
            }
        }
    }
    engineRates.append(2 * Double(s.m * s.n * s.k) / t * 1e-9)
}
let numpyRates = numpyGFLOPs(gemmShapes)
print(pad("  shape", 32) + pad("m×n×k", 17) + pad("engine GFLOP/s", 16) + (numpyRates == nil ? "" : "numpy GFLOP/s  ratio"))
for (i, s) in gemmShapes.enumerated() {
    var line = pad("  " + s.what, 32) + pad("\(s.m)×\(s.n)×\(s.k)", 17) + pad(number(engineRates[i]), 16)
    if let numpy = numpyRates { line += pad(number(numpy[i]), 15) + number(engineRates[i] / numpy[i], 2) }
    print(line)
}

// MARK: - Convolution layers

struct ConvCase {
    let what: String
    let batch, inputChannels, size, outputChannels, kernel, padding: Int
}

let convCases = [
    ConvCase(what: "CNN conv1 5×5 1→32", batch: 100, inputChannels: 1, size: 28, outputChannels: 32, kernel: 5, padding: 2),
    ConvCase(what: "CNN conv2 5×5 32→64", batch: 100, inputChannels: 32, size: 14, outputChannels: 64, kernel: 5, padding: 2),
    ConvCase(what: "SimpleCNN conv1 3×3 1→32", batch: 64, inputChannels: 1, size: 28, outputChannels: 32, kernel: 3, padding: 1),
    ConvCase(what: "SimpleCNN conv2 3×3 32→64", batch: 64, inputChannels: 32, size: 14, outputChannels: 64, kernel: 3, padding: 1),
]

print("\nConvolution layers (forward; backward = dW, db and dx)")
print(pad("  layer", 30) + pad("batch", 7) + pad("forward ms", 12) + pad("GFLOP/s", 10) + pad("backward ms", 13) + "GFLOP/s")
for c in convCases {
    var rng = RandomSource(seed: 2)
    let conv = Conv2D(inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernel,
                      padding: .explicit(c.padding), rng: &rng)
    let x = Tensor(normal: [c.batch, c.inputChannels, c.size, c.size], rng: &rng)
    var y = conv.forward(x, mode: .training)
    let dy = Tensor(normal: y.shape, rng: &rng)
    let forward = bestTime { y = conv.forward(x, mode: .training) }
    let backward = bestTime { _ = conv.backward(dy) }
    let flops = 2.0 * Double(y.count * c.inputChannels * c.kernel * c.kernel)
    print(pad("  " + c.what, 30) + pad("\(c.batch)", 7) + pad(number(forward * 1e3, 2), 12) + pad(number(flops / forward * 1e-9), 10)
        + pad(number(backward * 1e3, 2), 13) + number(2 * flops / backward * 1e-9))
}

// MARK: - Training

/// Images per second for full training steps (forward, loss, backward, Adam) on random images.
func trainingRate(_ model: Sequential, batchSize: Int, learningRate: Float) -> Double {
    var rng = RandomSource(seed: 3)
    let images = Tensor(uniform: [batchSize, 784], low: 0, high: 1, rng: &rng)
    let labels = (0..<batchSize).map { _ in rng.integer(below: 10) }
    let optimizer = Adam(learningRate: learningRate)
    func step() {
        let logits = model.forward(images, mode: .training)
        let (_, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
        model.zeroGradients()
        _ = model.backward(dLogits)
        optimizer.step(model.parameters)
    }
    step()
    // Where a step's time goes (best of a few).
    var forward = Double.infinity, backward = Double.infinity, update = Double.infinity
    for _ in 0..<(quick ? 2 : 5) {
        var t = now()
        let logits = model.forward(images, mode: .training)
        let (_, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
        forward = min(forward, now() - t)
        t = now()
        model.zeroGradients()
        _ = model.backward(dLogits)
        backward = min(backward, now() - t)
        t = now()
        optimizer.step(model.parameters)
        update = min(update, now() - t)
    }
    print("    per step: forward \(number(forward * 1e3)) ms, backward \(number(backward * 1e3)) ms, Adam \(number(update * 1e3)) ms")
    let steps = quick ? 5 : 30
    var best = Double.infinity
    for _ in 0..<(quick ? 1 : 3) {   // best of three runs of `steps` steps
        let start = now()
        for _ in 0..<steps { step() }
        best = min(best, now() - start)
    }
    return Double(steps * batchSize) / best
}

print("\nTraining (forward + backward + Adam), images/s")
let cnnRate = trainingRate(Models.tutorialCNN(seed: 1), batchSize: 100, learningRate: 1e-4)
print("  2017 CNN (lesson 04), batch 100:   \(Int(cnnRate)) images/s")
let simpleRate = trainingRate(Models.simpleCNN(seed: 1), batchSize: 64, learningRate: 1e-3)
print("  SimpleCNN, batch 64:               \(Int(simpleRate)) images/s")
print("  (PyTorch and TensorFlow: not measured in this run; a peer's figure from another run or machine is no comparison)")

// MARK: - Lesson 07: batch norm next to the convolutions

/// A layer that adds the time of its forward and backward passes to `seconds`: timing the
/// layers inside real training steps, so their share holds even on a busy machine.
final class Timed: Layer {
    let inner: any Layer
    var seconds = 0.0
    init(_ inner: any Layer) { self.inner = inner }
    var name: String { inner.name }
    var parameters: [Parameter] { inner.parameters }
    func outputShape(for inputShape: [Int]) -> [Int] { inner.outputShape(for: inputShape) }
    func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let start = now()
        defer { seconds += now() - start }
        return inner.forward(input, mode: mode)
    }
    func backward(_ outputGradient: Tensor) -> Tensor {
        let start = now()
        defer { seconds += now() - start }
        return inner.backward(outputGradient)
    }
}

/// Wraps every convolution and batch norm of `model` (inside the residual blocks too) in `Timed`.
func instrument(_ model: Sequential) -> (convolutions: [Timed], norms: [Timed]) {
    var convolutions: [Timed] = [], norms: [Timed] = []
    for (i, layer) in model.layers.enumerated() {
        if layer is Conv2D || layer is BatchNorm {
            let timed = Timed(layer)
            model.layers[i] = timed
            if layer is Conv2D { convolutions.append(timed) } else { norms.append(timed) }
        } else if let block = layer as? ResidualBlock {
            for path in [block.main, block.projection].compactMap({ $0 }) {
                let inner = instrument(path)
                convolutions += inner.convolutions
                norms += inner.norms
            }
        }
    }
    return (convolutions, norms)
}

// lesson07-residual-blocks' default deep residual network, batch size and optimizer.
let lesson07Batch = 64
let lesson07 = Models.resNet(Models.ResNetShape(blocksPerStage: 5, widths: [8, 16, 32]), seed: 1)
print("\nLesson 07: depth-32 residual network (widths 8/16/32), batch \(lesson07Batch), SGD with momentum")
do {
    let (convolutions, norms) = instrument(lesson07)
    var rng = RandomSource(seed: 5)
    let images = Tensor(uniform: [lesson07Batch, 784], low: 0, high: 1, rng: &rng)
    let labels = (0..<lesson07Batch).map { _ in rng.integer(below: 10) }
    let optimizer = SGD(learningRate: 0.01, momentum: 0.9)
    func step() {
        let (_, dLogits) = softmaxCrossEntropy(logits: lesson07.forward(images, mode: .training), labels: labels)
        lesson07.zeroGradients()
        _ = lesson07.backward(dLogits)
        optimizer.step(lesson07.parameters)
    }
    step()
    for timed in convolutions + norms { timed.seconds = 0 }
    let steps = quick ? 5 : 30, start = now()
    for _ in 0..<steps { step() }
    let stepTime = (now() - start) / Double(steps)
    let convTime = convolutions.reduce(0) { $0 + $1.seconds } / Double(steps)
    let normTime = norms.reduce(0) { $0 + $1.seconds } / Double(steps)
    print("  training step: \(number(stepTime * 1e3, 2)) ms (\(Int(Double(lesson07Batch) / stepTime)) images/s), mean of \(steps)")
    print("  \(convolutions.count) convolutions, forward + backward: \(number(convTime * 1e3, 2)) ms per step, \(Int((100 * convTime / stepTime).rounded()))% of it")
    print("  \(norms.count) batch norms, forward + backward:   \(number(normTime * 1e3, 2)) ms per step, \(Int((100 * normTime / stepTime).rounded()))% of it")

    // The kernel alone, on the largest batch norm's input (after the stem: (64, 8, 14, 14)).
    let bn = BatchNorm(channels: 8), x = Tensor(normal: [lesson07Batch, 8, 14, 14], rng: &rng), dy = Tensor(normal: x.shape, rng: &rng)
    let t = bestTime { _ = bn.forward(x, mode: .training); _ = bn.backward(dy) }
    print("  \(bn.name) on \(x.shape) alone: \(number(t * 1e3, 3)) ms forward + backward"
        + " (\(number(Double(4 * 9 * x.count) / t * 1e-9)) GB/s: 9 streams of the tensor, 4 forward, 5 backward)")
}

// MARK: - Augmentation (lesson 08)

print("\nAugmentation (lesson 08), one thread, batches of 64 random 28×28 images")
var augmentationRNG = RandomSource(seed: 4)
let augmentationSet = ImageSet(pixels: (0..<(1_000 * 784)).map { _ in UInt8(augmentationRNG.integer(below: 256)) },
                               labels: [UInt8](repeating: 0, count: 1_000), rows: 28, columns: 28)
let simpleStep = 64 / simpleRate   // seconds per SimpleCNN training step of 64 (measured above)
print(pad("  transforms", 40) + pad("images/s", 12) + "cost per batch, as a share of a SimpleCNN step (\(number(simpleStep * 1e3)) ms)")
let augmentationCases: [(String, [Transform])] = Transform.allCases.map { ($0.rawValue, [$0]) } + [
    ("shift,rotate,erase (lesson default)", [.shift, .rotate, .erase]),
    ("every transform", Transform.allCases),
]
var batchStep = 0
for (what, transforms) in augmentationCases {
    let augmentation = Augmentation(transforms)
    let seconds = bestTime {
        batchStep += 1
        let indices = (0..<64).map { ($0 * 37 + batchStep * 64) % augmentationSet.count }
        _ = augmentation.batch(from: augmentationSet, indices: indices, seed: 1, step: batchStep)
    }
    print(pad("  " + what, 40) + pad("\(Int(64 / seconds))", 12) + "\(number(100 * seconds / simpleStep)) %")
}

print("\n\(uptime)")
