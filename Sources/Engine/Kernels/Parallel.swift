import Dispatch
import Foundation
#if canImport(Synchronization)
import Synchronization
#endif

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

    /// Whether `parallelFor` hands work to the engine's own helper threads, which keep looking for
    /// the next loop for a millisecond before they sleep (true), or to Dispatch's worker threads,
    /// which sleep as soon as a loop ends (false: the benchmark's comparison of the two).
    nonisolated(unsafe) public static var helpersWaitAwake = true
}

/// Runs `body(i)` for every i in 0..<iterations, spread over `Threads.count` threads.
/// With one thread, or one iteration, it runs inline with no dispatch overhead.
/// Which thread runs which i is not fixed, so a body's result must depend on i alone (every kernel's does).
@inline(__always)
func parallelFor(_ iterations: Int, _ body: @Sendable (Int) -> Void) {
    if iterations <= 1 || Threads.count == 1 {
        for i in 0..<iterations { body(i) }
        return
    }
    #if canImport(Synchronization)
    if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *),
       Threads.helpersWaitAwake, HelperThreads.shared.run(iterations, threads: Threads.count, body) {
        return
    }
    #endif
    DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
}

/// A raw pointer that may be captured by concurrently running closures. The caller promises
/// that the closures write disjoint parts of the memory.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

#if canImport(Synchronization)
/// The engine's helper threads for `parallelFor`: the calling thread and `threads - 1` helpers (one
/// thread a core at most) take the loop's iterations one at a time from a shared counter until none are left.
///
/// Why not Dispatch alone: its worker threads go to sleep the moment a loop ends, and waking one
/// takes 10–20 µs on Linux, as long as a whole small product (lesson 01's 100 × 784 × 10 takes
/// about 10 µs on one core), and a training step runs dozens of loops. These helpers keep watching
/// for the next loop for `awakeNanoseconds` (busy, on their own core) and only then sleep, the way
/// OpenMP's and OpenBLAS's threads do: a loop then starts on every thread within a microsecond, and
/// a process that stops computing leaves its helpers asleep a millisecond later.
@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *)
final class HelperThreads: @unchecked Sendable {
    static let shared = HelperThreads()
    static let awakeNanoseconds: UInt64 = 1_000_000
    /// Never more threads than cores: a helper without a core of its own would hold up every loop
    /// until the scheduler got round to it. (`--threads 8` on 2 cores still splits work 8 ways; two threads run it.)
    let cores: Int

    /// `cores` other than the machine's is for the tests.
    init(cores: Int = ProcessInfo.processInfo.activeProcessorCount) { self.cores = max(1, cores) }

    /// Bumped once a loop, and carries the loop's number of helpers in its low 16 bits, so a helper
    /// reads both in one load.
    private let ticket = Atomic<Int>(0)
    private let nextIteration = Atomic<Int>(0)
    private let helpersDone = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    private let wakeUp = NSCondition()
    // Written by the caller before it bumps `ticket`, read by helpers after they see it.
    nonisolated(unsafe) private var body: ((Int) -> Void)?
    nonisolated(unsafe) private var iterations = 0
    /// Helpers started so far; only `run`, which one caller holds at a time (`inUse`), touches it.
    nonisolated(unsafe) private var started = 0

    /// Runs the loop and returns true, or returns false at once when another loop is using the
    /// helpers (a second thread of the caller's, or a loop inside a loop's body): Dispatch runs it then.
    func run(_ iterations: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        let helpers = min(threads, cores, 0x10000) - 1
        startHelpers(upTo: helpers)
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.iterations = iterations
            nextIteration.store(0, ordering: .relaxed)
            helpersDone.store(0, ordering: .relaxed)
            let number = ticket.load(ordering: .relaxed) >> 16 + 1
            ticket.store(number << 16 | helpers, ordering: .sequentiallyConsistent)
            // A helper counts itself a sleeper before it checks the ticket a last time; one of the
            // two sequentially consistent pairs sees the other's write, so no helper sleeps through a loop.
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock(); wakeUp.broadcast(); wakeUp.unlock()
            }
            takeIterations()
            var polls = 0
            while helpersDone.load(ordering: .acquiring) < helpers {
                polls += 1
                if polls & 1023 == 0 { sched_yield() }   // a helper waiting for a core gets it
            }
            self.body = nil
        }
        inUse.store(false, ordering: .releasing)
        return true
    }

    // Never inlined: the reference to `body` it takes is then surely released before its caller reports
    // the loop done, and `withoutActuallyEscaping` in `run` finds the closure unshared, as it must.
    @inline(never)
    private func takeIterations() {
        let count = iterations, body = body!
        while true {
            let i = nextIteration.add(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    private func startHelpers(upTo helpers: Int) {
        // A new helper starts from the ticket before this loop's, so it takes part in this loop too.
        let seen = ticket.load(ordering: .acquiring)
        while started < helpers {
            let index = started
            let thread = Thread { [self] in helperLoop(index: index, seen: seen) }
            thread.name = "engine helper \(index + 1)"
            thread.start()
            started += 1
        }
    }

    private func helperLoop(index: Int, seen: Int) {
        var seen = seen
        while true {
            var current = ticket.load(ordering: .acquiring)
            var polls = 0, awakeSince: UInt64 = 0
            while current == seen {
                polls += 1
                if polls & 255 == 0 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if awakeSince == 0 { awakeSince = now }
                    if now - awakeSince > Self.awakeNanoseconds {
                        wakeUp.lock()
                        sleepers.add(1, ordering: .sequentiallyConsistent)
                        while ticket.load(ordering: .sequentiallyConsistent) == seen { wakeUp.wait() }
                        sleepers.subtract(1, ordering: .sequentiallyConsistent)
                        wakeUp.unlock()
                        polls = 0; awakeSince = 0
                    } else if polls & 4095 == 0 {
                        sched_yield()
                    }
                }
                current = ticket.load(ordering: .acquiring)
            }
            seen = current
            // A helper beyond this loop's count sits it out; the caller does not wait for it.
            guard index < current & 0xFFFF else { continue }
            takeIterations()
            helpersDone.add(1, ordering: .releasing)
        }
    }
}
#endif
