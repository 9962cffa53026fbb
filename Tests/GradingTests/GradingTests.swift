// The grading's own tests (not selected by the learner's filter): every reference answer passes
// every check over many seeds, every planted bug fails on every seed, a crash is one exercise's
// failure with its reason, and the stubs ship unstarted.
import Engine
import Exercises
import Foundation
@testable import Grading
import LearnerLayers
import Testing

/// Seeds for the reference answers: 100 random cases per exercise (each several configurations),
/// or DLFS_REFERENCE_SEEDS of them.
let referenceSeeds = seeds("DLFS_REFERENCE_SEEDS", default: 100)
/// Seeds for the planted bugs, each of which must be failed on all of them: 25, or DLFS_BUG_SEEDS.
let bugSeeds = seeds("DLFS_BUG_SEEDS", default: 25)

func seeds(_ variable: String, default count: UInt64) -> [UInt64] {
    Array(1...(ProcessInfo.processInfo.environment[variable].flatMap { UInt64($0) } ?? count))
}

@Suite("Reference answers pass")
struct ReferenceAnswersPass {
    @Test("Solutions pass every check on every seed", arguments: Catalog.all.map(\.id))
    func solutionPasses(_ id: String) {
        let verdict = Grader.grade(Catalog.exercise(id), with: .reference, seeds: referenceSeeds)
        #expect(verdict.status == .passed, "\(verdict.details)")
    }

    @Test("how close correct answers come to the tolerance (printed)")
    func margins() {
        for exercise in Catalog.all {
            _ = Grader.grade(exercise, with: .reference, seeds: referenceSeeds)
        }
        let lines = ErrorLog.shared.snapshot.sorted { $0.key < $1.key }.map { "  \($0.key): \(String(format: "%.3f", $0.value))" }
        print("largest relative error of a correct answer, as a fraction of the tolerance:\n" + lines.joined(separator: "\n"))
        #expect(ErrorLog.shared.snapshot.values.allSatisfy { $0 < 1 })
    }

    @Test("every planted bug's knobs at their defaults give a correct answer")
    func buggyCodeWithoutItsBugsPasses() {
        var code = Implementations.reference
        code.conv2dForward = { Buggy.convolution($0, $1, $2, stride: $3, padding: $4, .init()) }
        code.conv2dBackward = { Buggy.convolutionBackward($0, $1, $2, stride: $3, padding: $4, .init()) }
        code.maxPoolForward = { Buggy.maxPool($0, size: $1, stride: $2, .init()) }
        code.maxPoolBackward = { Buggy.maxPoolBackward($0, $1, size: $2, stride: $3, .init()) }
        code.batchNormForward = { Buggy.normalize($0, $1, $2, $3, .init(overRows: true)) }
        code.batchNormBackward = { Buggy.normalizeBackward($0, $1, $2, $3, .init(overRows: true)) }
        code.layerNormForward = { Buggy.normalize($0, $1, $2, $3, .init(overRows: false)) }
        code.layerNormBackward = { Buggy.normalizeBackward($0, $1, $2, $3, .init(overRows: false)) }
        code.residualBlockForward = { Buggy.residualForward($0, $1, $2, .init()) }
        code.residualBlockBackward = { Buggy.residualBackward($0, $1, $2, $3, .init()) }
        code.batchNormEvaluationForward = { Buggy.evaluationForward($0, $1, $2, $3, $4, $5, .init()) }
        code.batchNormUpdateRunningStatistics = { Buggy.updateRunningStatistics(&$0, &$1, $2, $3, .init()) }
        code.globalAveragePoolForward = { Buggy.globalPool($0, .init()) }
        code.globalAveragePoolBackward = { Buggy.globalPoolBackward($0, $1, .init()) }
        code.shift = { Buggy.shift($0, padding: $1, top: $2, left: $3, .init()) }
        code.horizontalFlip = { Buggy.horizontalFlip($0, .init()) }
        code.testTimeAugmentation = { Buggy.testTimeAugmentation($0, .init()) }
        for id in ["convolution", "maxPooling", "batchNorm", "layerNorm", "batchNormEvaluation", "residualBlock", "globalAveragePool", "shift",
                   "horizontalFlip", "testTimeAugmentation"] {
            let verdict = Grader.grade(Catalog.exercise(id), with: code, seeds: bugSeeds)
            #expect(verdict.status == .passed, "\(id): \(verdict.details)")
        }
    }

