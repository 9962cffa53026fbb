// swift-tools-version:6.2
// deep-learning-from-scratch: a small engine, eight lessons, a book, and self-graded exercises.
// No package dependencies: the Swift toolchain alone.
import PackageDescription
import Foundation

/// The engine is always compiled with optimization, even under plain `swift run` (a debug build):
/// a lesson that trains in seconds when optimized takes minutes at -Onone.
/// `swift test` still adds -enable-testing, so @testable import keeps working.
/// (Never -wmo here: debug builds then link stale objects. Never -Ounchecked: it drops preconditions.)
func engineSettings() -> [SwiftSetting] {
    var settings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
    // Float's squareRoot() comes from a C shim that, compiled as Linux C is by default, keeps errno
    // semantics: each square root is then a scalar instruction, a NaN check and a call to sqrtf for
    // negative inputs, and a vector of 16 takes 16 of them (Adam spent most of its step there). The
    // engine never reads errno; without it the same correctly rounded square root is one vector
    // instruction. (macOS compiles C this way already.)
    settings.append(.unsafeFlags(["-Xcc", "-fno-math-errno"]))
    #if arch(x86_64)
    // x86-64 Swift targets plain SSE2 unless told otherwise. On a CPU with AVX2 and FMA,
    // compile for it: the GEMM kernel is ~3x faster. ENGINE_FMA gates fused multiply-add,
    // which without hardware FMA turns into slow library calls.
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    if cpuinfo.contains(" avx2") && cpuinfo.contains(" fma") {
        settings.append(.unsafeFlags(["-target-cpu", "native"]))
        settings.append(.define("ENGINE_FMA"))
        // With AVX-512 the GEMM's register tile holds 16 floats a vector instead of 8 (same sums, bit for bit).
        if cpuinfo.contains(" avx512f") { settings.append(.define("ENGINE_AVX512")) }
    }
    #elseif arch(arm64)
    settings.append(.define("ENGINE_FMA"))  // every arm64 CPU has NEON with fused multiply-add
    #endif
    return settings
}

let lessons = [
    "lesson01-linear-softmax",
    "lesson02-train-longer",
    "lesson03-adam",
    "lesson04-convolutions",
    "lesson05-dropout",
    "lesson06-init-histograms",
    "lesson07-residual-blocks",
    "lesson08-augmentation",
]

// MARK: Exercises: the learner's stubs, the reference answers, the grading, `swift run progress`.
// Exercises and Solutions are optimized like the engine: the learner's plain loops then train a
// lesson with --use-exercises in seconds rather than many minutes. An optimized trap prints no
// message, so the grading runs each check in a child process with the runtime backtracer on and
// reports the crash's reason and line from there.
let exerciseProducts: [Product] = [
    .executable(name: "progress", targets: ["progress"]),
    .executable(name: "student-copy", targets: ["student-copy"]),
]
/// A student copy (`swift run student-copy DIR`) has no Solutions/: it then builds without the
/// reference answers and without the grading's own tests, which need them.
let hasSolutions = FileManager.default.fileExists(atPath: Context.packageDirectory + "/Solutions")
let solutionTargets: [Target] = hasSolutions ? [
    .target(name: "Solutions", dependencies: ["Engine"], path: "Solutions", swiftSettings: engineSettings()),
    // The grading's own tests: Solutions pass, planted bugs fail, stubs ship unstarted. Its name
    // and every test in it avoid the word that `--filter` selects the learner's grading by.
    .testTarget(name: "GradingTests", dependencies: ["Engine", "Grading", "Solutions", "LearnerLayers"],
                path: "Tests/GradingTests"),
] : []
let exerciseTargets: [Target] = solutionTargets + [
    .target(name: "Exercises", dependencies: ["Engine"], path: "Exercises", swiftSettings: engineSettings()),
    .target(name: "Grading", dependencies: ["Engine"], path: "Sources/Grading", swiftSettings: engineSettings()),
    .target(name: "LearnerLayers", dependencies: ["Engine", "Exercises", "Grading"], path: "Lessons/LearnerLayers"),
    .executableTarget(name: "progress", dependencies: ["Grading", "LearnerLayers"], path: "Sources/progress"),
    // `swift run student-copy DIR`: the package without Solutions/, for handing out.
    .executableTarget(name: "student-copy", path: "Sources/student-copy"),
    // `swift test --filter Exercises` runs exactly this target: the learner's grading.
    .testTarget(name: "ExercisesTests", dependencies: ["Engine", "Grading", "LearnerLayers"], path: "Tests/ExercisesTests"),
]
/// Lessons 01, 04 and 05 take --use-exercises (train with the learner's own layers), through LearnerLayers.
func lessonDependencies(_ lesson: String) -> [Target.Dependency] {
    ["lesson01", "lesson04", "lesson05"].contains { lesson.hasPrefix($0) } ? ["Engine", "LearnerLayers"] : ["Engine"]
}

let package = Package(
    name: "deep-learning-from-scratch",
    platforms: [.macOS(.v13)],
    products: lessons.map { .executable(name: $0, targets: [$0]) } + [
        .library(name: "Engine", targets: ["Engine"]),
        .executable(name: "benchmark", targets: ["benchmark"]),
        .executable(name: "predict", targets: ["predict"]),
    ] + exerciseProducts,
    targets: [
        // The small core engine: tensors, layers, losses, optimizers, data, and the fast kernels.
        .target(name: "Engine", path: "Sources/Engine", swiftSettings: engineSettings()),

        .testTarget(name: "EngineTests", dependencies: ["Engine"], path: "Tests/EngineTests"),
        // Speed: `swift run -c release benchmark`. peers/ holds the PyTorch script it runs in the same run.
        .executableTarget(name: "benchmark", dependencies: ["Engine"], path: "Sources/benchmark", exclude: ["peers"]),
        // `swift run predict IMAGE`: a saved lesson-04 network on a picture of your own digit.
        .executableTarget(name: "predict", dependencies: ["Engine"], path: "Sources/predict"),
    ] + exerciseTargets + lessons.map {
        .executableTarget(name: $0, dependencies: lessonDependencies($0), path: "Lessons/\($0)")
    }
)
