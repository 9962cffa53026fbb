import Foundation

extension Flag {
    public static let save = Flag("--save", .path,
        help: "at the end, write the trained model and its training state to PATH (.safetensors)")
    public static let resume = Flag("--resume", .path,
        help: "continue the run saved in PATH (by --save) up to --steps, with the same numbers as if never stopped")
    public static let load = Flag("--load", .path,
        help: "start from the weights saved in PATH: a new run (step 1, a fresh optimizer)")
    public static let checkpointEvery = Flag("--checkpoint-every", .integer(1...100_000_000), default: "500",
        help: "with --save, also write it every N steps during training (500 steps of lesson 04: a few minutes)")
    /// `--save`, `--resume`, `--load` and `--checkpoint-every`, for a lesson's `extraFlags`.
    public static let checkpoints = [save, resume, load, checkpointEvery]
}

/// A lesson's `--save`, `--resume` and `--load`:
///
///     let checkpoints = LessonCheckpoints(options, model: "tutorial")
///     let firstStep = checkpoints.start(model, optimizer: optimizer, sampler: &batches)
///     for step in firstStep...options.steps {
///         …
///         checkpoints.afterStep(step, model, optimizer: optimizer, sampler: batches)   // periodic, and Ctrl-C
///     }
///     checkpoints.finish(model, optimizer: optimizer, sampler: batches, step: options.steps, testAccuracy: test.accuracy)
///
/// A problem with a file is one line on standard error and exit code 1; flags that contradict
/// the checkpoint (another seed, batch size, model or dataset) are usage errors, exit code 2.
public struct LessonCheckpoints {
    public let options: LessonOptions
    /// The run's last step: `--steps`, or with `--epochs` the count `loadLessonData` makes of it, which
    /// the lesson sets here once the data is loaded (the flags are checked before, at once).
    public var steps: Int
    /// The model's name within the lesson, e.g. "tutorial"; stored in the file and checked on loading.
    public let modelName: String
    /// The file of `--load` or `--resume`, read (and checked) as soon as the flags are.
    private var loaded: SafetensorsFile?
    private let interrupt = InterruptFlag()

