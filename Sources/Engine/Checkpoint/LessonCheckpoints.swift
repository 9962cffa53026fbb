import Foundation

extension Flag {
    public static let save = Flag("--save", .path,
        help: "at the end, write the trained model and its training state to PATH (.safetensors)")
    public static let resume = Flag("--resume", .path,
        help: "continue the run saved in PATH (by --save) up to --steps, with the same numbers as if never stopped")
    public static let load = Flag("--load", .path,
        help: "start from the weights saved in PATH: a new run (step 1, a fresh optimizer)")
    /// `--save`, `--resume` and `--load`, for a lesson's `extraFlags`.
    public static let checkpoints = [save, resume, load]
}

/// A lesson's `--save`, `--resume` and `--load`:
///
///     let checkpoints = LessonCheckpoints(options, model: "tutorial")
///     let firstStep = checkpoints.start(model, optimizer: optimizer, sampler: &batches)
///     for step in firstStep...options.steps { … }
///     checkpoints.finish(model, optimizer: optimizer, sampler: batches, step: options.steps, testAccuracy: test.accuracy)
///
/// A problem with a file is one line on standard error and exit code 1; flags that contradict
/// the checkpoint (another seed, batch size, model or dataset) are usage errors, exit code 2.
public struct LessonCheckpoints {
    public let options: LessonOptions
    /// The model's name within the lesson, e.g. "tutorial"; stored in the file and checked on loading.
    public let modelName: String
    /// The file of `--load` or `--resume`, read (and checked) as soon as the flags are.
    private var loaded: SafetensorsFile?

    public init(_ options: LessonOptions, model modelName: String) {
        self.options = options
        self.modelName = modelName
        if options.isSet(Flag.resume.name) && options.isSet(Flag.load.name) {
            fail("--resume continues a run and --load starts a new one from saved weights; give one of them", status: 2)
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
        print("resuming \(path) at step \(step + 1) of \(options.steps)")
        return step + 1
    }

    /// Writes `--save` (when given): the model, the optimizer's and the batch order's state, and
    /// the metadata. Also records the file as the lesson's latest saved model, for `swift run predict`.
    public func finish(_ model: Sequential, optimizer: Adam, sampler: BatchSampler, step: Int, testAccuracy: Float?) {
        guard let path = options.value(Flag.save.name) else { return }
        var metadata = ["program": options.program, "model": modelName, "seed": String(options.seed),
                        "dataset": options.dataset.rawValue, "batch_size": String(options.batchSize)]
        metadata["test_accuracy"] = testAccuracy.map { $0.formatted(places: 4) }
        let file = Checkpoint.file(model: model, optimizer: optimizer, sampler: sampler, step: step, metadata: metadata)
        do { try file.write(to: path) } catch { fail("--save: \(error)", status: 1) }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        Self.recordLatest(absolute, program: options.program)
        print("saved \(path) (step \(step)); continue with --resume \(path) --steps N, or try it: swift run predict IMAGE --model \(path)")
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
