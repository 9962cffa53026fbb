import Dispatch
import Foundation

/// How many threads the kernels may use. Lessons set it once from `--threads` before training.
public enum Threads {
    nonisolated(unsafe) private static var configured: Int = {
        keepFreedMemoryForReuse()   // every kernel reads `Threads.count` first (Memory.swift)
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// The number of threads kernels split work across (at least 1).
    public static var count: Int {
        get { configured }
        set { configured = max(1, newValue) }
    }
}

/// Runs `body(i)` for every i in 0..<iterations, spread over `Threads.count` threads.
/// With one thread, or one iteration, it runs inline with no dispatch overhead.
@inline(__always)
func parallelFor(_ iterations: Int, _ body: @Sendable (Int) -> Void) {
    if iterations <= 1 || Threads.count == 1 {
        for i in 0..<iterations { body(i) }
    } else {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }
}

/// A raw pointer that may be captured by concurrently running closures. The caller promises
/// that the closures write disjoint parts of the memory.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