    @Test("max-pooling: a backward pass that gives a tie to the last maximum, not the first, passes too")
    func lastTiedMaximumPasses() {
        var code = Implementations.reference
        code.maxPoolBackward = { Buggy.maxPoolBackward($0, $1, size: $2, stride: $3, .init(lastTiedMaximum: true)) }
        let verdict = Grader.grade(Catalog.exercise("maxPooling"), with: code, seeds: bugSeeds)
        #expect(verdict.status == .passed, "\(verdict.details)")
    }

    @Test("the residual check's branch and projection hand back exact gradients (against numerical ones)")
    func residualPiecesAreExact() {
        var rng = RandomSource(seed: 7)
        for (c, outputs, stride) in [(3, 3, 1), (2, 4, 2)] {
            let shape = [2, c, 4, 6], pieces = [outputs * c, outputs, outputs * outputs]
            let w = pieces.map { rng.tensor([$0]).doubles }
            let block = Chapter07ResidualChecks.Block(inputShape: shape, outputs: outputs, stride: stride, a: w[0], bias: w[1],
                                                      b: w[2], p: rng.tensor([outputs * c]).doubles)
            let x = rng.tensor(shape).doubles, dout = rng.tensor(block.outputShape).doubles
            for (exact, forward) in [(block.branchBackward(dout, x), block.branch), (block.shortcutBackward(dout), block.shortcut)] {
                let numerical = Reference.gradients(of: { forward($0[0]) }, at: [x], upstream: dout)[0]
                #expect(largestRelativeError(exact, numerical).error < 1e-6)
            }
        }
    }

    @Test("at least two planted bugs per exercise")
    func twoBugsPerExercise() {
        for exercise in Catalog.all {
            #expect(PlantedBug.all.filter { $0.exercise == exercise.id }.count >= 2, "\(exercise.id)")
        }
    }
}

/// What a planted bug's child process reports: how many seeds it was graded on, and the
/// verdict of the first seed (for its diagnostic). A bug that passes on any seed says which.
struct BugReport: Codable {
    var passedOnSeed: UInt64?
    var firstVerdict: Verdict?
}

@Suite("Planted bugs are caught")
struct PlantedBugsAreCaught {
    /// Each bug is graded in a child process, as a learner's code is: several of them crash
    /// (an index past the end of W), and a crash must count as that exercise failing.
    @Test("the grading fails the bug on every seed", arguments: PlantedBug.all.map(\.name))
    func bugIsCaught(_ name: String) async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent]) { [name] in
            Isolation.isChild = true
            let bug = PlantedBug.named(name)
            var report = BugReport()
            for seed in bugSeeds {
                let verdict = Grader.grade(Catalog.exercise(bug.exercise), with: bug.code, seeds: [seed])
                if report.firstVerdict == nil { report.firstVerdict = verdict }
                if verdict.status != .failed {
                    report.passedOnSeed = seed
                    break
                }
            }
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            FileHandle.standardOutput.write(Data(("BUG-REPORT " + json + "\n").utf8))
            exit(2)
        }
        let bug = PlantedBug.named(name)
        let output = String(decoding: try #require(result).standardOutputContent, as: UTF8.self)
        let verdict: Verdict
        if let line = output.split(separator: "\n").last(where: { $0.hasPrefix("BUG-REPORT ") }) {
            let report = try JSONDecoder().decode(BugReport.self, from: Data(line.dropFirst("BUG-REPORT ".count).utf8))
            #expect(report.passedOnSeed == nil, "\(name) passed the check on seed \(report.passedOnSeed ?? 0)")
            verdict = try #require(report.firstVerdict)
        } else {
            // The bug crashed the child: read the verdict the learner would see.
            let ending: Isolation.Ending = switch result!.exitStatus {
            case .exitCode(let code): .exitCode(code)
            case .signal(let signal): .signal(signal)
            @unknown default: .exitCode(-1)
            }
            verdict = Isolation.verdict(for: Catalog.exercise(bug.exercise), ending: ending,
                                        standardOutput: result!.standardOutputContent, standardError: result!.standardErrorContent)
            #expect(verdict.status == .failed)
            #expect(verdict.summary.contains("crashed"), "\(verdict.summary)")
        }
        #expect(verdict.status == .failed)
        if let diagnosis = bug.diagnosis {
            #expect((verdict.summary + verdict.details).contains(diagnosis),
                    "the diagnostic should name the mistake (\(diagnosis)):\n\(verdict.details)")
        }
    }
}

