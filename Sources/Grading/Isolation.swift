import Engine
import Foundation

/// Grading in a child process, so that a crash in the learner's code (an index out of range, a
/// `fatalError`, an endless loop) fails that one exercise, with the reason, while the others are
/// still graded; and so that `notStarted()`, which ends the process, reads as "not started".
///
/// The child grades one exercise and writes its verdict on standard output, after a marker line,
/// then exits with status 2. The parent reads the verdict back; when there is none, it reads
/// standard error instead: `notStarted()`'s message means not started, anything else is a crash
/// whose reason the Swift runtime printed ("Fatal error: Index out of range").
///
/// Two kinds of parents use it: the ExercisesTests suites through Swift Testing's exit tests, and
/// executables (`progress`, lessons run with `--use-exercises`) by starting themselves again with
/// the environment variable `DLFS_GRADE_EXERCISE` set (`gradeInChildProcess`).
public enum Isolation {
    /// Set in a child process to the id of the exercise to grade.
    public static let requestVariable = "DLFS_GRADE_EXERCISE"
    /// A child that runs longer than this (an endless loop?) is stopped by SIGALRM.
    public static let timeLimitSeconds: UInt32 = 60

    static let verdictMarker = "DLFS-VERDICT "
    static let noteMarker = "DLFS-NOTE "
    /// Written by `notStarted()` in Exercises/NotStarted.swift.
    static let notStartedMarker = "not started: "

    nonisolated(unsafe) static var isChild = false

    /// The Swift runtime's backtracer, switched on for child processes: after a crash it prints the
    /// crashed thread's frames with file and line, even in optimized code where the runtime prints
    /// no "Fatal error" message. The parent reads the first frame in Exercises/ from it.
    public static let backtraceSetting = "enable=yes,interactive=no,color=no,format=text,limit=24,top=0,"
        + "threads=crashed,registers=none,images=none,sanitize=no"

    /// Makes child processes started from now on print a backtrace when they crash. The runtime
    /// reads the setting when a process starts, so it is set in the parent's environment.
    public static func enableBacktracesInChildren() {
        setenv("SWIFT_BACKTRACE", backtraceSetting, 1)
    }

    // MARK: The child

