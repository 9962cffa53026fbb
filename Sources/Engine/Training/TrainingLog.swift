import Foundation

/// Prints what a training loop has to say, the same way in every lesson:
///
/// - the permanent stream on standard output, `step N, training accuracy X` every `logEvery`
///   steps (the accuracy on that step's batch, so it is noisy);
/// - on a terminal only, a live status line on standard error (step/total, loss, images/s, time
///   left) that is redrawn in place and never reaches piped output;
/// - `trained N steps in T s (R images/s)` when training ends;
/// - `diverged at step N` with a hint, and exit code 1, if the loss stops being a finite number.
///
/// It also keeps the run's record: a row of `metrics.csv` in the run folder (see `RunFolder`)
/// at step 1 and every `metricsEvery` steps, with the batch's numbers, their mean over the last
/// `smoothing` steps, and the evaluations the lesson reports through `record(validationAccuracy:)`
/// and friends. Several logs in one process (one per network) share the folder, each under
/// its own `series` name.
public final class TrainingLog {
    public let totalSteps: Int
    public let batchSize: Int
    public let logEvery: Int
    /// A metrics row every `metricsEvery` steps: ten per printed line.
    public let metricsEvery: Int
    /// The smoothed curve averages this many batches: 100, or the rows' spacing if that is longer
    /// (never more than `logEvery`).
    public let smoothing: Int
    /// The learning rate the metrics report; set it when a schedule changes the optimizer's.
    public var learningRate: Float
    /// The name of this training run in metrics.csv and in the curves (empty: the only one).
    public let series: String
    public let run: RunFolder
    /// The metrics rows so far (the last one may not be in the file yet: evaluations can still join it).
    public private(set) var rows: [MetricsRow] = []
    private var pendingRow = false
    private let start = Date()
    private var trainingSeconds = 0.0
    private var stepsDone = 0
    private var firstStep: Int?   // above 1 when the run resumed from a checkpoint
    private var lastStatus = Date.distantPast
    private let statusLine = StatusLine()
    // The steps since the last metrics row, and when it was begun (for images/s).
    private var window = (steps: 0, started: Date())
    // The loss and accuracy of the last `smoothing` steps, oldest overwritten first (for the smoothed curve).
    private var recent: [(loss: Float, accuracy: Float)] = []
    /// Why this model's first loss is well above ln 10, printed on the step-1 line when it is.
    private let whyFirstLossIsHigh: String

    /// `whyFirstLossIsHigh`: what the step-1 line says when the first loss is more than 10 % above
    /// ln 10 (e.g. the tutorial CNN's initialization); the default names random initial weights.
    public init(_ options: LessonOptions, series: String = "", run: RunFolder? = nil, whyFirstLossIsHigh: String? = nil) {
        self.whyFirstLossIsHigh = whyFirstLossIsHigh
            ?? "the random initial weights give large scores, confidently wrong rather than evenly unsure"
        totalSteps = options.steps
        batchSize = options.batchSize
        logEvery = options.logEvery
        metricsEvery = max(1, options.logEvery / 10)
        smoothing = max(metricsEvery, min(100, options.logEvery))
        learningRate = options.learningRate
        self.series = series
        self.run = run ?? RunFolder.shared(options)
        self.run.register(self)
    }

    /// Call once per step with that step's loss and batch accuracy.
    public func record(step: Int, loss: Float, accuracy: Float) {
        guard loss.isFinite else { diverged(step: step, loss: loss) }
        stepsDone = step
        if firstStep == nil { firstStep = step }
        window.steps += 1
        if recent.count < smoothing { recent.append((loss, accuracy)) } else { recent[(step - 1) % smoothing] = (loss, accuracy) }
        if step == 1 || step % metricsEvery == 0 || step == totalSteps { startRow() }
        if step == 1 {
            say("step 1, loss \(loss.formatted(places: 4)) (\(firstLossNote(loss, whyHigh: whyFirstLossIsHigh)))")
        }
        if step % logEvery == 0 {
            say("step \(step), training accuracy \(accuracy.formatted(places: 4))")
        }
        if statusLine.isActive {
            let now = Date()
            if now.timeIntervalSince(lastStatus) >= 0.1 || step == totalSteps {
                lastStatus = now
                let elapsed = now.timeIntervalSince(start)
                let trained = step - (firstStep ?? 1) + 1
                let rate = Double(trained * batchSize) / max(elapsed, 1e-9)
                let left = elapsed / Double(trained) * Double(totalSteps - step)
                statusLine.show("step \(step)/\(totalSteps)  loss \(String(format: "%.4f", loss))  "
                    + "\(Int(rate)) images/s  \(duration(left)) left")
            }
        }
    }

    /// Evaluations measured at the current step (after `record(step:…)`, or after `finish()` for
    /// the final ones): they join that step's metrics row and the curves.
    public func record(validationAccuracy: Float) { rows[currentRow()].validationAccuracy = Double(validationAccuracy) }
    public func record(testAccuracy: Float) { rows[currentRow()].testAccuracy = Double(testAccuracy) }
    /// Accuracy on training images in evaluation mode (e.g. dropout off).
    public func record(trainingSetAccuracy: Float) { rows[currentRow()].trainingSetAccuracy = Double(trainingSetAccuracy) }