@Suite("Crash isolation and progress reports")
struct CrashIsolation {
    static func childVerdict(_ id: String, _ result: ExitTest.Result?) throws -> Verdict {
        let result = try #require(result)
        let ending: Isolation.Ending = switch result.exitStatus {
        case .exitCode(let code): .exitCode(code)
        case .signal(let signal): .signal(signal)
        @unknown default: .exitCode(-1)
        }
        return Isolation.verdict(for: Catalog.exercise(id), ending: ending, standardOutput: result.standardOutputContent,
                                 standardError: result.standardErrorContent)
    }

    @Test("an index out of range fails the exercise with the reason and the case")
    func indexOutOfRange() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent]) {
            var code = Implementations.reference
            code.reluForward = { x in
                var out = x
                for i in 0...x.count { out.scalars[i] = max(0, x.scalars[i]) }   // one past the end
                return out
            }
            Isolation.gradeInChild("relu", with: code)
        }
        let verdict = try Self.childVerdict("relu", result)
        #expect(verdict.status == .failed)
        #expect(verdict.summary.contains("Index out of range"), "\(verdict.summary)")
        #expect(verdict.details.contains("while grading the random case: x ("), "\(verdict.details)")
    }

    @Test("a fatalError's message is the reason")
    func fatalErrorMessage() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent]) {
            var code = Implementations.reference
            code.dropoutBackward = { _, _, _ in fatalError("my dropout gave up") }
            Isolation.gradeInChild("dropout", with: code)
        }
        let verdict = try Self.childVerdict("dropout", result)
        #expect(verdict.status == .failed)
        #expect(verdict.summary.contains("my dropout gave up"), "\(verdict.summary)")
        #expect(verdict.details.contains("already right before the crash: out (forward)"), "\(verdict.details)")
    }

    @Test("an unwritten backward pass after a correct forward pass is not started, and says so")
    func halfWritten() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent]) {
            var code = Implementations.reference
            code.linearBackward = { _, _, _ in notStarted("linearBackward(outputGradient:input:weight:)", file: "Exercises/01-Linear.swift") }
            Isolation.gradeInChild("linear", with: code)
        }
        let verdict = try Self.childVerdict("linear", result)
        #expect(verdict.status == .notStarted)
        #expect(verdict.summary == "linearBackward still calls notStarted() (out (forward) already right)", "\(verdict.summary)")
        // The grader's own line, printed by the learner's grading next to Swift Testing's "cancelled".
        #expect(verdict.line(for: Catalog.exercise("linear")) == "not started: linear layer: forward, dx, dW, db "
                + "(Exercises/01-Linear.swift): linearBackward still calls notStarted() (out (forward) already right)")
    }

    @Test("a wrong-shaped result is a failure naming both shapes")
    func wrongShape() {
        var code = Implementations.reference
        code.maxPoolForward = { x, _, _ in x }
        let verdict = Grader.grade(Catalog.exercise("maxPooling"), with: code)
        #expect(verdict.status == .failed)
        #expect(verdict.summary.contains("has shape"), "\(verdict.summary)")
    }

    @Test("a failure is put on the function with the bug, whatever the easier cases' names say")
    func failureInTheRightFunction() {
        for (bug, inFirst) in [("batch norm running variance: biased", false), ("batch norm evaluation: batch statistics", true),
                               ("relu: forward writes max(0, x) into x's storage", true),
                               ("residual: shortcut gradient left out", false)] {
            let planted = PlantedBug.named(bug)
            let verdict = Grader.grade(Catalog.exercise(planted.exercise), with: planted.code)
            #expect(verdict.status == .failed && verdict.isInFirstFunction == inFirst, "\(bug): \(verdict.failedOutput ?? "nil")")
        }
    }

    @Test("a diagnostic names the output, the place, both values and a hint")
    func diagnosticContents() {
        let verdict = Grader.grade(Catalog.exercise("linear"), with: PlantedBug.named("linear: db averaged over the batch").code)
        #expect(verdict.summary.hasPrefix("db (∂loss/∂b): largest relative error"), "\(verdict.summary)")
        for part in ["yours ", "numerical ", "Hint: ", "✓ dx (∂loss/∂x)", "Exercises/01-Linear.swift", "random case"] {
            #expect(verdict.details.contains(part), "missing \(part) in:\n\(verdict.details)")
        }
    }
}