    /// Grades exercise `id` with `code` in this process, writes the verdict and ends the process
    /// with status 2 (never 0, so that every ending, finished, not started or crashed, is the
    /// same kind of "exit test" outcome for Swift Testing).
    public static func gradeInChild(_ id: String, with code: Implementations,
                                    seeds: [UInt64] = Grader.defaultSeeds) -> Never {
        isChild = true
        alarm(timeLimitSeconds)
        let verdict = Grader.grade(Catalog.exercise(id), with: code, seeds: seeds)
        let json = (try? JSONEncoder().encode(verdict)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        FileHandle.standardOutput.write(Data((verdictMarker + json + "\n").utf8))
        exit(2)
    }

    /// If this process was started to grade one exercise, grade it and exit; otherwise return.
    /// Executables that grade through `gradeInChildProcess` call this first thing.
    public static func serveRequest(with code: Implementations) {
        guard let id = ProcessInfo.processInfo.environment[requestVariable] else { return }
        gradeInChild(id, with: code)
    }

    /// A line of progress, written unbuffered to standard error by a child, so that after a crash
    /// the parent can tell which case was being graded and which outputs were already right.
    static func note(_ line: String) {
        guard isChild else { return }
        FileHandle.standardError.write(Data((noteMarker + line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
    }

    // MARK: The parent

    /// How a child process ended.
    public enum Ending: Sendable {
        case exitCode(Int32)
        case signal(Int32)
    }

    /// Grades exercise `id` in a new copy of this executable (started with the same arguments and
    /// `DLFS_GRADE_EXERCISE=id`), which must call `serveRequest(with:)` early.
    public static func gradeInChildProcess(_ id: String) -> Verdict {
        let exercise = Catalog.exercise(id)
        let process = Process()
        #if os(Linux)
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        #else
        process.executableURL = Bundle.main.executableURL
        #endif
        process.arguments = Array(CommandLine.arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(
            [requestVariable: id, "SWIFT_BACKTRACE": backtraceSetting]) { $1 }
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("dlfs-grade-\(id)-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("dlfs-grade-\(id)-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        do {
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try? out.close()
            try? err.close()
        } catch {
            return Verdict(status: .failed, summary: "could not start the grading process: \(error)")
        }
        let ending: Ending = process.terminationReason == .uncaughtSignal
            ? .signal(process.terminationStatus) : .exitCode(process.terminationStatus)
        return verdict(for: exercise, ending: ending,
                       standardOutput: Array((try? Data(contentsOf: outURL)) ?? Data()),
                       standardError: Array((try? Data(contentsOf: errURL)) ?? Data()))
    }

    /// Reads a child's verdict back from what it wrote and how it ended.
    public static func verdict(for exercise: Exercise, ending: Ending, standardOutput: [UInt8],
                               standardError: [UInt8]) -> Verdict {
        let outLines = String(decoding: standardOutput, as: UTF8.self).split(separator: "\n").map(String.init)
        let errLines = String(decoding: standardError, as: UTF8.self).split(separator: "\n").map(String.init)
        if let line = outLines.last(where: { $0.hasPrefix(verdictMarker) }),
           let verdict = try? JSONDecoder().decode(Verdict.self, from: Data(line.dropFirst(verdictMarker.count).utf8)) {
            return verdict
        }
        let notes = errLines.filter { $0.hasPrefix(noteMarker) }.map { String($0.dropFirst(noteMarker.count)) }
        let passedOutputs = notes.filter { $0.hasPrefix("✓ ") }.map { String($0.dropFirst(2)).components(separatedBy: ":")[0] }

        if let line = errLines.first(where: { $0.hasPrefix(notStartedMarker) }) {
            // "not started: linearBackward(outputGradient:input:weight:) in Exercises/01-Linear.swift"
            let what = line.dropFirst(notStartedMarker.count).components(separatedBy: " in ")[0]
            let function = what.components(separatedBy: "(")[0]
            var summary = "\(function) still calls notStarted()"
            if !passedOutputs.isEmpty { summary += " (\(passedOutputs.joined(separator: ", ")) already right)" }
            return Verdict(status: .notStarted, summary: summary,
                           details: "\(exercise.title): not started. Replace `notStarted()` in \(function) "
                               + "(\(exercise.exercisePath)) with your code, then run: \(exercise.command)")
        }

        // The innermost frame of the learner's code: by its file, or (inlined code has no line) by name.
        let frames = errLines.compactMap(Frame.init)
        let learnerFrame = frames.first { frame in
            frame.exercisePlace != nil || exercise.functions.contains { frame.function.hasPrefix($0 + "(") }
        }
        let place = learnerFrame.map { frame in
            " in \(frame.function)" + (frame.exercisePlace.map { " at \($0)" } ?? " (\(exercise.exercisePath))")
        } ?? ""
        var reason: String
        var hint = ""
        if case .signal(let number) = ending, number == SIGALRM {
            reason = "stopped after \(timeLimitSeconds) s without finishing"
            hint = "an endless loop? Check that every loop variable moves toward its bound."
        } else if let fatal = errLines.first(where: { $0.contains("Fatal error") }) {
            let parts = fatal.components(separatedBy: "Fatal error: ")
            let location = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: ": "))
            let message = parts.count > 1 ? parts[1] : fatal
            reason = "crashed: \(message)" + place
            if place.isEmpty && location.hasPrefix("Exercises/") { reason += " (at \(location))" }
            hint = crashHint(message)
        } else if let top = frames.first, case .signal = ending {
            // Optimized code traps without a message; the innermost frame says what trapped.
            let what = top.function.contains("subscript") || top.function.contains("Array")
                ? "an index out of range" : top.function.components(separatedBy: "Swift runtime failure: ").last ?? top.function
            reason = "crashed: \(what)" + place
            hint = crashHint(what)
        } else {
            switch ending {
            case .signal(let number):
                reason = "crashed with signal \(number)"
                hint = number == SIGSEGV
                    ? "a memory fault: endless recursion, or unsafe pointers used past their end?"
                    : "a Swift runtime trap (index out of range, nil unwrapped, integer overflow) without a message."
            case .exitCode(let code):
                reason = "ended the program (exit code \(code)) before finishing"
                hint = "does your code call exit()?"
            }
        }
        let lastCase = notes.last(where: { $0.hasPrefix("case: ") }).map { String($0.dropFirst(6)) }
        var details = "\(exercise.exercisePath): \(exercise.title) \(reason)"
        if let lastCase { details += "\n  while grading the random case: \(lastCase)" }
        if !passedOutputs.isEmpty { details += "\n  already right before the crash: \(passedOutputs.joined(separator: ", "))" }
        if !hint.isEmpty { details += "\n  Hint: \(hint)" }
        return Verdict(status: .failed, summary: reason, details: details, failedOutput: learnerFrame?.function)
    }

    /// One frame of the runtime's backtrace:
    /// "  2   0x000055… linearBackward(outputGradient:input:weight:) + 86 in x.xctest at /…/Exercises/01-Linear.swift:42:17"
    struct Frame {
        let function: String
        let path: String
        let line: Int?

        init?(_ text: String) {
            guard let address = text.range(of: " 0x"), let at = text.range(of: " at /", options: .backwards),
                  let inImage = text.range(of: " in ", options: .backwards, range: address.upperBound..<at.lowerBound)
            else { return nil }
            let afterAddress = text[address.upperBound...].drop { $0 != " " }.dropFirst()
            function = String(afterAddress[..<inImage.lowerBound]).components(separatedBy: " + ")[0]
                .replacingOccurrences(of: "specialized ", with: "")
            let location = text[text.index(before: at.upperBound)...].split(separator: ":")
            path = String(location[0])
            line = location.count >= 2 ? Int(location[1]) : nil
        }

        /// "Exercises/01-Linear.swift:42", when the frame has a place in Exercises/.
        var exercisePlace: String? {
            guard let range = path.range(of: "/Exercises/", options: .backwards) else { return nil }
            return "Exercises/" + path[range.upperBound...] + (line.map { ":\($0)" } ?? "")
        }
    }

    static func crashHint(_ message: String) -> String {
        if message.contains("Index out of range") || message.contains("out of bounds") || message.contains("index out of range") {
            return "an index went past the end of an array: check the loop bounds and the index arithmetic "
                + "(a padded position read without the bounds check, a transposed index, two dimensions swapped)."
        }
        if message.contains("elements but") || message.contains("reshape") {
            return "a tensor was built with a shape that does not match its number of elements: check the output shape."
        }
        if message.contains("components; the shape") {
            return "a tensor was indexed with the wrong number of indices for its shape."
        }
        if message.contains("nil") { return "a force-unwrapped optional was nil." }
        if message.contains("overflow") || message.contains("Division by zero") {
            return "integer arithmetic overflowed or divided by zero: check the output-size formula and the stride."
        }
        return "the message above comes from your code or from a Tensor operation it called."
    }
}
