import Foundation

/// The folder a lesson run leaves behind, `runs/<lesson>/<date-time>/` unless `--run-dir DIR`
/// names another (`--no-files`: none at all). It holds `metrics.csv`, written row by row as the
/// run goes, and the run's SVG figures; `close()` draws the training curves and prints the
/// folder's path as the run's last line.
///
/// Every `TrainingLog` of a process writes into the same folder (`RunFolder.shared`), each as its
/// own series, so a lesson that trains several networks gets one metrics file and one curves
/// figure with a line per network. A folder that cannot be written is a one-line warning: the
/// run trains and prints its results all the same. With `--tensorboard` every metrics row is also
/// a set of TensorBoard scalars (a named series in its own subfolder, so TensorBoard overlays them).
public final class RunFolder {
    /// Where files go; nil when the run writes nothing.
    public private(set) var path: String?
    private(set) var logs: [TrainingLog] = []
    private var metrics: FileHandle?
    private var written: [String] = []
    private var closed = false
    private let tensorboard: Bool
    private var eventFiles: [String: EventFile] = [:]   // by series

    /// The folder for `options`: created now, so that a bad `--run-dir` is reported before training.
    public init(_ options: LessonOptions, now: Date = Date()) {
        tensorboard = options.tensorboard
        guard options.writesFiles else { return }
        var folder = options.runDirectory ?? RunFolder.defaultPath(program: options.program, now: now)
        if options.runDirectory == nil {          // two runs started in the same second get -2, -3, …
            var suffix = 2
            while FileManager.default.fileExists(atPath: folder) {
                folder = RunFolder.defaultPath(program: options.program, now: now) + "-\(suffix)"
                suffix += 1
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            path = folder
        } catch {
            warn("cannot create the run folder \(folder) (\(reason(error))); the run goes on without saving files")
        }
    }

    nonisolated(unsafe) private static var current: RunFolder?
    private static let lock = NSLock()

    /// The one folder of this process, made on first use: every training log and figure shares it.
    public static func shared(_ options: LessonOptions) -> RunFolder {
        lock.lock()
        defer { lock.unlock() }
        if let current { return current }
        let folder = RunFolder(options)
        current = folder
        return folder
    }

    static func defaultPath(program: String, now: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.dateFormat = "yyyy-MM-dd-HHmmss"
        return "runs/\(program)/\(format.string(from: now))"
    }

    /// Writes one file (a figure) into the folder; nothing when the run writes no files.
    public func write(_ name: String, _ text: String) {
        guard let path else { return }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path).appendingPathComponent(name))
            if !written.contains(name) { written.append(name) }
        } catch {
            stopWriting("cannot write \(name) in the run folder \(path) (\(reason(error)))")
        }
    }

    // MARK: Metrics

    func register(_ log: TrainingLog) {
        for other in logs { other.writePendingRow() }   // keep the rows of one series together
        logs.append(log)
    }

    /// Appends one row to metrics.csv and flushes it (an interrupted run keeps every row so far).
    func append(_ row: MetricsRow) {
        guard let path else { return }
        if metrics == nil {
            let file = (path as NSString).appendingPathComponent("metrics.csv")
            guard FileManager.default.createFile(atPath: file, contents: Data((MetricsRow.header + "\n").utf8)),
                  let handle = FileHandle(forWritingAtPath: file) else {
                return stopWriting("cannot write metrics.csv in the run folder \(path)")
            }
            handle.seekToEndOfFile()
            metrics = handle
            written.insert("metrics.csv", at: 0)
        }
        do {
            try metrics?.write(contentsOf: Data((row.csvLine + "\n").utf8))
            try metrics?.synchronize()
        } catch {
            stopWriting("cannot write metrics.csv in the run folder \(path) (\(reason(error)))")
        }
        let evaluations = [("validation", row.validationAccuracy), ("test", row.testAccuracy), ("training_set", row.trainingSetAccuracy)]
        addScalars([("loss/batch", row.loss), ("loss/running_mean", row.meanLoss), ("accuracy/batch", row.accuracy),
                    ("accuracy/running_mean", row.meanAccuracy), ("learning_rate", row.learningRate),
                    ("images_per_second", row.imagesPerSecond)]
                   + evaluations.compactMap { name, value in value.map { ("accuracy/\(name)", $0) } },
                   step: row.step, series: row.series)
    }

    // MARK: TensorBoard

    /// Scalars at `step` in the event file of `series` (with `--tensorboard` only).
    public func addScalars(_ scalars: [(tag: String, value: Double)], step: Int, series: String = "") {
        withEventFile(series) { try $0.add(scalars: scalars.map { ($0.tag, Float($0.value)) }, step: step) }
    }

    /// A histogram of `values` at `step` (e.g. a layer's activations, with the layer as the step).
    public func addHistogram(_ tag: String, values: [Float], step: Int, series: String = "") {
        withEventFile(series) { try $0.add(histogram: tag, values: values, step: step) }
    }

    private func withEventFile(_ series: String, _ body: (EventFile) throws -> Void) {
        guard tensorboard, let path else { return }
        do {
            if eventFiles[series] == nil {
                let folder = series.isEmpty ? path : (path as NSString).appendingPathComponent(series)
                let file = try EventFile(folder: folder)
                eventFiles[series] = file
                written.append(file.path.dropFirst(path.count + 1).description)
            }
            try body(eventFiles[series]!)
        } catch {
            stopWriting("cannot write TensorBoard events in the run folder \(path) (\(reason(error)))")
        }
    }

    /// Ends the run's files: writes the last metrics rows, draws `curves.svg` from every training
    /// log, and prints `run folder: PATH (files)`. Call it once, as a lesson's last line.
    public func close() {
        guard !closed else { return }
        closed = true
        for log in logs { log.writePendingRow() }
        if !logs.isEmpty { write("curves.svg", trainingCurves(logs.map { ($0.series, $0.rows) })) }
        try? metrics?.close()
        for file in eventFiles.values { file.close() }
        if let path, !written.isEmpty {
            print("run folder: \(path) (\(written.joined(separator: ", ")))")
            fflush(nil)
        }
    }

    private func stopWriting(_ message: String) {
        warn(message + "; the run goes on without saving more files")
        path = nil
    }

    func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    func reason(_ error: Error) -> String {
        if let usage = error as? UsageError { return usage.message }
        return ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? error.localizedDescription
    }
}