/// CI sets DLFS_CHECK_STUBS=1: Exercises/ must ship unsolved. On a learner's machine their own
/// work in Exercises/ is not a failure, so these are skipped there.
@Suite("Stubs ship not started", .enabled(if: ProcessInfo.processInfo.environment["DLFS_CHECK_STUBS"] == "1",
                                           "set DLFS_CHECK_STUBS=1 to check that Exercises/ ships unsolved (CI does)"))
struct StubsShipNotStarted {
    @Test("every stub reports not started", arguments: Catalog.all.map(\.id))
    func stubIsNotStarted(_ id: String) async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent, \.standardErrorContent]) { [id] in
            Isolation.gradeInChild(id, with: .learner)
        }
        let verdict = try CrashIsolation.childVerdict(id, result)
        #expect(verdict.status == .notStarted, "\(id): \(verdict.summary)")
    }

    @Test("every function in Exercises/ has the single line notStarted() as its body")
    func stubBodies() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Exercises").path)
        where file != "NotStarted.swift" {
            let text = try String(contentsOf: packageRoot.appendingPathComponent("Exercises/\(file)"), encoding: .utf8)
            let bodies = text.components(separatedBy: "public func ").dropFirst().map { declaration in
                declaration.components(separatedBy: "{").dropFirst().first?.components(separatedBy: "}").first?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            }
            #expect(!bodies.isEmpty, "\(file) declares no functions")
            for body in bodies { #expect(body == "notStarted()", "\(file): a stub's body is \(body)") }
        }
    }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Catalog matches the files")
struct CatalogMatchesFiles {
    @Test("every command in an exercise file's header is pasteable as written and grades one of that file's exercises")
    func headerCommands() throws {
        for file in Set(Catalog.all.map(\.file)) {
            let text = try String(contentsOf: packageRoot.appendingPathComponent("Exercises/\(file)"), encoding: .utf8)
            let header = text.components(separatedBy: "\n").prefix { $0.hasPrefix("//") }
            let lines = header.filter { $0.contains("swift test") }
            let commands = Set(Catalog.all.filter { $0.file == file }.map(\.command))
            #expect(lines.count == commands.count, "\(file): \(lines.count) commands in the header for \(commands.count) exercises")
            for line in lines {
                // The whole line after "// Check it:" (or its continuation's "//"): nothing but the command.
                let command = line.dropFirst(2).replacingOccurrences(of: "Check them:", with: "")
                    .replacingOccurrences(of: "Check it:", with: "").trimmingCharacters(in: .whitespaces)
                #expect(commands.contains(command), "\(file): \"\(command)\" is not one of \(commands.sorted())")
            }
        }
    }

    @Test("each exercise's file and functions exist in Exercises/ and Solutions/, and it has a test")
    func filesAndTests() throws {
        let tests = try String(contentsOf: packageRoot.appendingPathComponent("Tests/ExercisesTests/Chapters.swift"), encoding: .utf8)
        for exercise in Catalog.all {
            for folder in ["Exercises", "Solutions"] {
                let text = try String(contentsOf: packageRoot.appendingPathComponent("\(folder)/\(exercise.file)"), encoding: .utf8)
                for function in exercise.functions {
                    #expect(text.contains("public func \(function)("), "\(folder)/\(exercise.file) lacks \(function)")
                }
            }
            #expect(tests.contains("struct \(Catalog.suiteName(exercise.chapter))"), "no suite for chapter \(exercise.chapter)")
            #expect(tests.contains("func \(exercise.id)() async throws { try await grade(\"\(exercise.id)\") }"),
                    "no test for \(exercise.id)")
        }
    }
}