    public init(_ options: LessonOptions, model modelName: String) {
        self.options = options
        self.steps = options.steps
        self.modelName = modelName
        if options.isSet(Flag.resume.name) && options.isSet(Flag.load.name) {
            fail("--resume continues a run and --load starts a new one from saved weights; give one of them", status: 2)
        }
        if options.isSet(Flag.resume.name) && options.epochs != nil {
            fail("--resume continues a run up to --steps N; give --steps, not --epochs", status: 2)
        }
        if let path = options.value(Flag.save.name) {   // before training, not after ten minutes of it
            let folder = (URL(fileURLWithPath: path).deletingLastPathComponent().path)
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
                fail("--save \(path): the folder \(folder) does not exist", status: 2)
            }
            if !FileManager.default.isWritableFile(atPath: folder) {
                fail("--save \(path): the folder \(folder) is not writable", status: 2)
            }
        }
        if let path = options.value(Flag.load.name) { loaded = read(path, flag: Flag.load.name) }
        if let path = options.value(Flag.resume.name) {
            let file = read(path, flag: Flag.resume.name)
            for (key, flag, ours) in [("dataset", "--dataset", options.dataset.rawValue), ("sampler.seed", "--seed", String(options.seed)),
                                      ("sampler.batch_size", "--batch-size", String(options.batchSize))] {
                if let theirs = file.metadata[key], theirs != ours {
                    fail("--resume \(path) was trained with \(flag) \(theirs); this run has \(flag) \(ours): pass \(flag) \(theirs) to continue it", status: 2)
                }
            }
            if let theirs = file.metadata["step"].flatMap(Int.init), theirs >= options.steps {
                fail("--resume \(path) is already at step \(theirs); pass --steps larger than \(theirs) to train further", status: 2)
            }
            loaded = file
        }
    }

    /// Applies `--load` or `--resume` (a fresh sampler and optimizer, please) and returns the first
    /// step to train: 1, or the step after the checkpoint's.
    public func start(_ model: Sequential, optimizer: Adam, sampler: inout BatchSampler) -> Int {
        guard let file = loaded else { return 1 }
        if let path = options.value(Flag.load.name) {
            do { try Checkpoint.loadWeights(file, into: model) } catch { fail("--load \(path): \(error)", status: 1) }
            print("loaded the weights of \(path) (\(file.metadata["program"] ?? "?") \(file.metadata["model"] ?? "?"), step \(file.metadata["step"] ?? "?"))")
            return 1
        }
        let path = options.value(Flag.resume.name)!
        let step: Int
        do { step = try Checkpoint.restore(file, model: model, optimizer: optimizer, sampler: &sampler) } catch {
            fail("--resume \(path): \(error)", status: 1)
        }
        print("resuming \(path) at step \(step + 1) of \(steps)")
        return step + 1
    }

    /// Call after every training step. With --save, writes the checkpoint every --checkpoint-every
    /// steps. After Ctrl-C (caught from the first `afterStep` on; a second Ctrl-C stops at once), writes
    /// it to the --save path, or to <program>-interrupted.safetensors here without one, says how to
    /// continue, and exits with code 130.
    public func afterStep(_ step: Int, _ model: Sequential, optimizer: Adam, sampler: BatchSampler) {
        interrupt.install()
        let savePath = options.value(Flag.save.name)
        if interrupt.isSet {
            let path = savePath ?? "\(options.program)-interrupted.safetensors"
            write(model, optimizer: optimizer, sampler: sampler, step: step, testAccuracy: nil, to: path)
            FileHandle.standardError.write(Data(("\ninterrupted after step \(step): saved \(path). Continue with the same command plus "
                + "--resume \(path)\n").utf8))
            exit(130)
        }
        if let savePath, step % options.integer(Flag.checkpointEvery.name) == 0, step < steps {
            write(model, optimizer: optimizer, sampler: sampler, step: step, testAccuracy: nil, to: savePath)
        }
    }

    /// Writes `--save` (when given): the model, the optimizer's and the batch order's state, and
    /// the metadata. Also records the file as the lesson's latest saved model, for `swift run predict`.
    public func finish(_ model: Sequential, optimizer: Adam, sampler: BatchSampler, step: Int, testAccuracy: Float?) {
        guard let path = options.value(Flag.save.name) else { return }
        write(model, optimizer: optimizer, sampler: sampler, step: step, testAccuracy: testAccuracy, to: path)
        print("saved \(path) (step \(step)); continue with --resume \(path) --steps N, or try it: swift run predict IMAGE --model \(path)")
    }

    private func write(_ model: Sequential, optimizer: Adam, sampler: BatchSampler, step: Int, testAccuracy: Float?, to path: String) {
        var metadata = ["program": options.program, "model": modelName, "seed": String(options.seed),
                        "dataset": options.dataset.rawValue, "batch_size": String(options.batchSize)]
        metadata["test_accuracy"] = testAccuracy.map { $0.formatted(places: 4) }
        let file = Checkpoint.file(model: model, optimizer: optimizer, sampler: sampler, step: step, metadata: metadata)
        do { try file.write(to: path) } catch { fail("--save: \(error)", status: 1) }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        Self.recordLatest(absolute, program: options.program)
    }

    /// The file naming the latest model a lesson saved: latest-model-<program>.txt in the data cache
    /// folder (`Datasets.defaultCacheDirectory()`: $DLFS_CACHE_DIR, else ~/.cache/deep-learning-from-scratch
    /// on Linux, ~/Library/Caches/deep-learning-from-scratch on macOS).
    public static func latestRecord(program: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (Datasets.defaultCacheDirectory(environment: environment) as NSString).appendingPathComponent("latest-model-\(program).txt")
    }

    /// The latest model `program` saved, if its file is still there.
    public static func latestModel(program: String) -> String? {
        guard let data = FileManager.default.contents(atPath: latestRecord(program: program)) else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    private static func recordLatest(_ path: String, program: String) {
        let record = latestRecord(program: program)   // best effort: predict can always be given --model
        try? FileManager.default.createDirectory(atPath: (record as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: record, contents: Data((path + "\n").utf8))
    }

    private func read(_ path: String, flag: String) -> SafetensorsFile {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(from: path) } catch { fail("\(flag) \(error)", status: 1) }
        if let theirs = file.metadata["model"], theirs != modelName {
            fail("\(flag) \(path) holds the \(theirs) model; this run builds \(modelName) (pass --model \(theirs)?)", status: 2)
        }
        return file
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("\(options.program): \(message)\n".utf8))
        exit(status)
    }
}

/// Set by Ctrl-C (SIGINT) once installed; the training loop looks at it after every step.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var interrupted = false, installed = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.withLock { interrupted } }

    func install() {
        let first = lock.withLock { () -> Bool in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        signal(SIGINT, SIG_IGN)   // delivered to the dispatch source instead
        let signalSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        signalSource.setEventHandler { self.interruptReceived() }
        signalSource.resume()
        lock.withLock { source = signalSource }
    }

    private func interruptReceived() {
        let second = lock.withLock { () -> Bool in
            defer { interrupted = true }
            return interrupted
        }
        if second { exit(130) }   // a second Ctrl-C: stop now
        FileHandle.standardError.write(Data("\nCtrl-C: finishing this step, then saving a checkpoint (Ctrl-C again to stop at once)\n".utf8))
    }
}