    /// The index of the current step's row, begun now if the step has none yet.
    private func currentRow() -> Int {
        if !(pendingRow && rows.last?.step == stepsDone) { startRow() }
        return rows.count - 1
    }

    /// Writes the previous row and begins one for the current step: its batch's numbers, and their
    /// means over the last `smoothing` steps (fewer at the start).
    private func startRow() {
        writePendingRow()
        let now = Date()
        let current = recent.isEmpty ? (loss: Float(0), accuracy: Float(0)) : recent[(stepsDone - 1) % smoothing]   // this step's batch
        let count = Double(max(1, recent.count))
        rows.append(MetricsRow(
            series: series, step: stepsDone, loss: Double(current.loss), accuracy: Double(current.accuracy),
            meanLoss: recent.reduce(0) { $0 + Double($1.loss) } / count,
            meanAccuracy: recent.reduce(0) { $0 + Double($1.accuracy) } / count, learningRate: Double(learningRate),
            imagesPerSecond: Double(window.steps * batchSize) / max(now.timeIntervalSince(window.started), 1e-9),
            wallSeconds: now.timeIntervalSince(start)))
        pendingRow = true
        window = (0, now)
    }

    func writePendingRow() {
        guard pendingRow, let row = rows.last else { return }
        run.append(row)
        pendingRow = false
    }

    /// Prints `    after 1.8 epochs, <what>`: every lesson labels the evaluations it makes during
    /// training by the passes over the training set so far (`BatchSampler.epochsSeen`), to one decimal.
    public func say(afterEpochs epochs: Double, _ what: String) {
        say("    after \(Float(epochs).formatted(places: 1)) epochs, \(what)")
    }

    /// Prints a permanent line (clearing the status line first, so the two never mix).
    public func say(_ line: String) {
        statusLine.clear()
        print(line)
        fflush(nil)  // flush now, so lines appear as they happen even when piped
    }

    /// Ends training: prints `trained N steps in T s (R images/s)` and returns the seconds spent.
    @discardableResult
    public func finish() -> Double {
        trainingSeconds = Date().timeIntervalSince(start)
        statusLine.clear()
        let trained = stepsDone - (firstStep ?? 1) + 1
        let rate = Double(trained * batchSize) / max(trainingSeconds, 1e-9)
        say("trained \(trained) steps in \(String(format: "%.2f", trainingSeconds)) s (\(Int(rate.rounded())) images/s)")
        return trainingSeconds
    }

    private func diverged(step: Int, loss: Float) -> Never {
        statusLine.clear()
        let suggestion = String(format: "%g", Double(learningRate) / 10)
        FileHandle.standardError.write(Data("""
            diverged at step \(step): the loss became \(loss.isNaN ? "NaN (not a number)" : "infinite").
            The updates grew until the numbers overflowed. The usual cause is a learning rate too
            large for the model: this run used \(learningRate). Try a smaller one, e.g. --learning-rate \(suggestion).

            """.utf8))
        run.close()   // the metrics up to here, and their curves
        exit(1)
    }
}

/// What the step-1 line says next to the first loss. The sanity check of chapter 1: a model that
/// knows nothing spreads its bets evenly over the 10 classes and scores −log(1/10) = ln 10 ≈ 2.3026.
/// A loss far above that is not a bug in the loss but a model that starts out confidently wrong.
func firstLossNote(_ loss: Float, whyHigh: String) -> String {
    let ln10 = Float(log(10.0))
    if loss.formatted(places: 4) == ln10.formatted(places: 4) {
        return "= ln 10: even odds on the 10 classes, what a model that knows nothing scores"
    }
    if abs(loss - ln10) <= 0.1 * ln10 {
        return "near ln 10 = 2.3026: even odds on the 10 classes, what a model that knows nothing scores"
    }
    if loss > ln10 {
        return "well above ln 10 = 2.3026, the loss of even odds on the 10 classes: \(whyHigh)"
    }
    return "below ln 10 = 2.3026, the loss of even odds on the 10 classes: the model starts out knowing something"
}

func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    if seconds < 3600 { return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s" }
    return "\(Int(seconds) / 3600) h \(Int(seconds) % 3600 / 60) min"
}

/// A one-line status on standard error, redrawn in place. Inactive unless standard error is a
/// terminal, so redirected or piped output never sees it.
final class StatusLine {
    let isActive = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    private var visible = false

    func show(_ text: String) {
        guard isActive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
        visible = true
    }

    func clear() {
        guard isActive, visible else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        visible = false
    }
}

extension Float {
    /// The number with a fixed count of decimals, e.g. `0.92016.formatted(places: 4)` is "0.9202".
    public func formatted(places: Int) -> String { String(format: "%.\(places)f", Double(self)) }
}
