// swift-tools-version:6.0
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
    #if arch(x86_64)
    // x86-64 Swift targets plain SSE2 unless told otherwise. On a CPU with AVX2 and FMA,
    // compile for it: the GEMM kernel is ~3x faster. ENGINE_FMA gates fused multiply-add,
    // which without hardware FMA turns into slow library calls.
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    if cpuinfo.contains(" avx2") && cpuinfo.contains(" fma") {
        settings.append(.unsafeFlags(["-target-cpu", "native"]))
        settings.append(.define("ENGINE_FMA"))
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
]

let package = Package(
    name: "deep-learning-from-scratch",
    platforms: [.macOS(.v13)],
    products: lessons.map { .executable(name: $0, targets: [$0]) } + [
        .library(name: "Engine", targets: ["Engine"]),
        .executable(name: "benchmark", targets: ["benchmark"]),
    ],
    targets: [
        // The small core engine: tensors, layers, losses, optimizers, data, and the fast kernels.
        .target(name: "Engine", path: "Sources/Engine", swiftSettings: engineSettings()),

        // The learner's stubs and the reference answers.
        .target(name: "Exercises", dependencies: ["Engine"], path: "Exercises"),
        .target(name: "Solutions", dependencies: ["Engine"], path: "Solutions"),

        .testTarget(name: "EngineTests", dependencies: ["Engine"], path: "Tests/EngineTests"),
        // Speed: `swift run -c release benchmark`.
        .executableTarget(name: "benchmark", dependencies: ["Engine"], path: "Sources/benchmark"),
    ] + lessons.map {
        .executableTarget(name: $0, dependencies: ["Engine"], path: "Lessons/\($0)")
    }
)
