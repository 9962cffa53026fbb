import Foundation

/// Prints what a training loop has to say, the same way in every lesson:
///
/// - the permanent stream on standard output, `step N, training accuracy X` every `logEvery`
///   steps (the accuracy on that step's batch, so it is noisy);
/// - on a terminal only, a live status line on standard error (step/total, loss, images/s, time
///   left) that is redrawn in place and never reaches piped output;
/// - `trained N steps in T s (R images/s)` when training ends;
/// - `diverged at step N` with a hint, and exit code 1, if the loss stops being a finite number.
public final class TrainingLog {
    public let totalSteps: Int
    public let batchSize: Int
    public let logEvery: Int
    public let learningRate: Float
    private let start = Date()
    private var trainingSeconds = 0.0
    private var stepsDone = 0
    private var firstStep: Int?   // above 1 when the run resumed from a checkpoint
    private var lastStatus = Date.distantPast
    private let statusLine = StatusLine()

    public init(_ options: LessonOptions) {
        totalSteps = options.steps
        batchSize = options.batchSize
        logEvery = options.logEvery
        learningRate = options.learningRate
    }

    /// Call once per step with that step's loss and batch accuracy.
    public func record(step: Int, loss: Float, accuracy: Float) {
        guard loss.isFinite else { diverged(step: step, loss: loss) }
        stepsDone = step
        if firstStep == nil { firstStep = step }
        if step == 1 {
            // The sanity check of chapter 1: a model that knows nothing spreads its bets evenly
            // over the 10 classes and scores −log(1/10) = ln 10 ≈ 2.3026.
            say("step 1, loss \(loss.formatted(places: 4)) (a model that knows nothing scores ln 10 = 2.3026)")
        }
        if step % logEvery == 0 {
            say("step \(step), training accuracy \(format(accuracy))")
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
        exit(1)
    }
}

/// Formats an accuracy the way the 2017 tutorial printed it: 0.89, 0.921875.
func format(_ accuracy: Float) -> String { String(format: "%g", Double(accuracy)) }

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
