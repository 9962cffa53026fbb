import Foundation

/// What every lesson does before training: apply `--threads`, load the dataset, and say where
/// it came from; then turn `--epochs` into steps over `epochImages` training images (default:
/// the whole training split). On a data error it prints the message (which names the file and
/// what was wrong) and exits with code 1: never a stack trace.
public func loadLessonData(_ options: inout LessonOptions, epochImages: Int? = nil) -> DatasetSplits {
    Threads.count = options.threads
    do {
        let data = try Datasets.load(options.dataset, directory: options.dataDirectory, mirror: options.mirror) {
            FileHandle.standardError.write(Data("\($0)\n".utf8))
        }
        guard options.batchSize <= data.train.count else {
            FileHandle.standardError.write(Data(("\(options.program): --batch-size \(options.batchSize) is more than the "
                + "\(data.train.count) training images of \(data.name.rawValue); use at most \(data.train.count)\n").utf8))
            exit(2)
        }
        print("\(data.name.rawValue): \(data.train.count) training, \(data.validation.count) validation, "
            + "\(data.test.count) test images (\(data.source))")
        options.resolveEpochs(trainingImages: epochImages ?? data.train.count)
        return data
    } catch {
        FileHandle.standardError.write(Data("\(options.program): \(error)\n".utf8))
        exit(1)
    }
}

/// Stops with a usage error (exit 2) when a training batch of `options.batchSize` would not fit in
/// memory, instead of letting the allocation abort mid-run. The estimate counts every layer's output
/// per example (each is kept for the backward pass, which writes a gradient of the same size) with
/// 15 % for the kernels' scratch space. For lesson 04's network that estimates 0.42 MB per image;
/// measured (`/usr/bin/time -f %M`, batches of 100 and 4,000): 0.41 MB.
public func checkBatchFitsInMemory(_ model: Sequential, inputShape exampleShape: [Int], options: LessonOptions) {
    if let message = batchMemoryProblem(model, inputShape: exampleShape, batchSize: options.batchSize,
                                        memory: ProcessInfo.processInfo.physicalMemory) {
        FileHandle.standardError.write(Data("\(options.program): \(message)\n".utf8))
        exit(2)
    }
}

/// The message `checkBatchFitsInMemory` prints, or nil when the batch fits in three quarters of `memory` bytes.
func batchMemoryProblem(_ model: Sequential, inputShape exampleShape: [Int], batchSize: Int, memory: UInt64) -> String? {
    let floats = exampleShape.reduce(1, *) + storedFloats(model, inputShape: [1] + exampleShape).floats
    let bytesPerExample = Double(floats) * 4 * 1.15
    let needed = bytesPerExample * Double(batchSize)
    let available = Double(memory) * 0.75
    guard needed > available else { return nil }
    let largest = max(1, Int(available / bytesPerExample))
    func gigabytes(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
    return "--batch-size \(batchSize) needs about \(gigabytes(needed)) of memory for this network "
        + "(\(String(format: "%.2f", bytesPerExample / 1e6)) MB per image) and this machine has \(gigabytes(Double(memory))); "
        + "use at most --batch-size \(largest)"
}

/// The floats a layer keeps per example for its backward pass (every output, inside residual blocks
/// too: their two paths), and its output shape.
func storedFloats(_ layer: any Layer, inputShape: [Int]) -> (floats: Int, shape: [Int]) {
    func walk(_ layers: [any Layer]) -> (floats: Int, shape: [Int]) {
        layers.reduce((0, inputShape)) { sum, layer in
            let inner = storedFloats(layer, inputShape: sum.shape)
            return (sum.floats + inner.floats, inner.shape)
        }
    }
    switch layer {
    case let sequence as Sequential:
        return walk(sequence.layers)
    case let block as ResidualBlock:
        let main = storedFloats(block.main, inputShape: inputShape)
        let shortcut = block.projection.map { storedFloats($0, inputShape: inputShape).floats } ?? 0
        return (main.floats + shortcut + main.shape.reduce(1, *), main.shape)   // + the sum before the last ReLU
    default:
        let shape = layer.outputShape(for: inputShape)
        return (shape.reduce(1, *), shape)
    }
}
