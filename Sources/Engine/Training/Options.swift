import Foundation

/// One extra command-line flag a lesson adds to the standard ones, e.g. `--keep-prob 0.5`.
public struct Flag: Sendable {
    public enum Kind: Sendable, Equatable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case choice([String])
        /// A comma-separated list of names from these, e.g. `--augment shift,rotate`.
        case list([String])
        /// A switch that takes no value: present or absent.
        case toggle
        /// The path of a folder that must exist.
        case folder
        /// A file name, e.g. `--save model.safetensors`.
        case path
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: String?
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    var valueName: String {
        switch kind {
        case .integer: "N"
        case .number: "X"
        case .choice(let names): names.joined(separator: "|")
        case .list: "LIST"
        case .toggle: ""
        case .folder: "DIR"
        case .path: "PATH"
        }
    }
}

/// The flags every lesson that trains accepts. A lesson that trains nothing (lesson 06) takes only
/// some of them, and its `--help` lists only those: the others are refused, not silently ignored.
public enum StandardFlag: String, CaseIterable, Sendable {
    case steps = "--steps", epochs = "--epochs", batchSize = "--batch-size", learningRate = "--learning-rate"
    case seed = "--seed", logEvery = "--log-every", dataDirectory = "--data-dir", dataset = "--dataset"
    case mirror = "--mirror", threads = "--threads", runDirectory = "--run-dir", noFiles = "--no-files"
    case tensorboard = "--tensorboard"
}

/// A lesson's default settings: the program from COURSE.md.
public struct LessonDefaults: Sendable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Float
    public var logEvery: Int
    public var seed: UInt64
    /// The standard flags this lesson takes (all of them, for a lesson that trains).
    public var flags: Set<StandardFlag>
    /// Why the other standard flags are refused, e.g. "it trains nothing".
    public var whyNotOtherFlags: String

    public init(steps: Int, batchSize: Int, learningRate: Float, logEvery: Int, seed: UInt64 = 1) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.logEvery = logEvery
        self.seed = seed
        self.flags = Set(StandardFlag.allCases)
        self.whyNotOtherFlags = ""
    }

    /// A lesson that trains nothing and reads no dataset: one batch of `batchSize` random inputs
    /// through a network. It takes --batch-size, --seed, --threads and the run-folder flags only.
    public init(forwardOnly batchSize: Int, seed: UInt64 = 1) {
        self.init(steps: 1, batchSize: batchSize, learningRate: 1, logEvery: 1, seed: seed)
        flags = [.batchSize, .seed, .threads, .runDirectory, .noFiles, .tensorboard]
        whyNotOtherFlags = "it trains nothing and reads no dataset"
    }
}

/// A bad command line: the message names the flag or value and what was expected.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The settings every lesson accepts, parsed from the command line.
public struct LessonOptions: Sendable {
    public var program: String
    /// The training steps: `--steps`, or `--epochs` once `resolveEpochs(trainingImages:)` has run.
    public var steps: Int
    /// `--epochs N` (instead of `--steps`): N passes over the training set, each
    /// training images / batch size steps (550 for 55,000 images in batches of 100).
    public var epochs: Int?
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    public var logEvery: Int
    /// `--data-dir`, or the environment variable `DLFS_DATA_DIR`: a folder holding the four IDX files.
    public var dataDirectory: String?
    public var threads: Int
    public var dataset: DatasetName
    /// `--mirror URL`: download from this server instead of the built-in mirror list.
    public var mirror: String?
    /// `--run-dir DIR`: where the run's metrics and figures go (default runs/<lesson>/<date-time>).
    public var runDirectory: String?
    /// false with `--no-files`: the run writes nothing at all.
    public var writesFiles: Bool
    /// `--tensorboard`: also write TensorBoard event files into the run folder.
    public var tensorboard = false
    private var extras: [String: String]
    /// The usage text printed with a usage error.
    private var usageText = ""

    /// The environment variable that points lessons and tests at a folder of IDX files.
    public static let dataDirectoryVariable = "DLFS_DATA_DIR"

    /// The value of one of the lesson's extra flags (its default when not given).
    public func value(_ flag: String) -> String? { extras[flag] }
    public func integer(_ flag: String) -> Int { Int(extras[flag] ?? "") ?? 0 }
    public func number(_ flag: String) -> Double { Double(extras[flag] ?? "") ?? 0 }
    public func isSet(_ flag: String) -> Bool { extras[flag] != nil }

