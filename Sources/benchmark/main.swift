// Speed of the engine at the shapes the lessons use, next to its peers measured in the same run
// (so the ratios hold on a busy machine) and next to the machine's own limit:
//   - the fused multiply-add peak, measured with a register-only loop on all threads;
//   - GEMM GFLOP/s, as a fraction of that peak and next to numpy's (python3 with numpy);
//   - convolution forward and backward times and GFLOP/s, as a fraction of the peak;
//   - training images/s for lesson 04's two networks next to PyTorch's on the same networks
//     (Sources/benchmark/peers/pytorch_cnn.py), and the optimizer step's memory traffic in GB/s;
//   - batch norm's share of a lesson-07 training step next to the convolutions';
//   - lesson 08's augmentation: images/s and its cost next to a SimpleCNN training step.
// A peer that is not installed is reported as such: no figure from another run is ever printed.
// The Python used for the peers is $BENCHMARK_PYTHON, else python3.
//
// Run: swift run -c release benchmark [--threads N] [--quick] [--dispatch]
import Engine
import Foundation

let usage = "usage: swift run -c release benchmark [--threads N] [--quick] [--dispatch]\n  --threads N  threads for the engine and its peers (default: one per core)\n  --quick      shorter measurements, noisier figures\n  --dispatch   split loops over Dispatch's threads, which sleep between loops, not the engine's own helpers"
func refuse(_ message: String) -> Never {
    FileHandle.standardError.write(Data("benchmark: \(message)\n\(usage)\n".utf8))
    exit(2)
}
var quickFlag = false
var remaining = CommandLine.arguments.dropFirst()[...]
while let argument = remaining.popFirst() {
    switch argument {
    case "--quick": quickFlag = true
    case "--dispatch": Threads.helpersWaitAwake = false
    case "--threads":
        guard let text = remaining.popFirst() else { refuse("--threads needs a value, e.g. --threads 2") }
        guard let n = Int(text), (1...256).contains(n) else { refuse("--threads expects a whole number from 1 to 256, not '\(text)'") }
        Threads.count = n
    case "--help", "-h": print(usage); exit(0)
    default: refuse("unknown option '\(argument)'")
    }
}
let quick = quickFlag
let minimumSeconds = quick ? 0.1 : 0.5

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// The best of repeated timings over at least `minimumSeconds` (the machine is shared: the
/// fastest repetition is the least disturbed one).
func bestTime(seconds: Double = minimumSeconds, _ body: () -> Void) -> Double {
    body()  // warm up: page in buffers, spin up threads
    var best = Double.infinity, total = 0.0
    while total < seconds {
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
/// The processor's name (Linux: /proc/cpuinfo's "model name"; macOS: sysctl machdep.cpu.brand_string).
var machine: String {
    #if os(Linux)
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    if let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
       let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    #elseif os(macOS)
    var size = 0
    if sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 0 {
        var name = [CChar](repeating: 0, count: size)
        if sysctlbyname("machdep.cpu.brand_string", &name, &size, nil, 0) == 0 { return String(cString: name) }
    }
    #endif
    return "unknown processor"
}
let date = ISO8601DateFormatter().string(from: Date())
/// "1 thread", "2 threads".
func threadCount(_ n: Int) -> String { n == 1 ? "1 thread" : "\(n) threads" }
print("benchmark: \(threadCount(Threads.count))\(Threads.helpersWaitAwake ? "" : " (Dispatch's, --dispatch)"), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(machine), \(date), \(uptime)")
if let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap({ Double($0) }),
   load > Double(ProcessInfo.processInfo.activeProcessorCount) {
    print("  (the cores are shared with other work: every figure below is lower than on a quiet machine, and"
        + " only ratios measured side by side mean much)")
}

// MARK: - Peers: numpy and PyTorch, run by Python in this run

/// The Python that runs the peers: $BENCHMARK_PYTHON, else python3 on the PATH.
let python = ProcessInfo.processInfo.environment["BENCHMARK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"

/// Runs `python arguments…` with the engine's thread count for the BLAS libraries; returns the
/// exit status (nil when Python could not be started) and standard output.
func runPython(_ arguments: [String]) -> (status: Int32?, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python] + arguments
    var environment = ProcessInfo.processInfo.environment
    for variable in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] {
        environment[variable] = String(Threads.count)      // same thread count as the engine
    }
    process.environment = environment
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return (nil, "") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

// MARK: - The machine's limit

/// Every kernel's GFLOP/s is printed as a fraction of this: the fused multiply-add peak of a loop
/// that touches no memory, on all threads, with the widest vectors the engine can use.
print("\nFused multiply-add peak (register-only loop, 12 independent accumulators a thread)")
// 16-float vectors only where the engine is built for AVX-512: elsewhere each is two registers, and
// the loop's 24 of them would not fit in AVX2's 16.
let peak8 = measureFMAPeak(lanes: 8, seconds: quick ? 0.05 : 0.2)
let peak16 = engineVectorFloats == 16 ? measureFMAPeak(lanes: 16, seconds: quick ? 0.05 : 0.2) : 0
let peakOneThread = measureFMAPeak(lanes: peak16 > 1.2 * peak8 ? 16 : 8, threads: 1, seconds: quick ? 0.05 : 0.2)
let peak = max(peak8, peak16)
if engineVectorFloats == 16 {
    print("  \(threadCount(Threads.count)): \(number(peak16)) GFLOP/s with 16-float vectors (512-bit), \(number(peak8)) with 8-float (256-bit)")
} else {
    print("  \(threadCount(Threads.count)): \(number(peak8)) GFLOP/s with 8-float vectors (256-bit; the engine is not built for 512-bit vectors here)")
}
if Threads.count > 1 {
    print("  1 thread:  \(number(peakOneThread)) GFLOP/s (the \(Threads.count)-thread peak is \(number(peak / peakOneThread, 2))× that)")
}
print("  below, \"% peak\" is a kernel's GFLOP/s as a share of \(number(peak)) GFLOP/s")
func percentOfPeak(_ gflops: Double) -> String { "\(Int((100 * gflops / peak).rounded())) %" }

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
    GEMMShape(what: "CNN conv1 dWᵀ = cols·dyᵀ", m: 25, n: 32, k: 784, transposeA: false, transposeB: true),
    GEMMShape(what: "CNN conv2 per image W·cols", m: 64, n: 196, k: 800, transposeA: false, transposeB: false),
    GEMMShape(what: "CNN conv2 dWᵀ = cols·dyᵀ", m: 800, n: 64, k: 196, transposeA: false, transposeB: true),
    GEMMShape(what: "CNN conv2 dcols = Wᵀ·dy", m: 800, n: 196, k: 64, transposeA: true, transposeB: false),
    GEMMShape(what: "CNN fc1 forward x·W", m: 100, n: 1024, k: 3136, transposeA: false, transposeB: false),
    GEMMShape(what: "CNN fc1 dW = xᵀ·dy", m: 3136, n: 1024, k: 100, transposeA: true, transposeB: false),
    GEMMShape(what: "CNN fc1 dx = dy·Wᵀ", m: 100, n: 3136, k: 1024, transposeA: false, transposeB: true),
    GEMMShape(what: "SimpleCNN conv2 per image", m: 64, n: 196, k: 288, transposeA: false, transposeB: false),
    GEMMShape(what: "SimpleCNN fc1 forward", m: 64, n: 128, k: 3136, transposeA: false, transposeB: false),
    GEMMShape(what: "square 1024", m: 1024, n: 1024, k: 1024, transposeA: false, transposeB: false),
]

/// Repeated measurements of one rate. A busy machine can slow any single measurement many times
/// over (a row once read `100×784×10  engine 43.9  numpy 0.1`: a BLAS whose threads spin-wait
/// for a core that another program holds): each rate is measured in `rounds` rounds, interleaved
/// with the other shapes', and the best is kept. When no two rounds agree within 25 %, or the best
/// is below 5 % of the machine's peak (no matrix multiply of a million multiply-adds is that slow
/// on an idle core), the figure is flagged as unstable rather than printed as if it were one.
struct Rates {
    var values: [Double] = []
    var best: Double { values.max() ?? 0 }
    var stable: Bool {
        let sorted = values.sorted(by: >)
        return sorted.count >= 2 && sorted[1] >= 0.75 * sorted[0] && sorted[0] >= 0.05 * peak
    }
    var spread: String { values.map { number($0) }.joined(separator: "/") }
}
let rounds = 3

/// numpy's matmul at the same shapes, in one Python run, `rounds` interleaved rounds; nil without numpy.
func numpyGFLOPs(_ shapes: [GEMMShape]) -> [Rates]? {
    let list = shapes.map { "(\($0.m),\($0.n),\($0.k),\($0.transposeA ? 1 : 0),\($0.transposeB ? 1 : 0))" }.joined(separator: ",")
    let script = """
        import time, numpy as np
        rng = np.random.default_rng(1)
        cases = []
        for m, n, k, ta, tb in [\(list)]:
            a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
            b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
            cases.append((m, n, k, a.T if ta else a, b.T if tb else b, np.empty((m, n), dtype=np.float32)))
        rates = [[] for _ in cases]
        for _ in range(\(rounds)):
            for (m, n, k, A, B, c), r in zip(cases, rates):
                np.matmul(A, B, out=c)
                best, total = 1e9, 0.0
                while total < \(minimumSeconds / Double(rounds)):
                    t = time.perf_counter(); np.matmul(A, B, out=c); t = time.perf_counter() - t
                    best = min(best, t); total += t
                r.append(2.0 * m * n * k / best * 1e-9)
        for r in rates:
            print(" ".join(map(str, r)))
        """
    let (status, output) = runPython(["-c", script])
    guard status == 0 else { return nil }
    let rows = output.split(separator: "\n").map { Rates(values: $0.split(separator: " ").compactMap { Double($0) }) }
    return rows.count == shapes.count && rows.allSatisfy({ $0.values.count == rounds }) ? rows : nil
}

print("\nGEMM, C = op(A)·op(B) (m×k times k×n), best of \(rounds) interleaved rounds")
var engineRates = [Rates](repeating: Rates(), count: gemmShapes.count)
let gemmOperands = gemmShapes.map { s in
    var rng = RandomSource(seed: 1)
    return (Tensor(normal: s.transposeA ? [s.k, s.m] : [s.m, s.k], rng: &rng),
            Tensor(normal: s.transposeB ? [s.n, s.k] : [s.k, s.n], rng: &rng))
}
for _ in 0..<rounds {
    for (i, s) in gemmShapes.enumerated() {
        let (a, b) = gemmOperands[i]
        var c = Tensor(zeros: [s.m, s.n])
        let t = bestTime(seconds: minimumSeconds / Double(rounds)) {
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
        engineRates[i].values.append(2 * Double(s.m * s.n * s.k) / t * 1e-9)
    }
}
let numpyRates = numpyGFLOPs(gemmShapes)
print(pad("  shape", 30) + pad("m×n×k", 16) + pad("engine GFLOP/s", 16) + pad("% peak", 8)
    + (numpyRates == nil ? "numpy: not installed (\(python) -c 'import numpy' failed)" : "numpy GFLOP/s  engine/numpy"))
for (i, s) in gemmShapes.enumerated() {
    let engine = engineRates[i]
    var line = pad("  " + s.what, 30) + pad("\(s.m)×\(s.n)×\(s.k)", 16) + pad(number(engine.best), 16)
        + pad(percentOfPeak(engine.best), 8)
    if let numpy = numpyRates?[i] {
        line += pad(number(numpy.best), 15)
        if engine.stable && numpy.stable {
            line += number(engine.best / numpy.best, 2)
        } else {
            line += "unstable, no ratio (rounds: engine \(engine.spread), numpy \(numpy.spread))"
        }
    } else if !engine.stable {
        line += "unstable (rounds: \(engine.spread))"
    }
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
    ConvCase(what: "lesson 07 3×3 8→8 14×14", batch: 64, inputChannels: 8, size: 14, outputChannels: 8, kernel: 3, padding: 1),
    ConvCase(what: "lesson 07 3×3 16→16 7×7", batch: 64, inputChannels: 16, size: 7, outputChannels: 16, kernel: 3, padding: 1),
    ConvCase(what: "lesson 07 3×3 32→32 4×4", batch: 64, inputChannels: 32, size: 4, outputChannels: 32, kernel: 3, padding: 1),
]

print("\nConvolution layers (forward; backward = dW, db and dx, but for the first layers, as in training, dW and db)")
print(pad("  layer", 30) + pad("batch", 7) + pad("forward ms", 12) + pad("GFLOP/s", 10) + pad("% peak", 8)
    + pad("backward ms", 13) + pad("GFLOP/s", 10) + "% peak")
for c in convCases {
    var rng = RandomSource(seed: 2)
    let conv = Conv2D(inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernel,
                      padding: .explicit(c.padding), rng: &rng)
    // A network's first layer computes no input gradient (nothing reads it): time what training runs.
    let first = c.inputChannels == 1
    conv.needsInputGradient = !first
    let x = Tensor(normal: [c.batch, c.inputChannels, c.size, c.size], rng: &rng)
    var y = conv.forward(x, mode: .training)
    let dy = Tensor(normal: y.shape, rng: &rng)
    // Where the direct kernel takes the layer (DirectConvolution.swift), it and im2col + GEMM take turns,
    // three rounds, the best of each kept: the same bits either way, so only the time differs.
    let direct = DirectConvolution.takes(ConvolutionShape(batch: c.batch, inputChannels: c.inputChannels, inputHeight: c.size,
        inputWidth: c.size, outputChannels: c.outputChannels, kernelSize: c.kernel, padding: c.padding))
    var forward = Double.infinity, backward = Double.infinity
    var im2colForward = Double.infinity, im2colBackward = Double.infinity
    for _ in 0..<(direct ? 3 : 1) {
        forward = min(forward, bestTime { y = conv.forward(x, mode: .training) })
        backward = min(backward, bestTime { _ = conv.backward(dy) })
        guard direct else { continue }
        DirectConvolution.enabled = false
        im2colForward = min(im2colForward, bestTime { y = conv.forward(x, mode: .training) })
        if !first { im2colBackward = min(im2colBackward, bestTime { _ = conv.backward(dy) }) }
        DirectConvolution.enabled = true
    }
    let flops = 2.0 * Double(y.count * c.inputChannels * c.kernel * c.kernel)
    let forwardRate = flops / forward * 1e-9, backwardRate = (first ? 1 : 2) * flops / backward * 1e-9
    print(pad("  " + c.what, 30) + pad("\(c.batch)", 7) + pad(number(forward * 1e3, 2), 12) + pad(number(forwardRate), 10)
        + pad(percentOfPeak(forwardRate), 8) + pad(number(backward * 1e3, 2), 13) + pad(number(backwardRate), 10)
        + percentOfPeak(backwardRate))
    if direct && first {
        // Its backward pass has no input gradient for the direct kernel to compute: the same code either way.
        print(pad("", 30) + "direct kernel against im2col + GEMM (\(number(im2colForward * 1e3, 2)) ms): "
            + "\(number(im2colForward / forward, 2))× forward")
    } else if direct {
        print(pad("", 30) + "direct kernel against im2col + GEMM (\(number(im2colForward * 1e3, 2)) and \(number(im2colBackward * 1e3, 2)) ms): "
            + "\(number(im2colForward / forward, 2))× forward, \(number(im2colBackward / backward, 2))× backward")
    }
}

// MARK: - Training

/// One network training on random images (forward, loss, backward, Adam), set up once so that it
/// can be timed in several rounds, between PyTorch's.
final class TrainingRun {
    let model: Sequential
    let batchSize: Int
    let images: Tensor
    let labels: [Int]
    let optimizer: Adam

    init(_ model: Sequential, batchSize: Int, learningRate: Float) {
        self.model = model
        self.batchSize = batchSize
        var rng = RandomSource(seed: 3)
        images = Tensor(uniform: [batchSize, 784], low: 0, high: 1, rng: &rng)
        labels = (0..<batchSize).map { _ in rng.integer(below: 10) }
        optimizer = Adam(learningRate: learningRate)
        step()   // warm up: allocate the moments, page in the buffers
    }

    // A step's three parts, timed apart by `breakdown`.
    func forward() -> Tensor {
        softmaxCrossEntropy(logits: model.forward(images, mode: .training), labels: labels).gradient
    }
    func backward(_ dLogits: Tensor) {
        model.zeroGradients()
        _ = model.backward(dLogits)
    }
    func update() { optimizer.step(model.parameters) }

    func step() {
        backward(forward())
        update()
    }

    /// Where a step's time goes (best of a few).
    func breakdown() -> String {
        var forward = Double.infinity, backward = Double.infinity, update = Double.infinity
        for _ in 0..<(quick ? 2 : 5) {
            var t = now()
            let dLogits = self.forward()
            forward = min(forward, now() - t)
            t = now()
            self.backward(dLogits)
            backward = min(backward, now() - t)
            t = now()
            self.update()
            update = min(update, now() - t)
        }
        return "forward \(number(forward * 1e3)) ms, backward \(number(backward * 1e3)) ms, Adam \(number(update * 1e3)) ms"
    }

    /// Images per second over `steps` consecutive steps.
    func rate(steps: Int = quick ? 5 : 30) -> Double {
        let start = now()
        for _ in 0..<steps { step() }
        return Double(steps * batchSize) / (now() - start)
    }
}

/// PyTorch on the same two networks (Sources/benchmark/peers/pytorch_cnn.py): one round of each.
let pytorchScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("peers/pytorch_cnn.py").path
func pytorchRound() -> (version: String, cnn: Double, simple: Double)? {
    let (status, output) = runPython([pytorchScript, "--threads", String(Threads.count), "--rounds", "1"] + (quick ? ["--quick"] : []))
    guard status == 0 else { return nil }
    var fields: [String: [Substring]] = [:]
    for line in output.split(separator: "\n") {
        let words = line.split(separator: " ")
        if let key = words.first { fields[String(key)] = Array(words.dropFirst()) }
    }
    guard let version = fields["torch"]?.first, let cnn = fields["cnn"]?.first.flatMap({ Double($0) }),
          let simple = fields["simple"]?.first.flatMap({ Double($0) }) else { return nil }
    return (String(version), cnn, simple)
}

// The engine and PyTorch take turns, three rounds each, and each keeps its best round: a machine
// whose speed drifts (these 2-core machines vary by 1.5× from minute to minute) then slows both
// alike, and the per-round ratios show how far to trust the best-of-three one.
let trainingRounds = quick ? 1 : 3
print("\nTraining (forward + backward + Adam), images/s: the engine and PyTorch in turn, \(trainingRounds) round\(trainingRounds == 1 ? "" : "s"), the best of each")
let cnnModel = Models.tutorialCNN(seed: 1)
let cnnRun = TrainingRun(cnnModel, batchSize: 100, learningRate: 1e-4)
let simpleRun = TrainingRun(Models.simpleCNN(seed: 1), batchSize: 64, learningRate: 1e-3)
print("  2017 CNN step:  " + cnnRun.breakdown())
print("  SimpleCNN step: " + simpleRun.breakdown())
var trainingRates: [[Double]] = [[], []], pytorchTrainingRates: [[Double]] = [[], []]
var pytorchVersion: String?
for round in 0..<trainingRounds {
    trainingRates[0].append(cnnRun.rate())
    trainingRates[1].append(simpleRun.rate())
    // Without torch the first round says so, and the others are not tried.
    if round == 0 || pytorchVersion != nil, let torch = pytorchRound() {
        pytorchVersion = torch.version
        pytorchTrainingRates[0].append(torch.cnn)
        pytorchTrainingRates[1].append(torch.simple)
    }
}
let cnnRate = trainingRates[0].max()!, simpleRate = trainingRates[1].max()!
if let version = pytorchVersion {
    print("  PyTorch \(version) on the same networks, \(threadCount(Threads.count)) (\(python), peers/pytorch_cnn.py)")
}
print(pad("  network", 36) + pad("engine", 10) + (pytorchVersion == nil
    ? "PyTorch: not installed (\(python) -c 'import torch' failed)"
    : pad("PyTorch", 10) + pad("engine/PyTorch", 16) + "each round's ratio"))
for (i, what) in ["2017 CNN (lesson 04), batch 100", "SimpleCNN, batch 64"].enumerated() {
    let engine = trainingRates[i].max()!
    var line = pad("  " + what, 36) + pad("\(Int(engine))", 10)
    if let peer = pytorchTrainingRates[i].max(), pytorchTrainingRates[i].count == trainingRates[i].count {
        let each = zip(trainingRates[i], pytorchTrainingRates[i]).map { number($0 / $1, 2) }.joined(separator: " ")
        line += pad("\(Int(peer))", 10) + pad(number(engine / peer, 2), 16) + each
    }
    print(line)
}

// One optimizer step plus the gradient zeroing that goes with it, on lesson 04's 3.27 million
// parameters: a stream through memory, so its speed is GB/s. The traffic counted is the least
// any implementation needs: read the weights, gradients and both moments, write the weights, the
// moments and the zeroed gradients (32 bytes a parameter). Next to it, a plain copy of as many bytes.
do {
    let parameters = cnnModel.parameters
    let optimizer = Adam(learningRate: 1e-4)
    let count = parameters.reduce(0) { $0 + $1.value.count }
    let t = bestTime {
        optimizer.step(parameters)
        for p in parameters { p.zeroGradient() }
    }
    let bytes = Double(32 * count)
    let source = UnsafeMutablePointer<Float>.allocate(capacity: 4 * count), target = UnsafeMutablePointer<Float>.allocate(capacity: 4 * count)
    defer { source.deallocate(); target.deallocate() }
    source.initialize(repeating: 1, count: 4 * count)
    let copy = bestTime { target.update(from: source, count: 4 * count) }
    print("  Adam step + zeroing the gradients, \(count) parameters: \(number(t * 1e3, 2)) ms, \(number(bytes / t * 1e-9)) GB/s"
        + " (copying as many bytes: \(number(bytes / copy * 1e-9)) GB/s)")
}

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