    /// Parses `CommandLine.arguments`. Prints the usage and exits 0 for `--help`; prints what was
    /// wrong and the usage, then exits 2, for an unknown flag or a bad value.
    public static func parse(program: String, about: String, defaults: LessonDefaults,
                             extraFlags: [Flag] = []) -> LessonOptions {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let usageText = usage(program: program, about: about, defaults: defaults, extraFlags: extraFlags)
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usageText)
            exit(0)
        }
        do {
            var options = try parse(arguments, program: program, defaults: defaults, extraFlags: extraFlags,
                                    environment: ProcessInfo.processInfo.environment)
            options.usageText = usageText
            return options
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n\n\(usageText)\n".utf8))
            exit(2)
        }
    }

    /// The parser itself, separate from `exit` so tests can call it.
    public static func parse(_ arguments: [String], program: String, defaults: LessonDefaults,
                             extraFlags: [Flag] = [], environment: [String: String] = [:]) throws -> LessonOptions {
        var options = LessonOptions(
            program: program, steps: defaults.steps, batchSize: defaults.batchSize,
            learningRate: defaults.learningRate, seed: defaults.seed, logEvery: defaults.logEvery,
            dataDirectory: environment[dataDirectoryVariable].flatMap { $0.isEmpty ? nil : $0 },
            threads: ProcessInfo.processInfo.activeProcessorCount, dataset: .mnist, mirror: nil,
            runDirectory: nil, writesFiles: true, extras: [:])
        for flag in extraFlags where flag.defaultValue != nil { options.extras[flag.name] = flag.defaultValue }

        var stepsGiven = false
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            // Accept both "--steps 100" and "--steps=100".
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() throws -> String {
                if let inlineValue { return inlineValue }
                guard let next = rest.popFirst() else { throw UsageError(message: "\(name) needs a value") }
                return next
            }
            if let standard = StandardFlag(rawValue: name), !defaults.flags.contains(standard) {
                throw UsageError(message: "\(name) is not an option of this lesson: \(defaults.whyNotOtherFlags) (--help lists the options it takes)")
            }
            switch name {
            case "--steps":
                options.steps = try integer(name, try value(), 1...100_000_000)
                stepsGiven = true
            case "--epochs": options.epochs = try integer(name, try value(), 1...100_000)
            case "--batch-size": options.batchSize = try integer(name, try value(), 1...100_000)
            case "--learning-rate": options.learningRate = try float(name, try number(name, try value(), 0...3e38, open: true))
            case "--seed": options.seed = UInt64(try integer(name, try value(), 0...Int.max))
            case "--log-every": options.logEvery = try integer(name, try value(), 1...100_000_000)
            case "--data-dir": options.dataDirectory = try value()
            case "--threads": options.threads = try integer(name, try value(), 1...256)
            case "--mirror": options.mirror = try value()
            case "--run-dir": options.runDirectory = try value()
            case "--no-files":
                guard inlineValue == nil else { throw UsageError(message: "--no-files takes no value") }
                options.writesFiles = false
            case "--tensorboard":
                guard inlineValue == nil else { throw UsageError(message: "--tensorboard takes no value") }
                options.tensorboard = true
            case "--dataset":
                let text = try value()
                guard let dataset = DatasetName(rawValue: text) else {
                    throw UsageError(message: "--dataset expects one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'")
                }
                options.dataset = dataset
            default:
                guard let flag = extraFlags.first(where: { $0.name == name }) else {
                    throw UsageError(message: "unknown option '\(argument)'")
                }
                switch flag.kind {
                case .toggle:
                    guard inlineValue == nil else { throw UsageError(message: "\(name) takes no value") }
                    options.extras[name] = "true"
                case .folder:
                    let path = try value()
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                        throw UsageError(message: "\(name) expects an existing folder; got '\(path)'")
                    }
                    options.extras[name] = path
                case .path:
                    let text = try value()
                    guard !text.isEmpty else { throw UsageError(message: "\(name) needs a file name; got ''") }
                    options.extras[name] = text
                case .integer(let range): options.extras[name] = String(try integer(name, try value(), range))
                case .number(let range): options.extras[name] = String(try number(name, try value(), range))
                case .choice(let names):
                    let text = try value()
                    guard names.contains(text) else {
                        throw UsageError(message: "\(name) expects one of \(names.joined(separator: ", ")); got '\(text)'")
                    }
                    options.extras[name] = text
                case .list(let names):
                    let text = try value()
                    for item in text.split(separator: ",", omittingEmptySubsequences: false) where !names.contains(String(item)) {
                        throw UsageError(message: "\(name) expects a comma-separated list of \(names.joined(separator: ", ")); got '\(item)' in '\(text)'")
                    }
                    options.extras[name] = text
                }
            }
        }
        if stepsGiven && options.epochs != nil {
            throw UsageError(message: "--steps and --epochs both given: use one (an epoch is one pass over the training set, "
                + "training images / --batch-size steps)")
        }
        return options
    }

    /// With `--epochs N`, sets `steps` to N passes over `trainingImages` images in batches of
    /// `batchSize` (the last partial batch of each pass is dropped, as the sampler does); without it,
    /// leaves `steps` alone. `loadLessonData` calls it once the training set's size is known.
    public mutating func resolveEpochs(trainingImages: Int) {
        guard let epochs else { return }
        steps = epochs * max(1, trainingImages / batchSize)
    }

    /// `check`'s result, for a rule that involves several flags at once (e.g. `--augment flip` only
    /// with `--dataset fashion-mnist`). If it throws, prints the message and the usage and exits 2,
    /// like any other bad command line.
    public func validated<T>(_ check: () throws(UsageError) -> T) -> T {
        do {
            return try check()
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n\n\(usageText)\n".utf8))
            exit(2)
        }
    }

    private static func integer(_ flag: String, _ text: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(n) else {
            throw UsageError(message: "\(flag) expects a whole number from \(range.lowerBound) to \(range.upperBound); got '\(text)'")
        }
        return n
    }

    /// `x` as the Float the engine computes with; a value that Float cannot hold (it would round to 0
    /// or become subnormal, and the run would silently learn nothing) is refused.
    private static func float(_ flag: String, _ x: Double) throws -> Float {
        guard Float(x).isNormal else {
            throw UsageError(message: "\(flag) \(x) is too small for the engine's 32-bit Float (the smallest normal "
                + "value is \(Float.leastNormalMagnitude)); it would round to nothing and the run would learn nothing")
        }
        return Float(x)
    }

    private static func number(_ flag: String, _ text: String, _ range: ClosedRange<Double>, open: Bool = false) throws -> Double {
        guard let x = Double(text), x.isFinite, range.contains(x), !(open && x == range.lowerBound) else {
            let lower = open ? "greater than \(range.lowerBound.formatted())" : "from \(range.lowerBound.formatted())"
            let upper = range.upperBound >= 1e30 ? "" : " up to \(range.upperBound.formatted())"
            throw UsageError(message: "\(flag) expects a number \(lower)\(upper); got '\(text)'")
        }
        return x
    }

    static func usage(program: String, about: String, defaults: LessonDefaults, extraFlags: [Flag]) -> String {
        let trains = defaults.flags.contains(.steps)
        let standard: [(StandardFlag, String, String)] = [
            (.steps, "--steps N", "training steps (default \(defaults.steps))"),
            (.epochs, "--epochs N", "train N passes over the training set instead (training images / batch size steps each); not with --steps"),
            (.batchSize, "--batch-size N", trains ? "images per step (default \(defaults.batchSize))" : "inputs in the batch (default \(defaults.batchSize))"),
            (.learningRate, "--learning-rate X", "optimizer step size (default \(defaults.learningRate))"),
            (.seed, "--seed N", (trains ? "random seed for batch order and initialization" : "random seed for the inputs and the weights")
                + " (default \(defaults.seed))"),
            (.logEvery, "--log-every N", "print the training accuracy every N steps (default \(defaults.logEvery))"),
            (.dataDirectory, "--data-dir DIR", "read the four IDX files (.gz or not) from DIR (or set \(dataDirectoryVariable))"),
            (.dataset, "--dataset NAME", "mnist (default), fashion-mnist, or synthetic (built-in, no files)"),
            (.mirror, "--mirror URL", "download the dataset from this server instead of the public mirrors"),
            (.threads, "--threads N", "threads for the math kernels (default: all \(ProcessInfo.processInfo.activeProcessorCount) cores)"),
            (.runDirectory, "--run-dir DIR", "write \(trains ? "metrics.csv and the figures" : "the figures") to DIR (default runs/\(program)/<date-time>)"),
            (.noFiles, "--no-files", "write no run folder at all"),
            (.tensorboard, "--tensorboard", "also write TensorBoard event files there (tensorboard --logdir runs)"),
        ]
        var rows = standard.filter { defaults.flags.contains($0.0) }.map { ($0.1, $0.2) }
        for flag in extraFlags {
            let left = flag.valueName.isEmpty ? flag.name : "\(flag.name) \(flag.valueName)"
            rows.append((left, flag.help + (flag.defaultValue.map { " (default \($0))" } ?? "")))
        }
        rows.append(("--help", "show this help"))
        let width = rows.map(\.0.count).max() ?? 0
        let lines = rows.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return "\(about)\n\nUsage: swift run \(program) [options]\n\nOptions:\n" + lines.joined(separator: "\n")
    }
}
