import Dispatch
import Foundation
#if canImport(Synchronization)
import Synchronization
#endif
import Testing
@testable import Engine

/// `parallelFor` and the engine's helper threads behind it (Parallel.swift).
@Suite("Parallel loops")
struct ParallelTests {
    /// Counts how often each iteration ran; iterations write disjoint slots.
    final class Counts: @unchecked Sendable {
        let slots: UnsafeMutablePointer<Int>
        let count: Int
        init(_ count: Int) {
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: 0, count: count)
        }
        deinit { slots.deallocate() }
        func add(_ i: Int) { slots[i] += 1 }
        /// The iterations that did not run exactly `times` times.
        func wrong(_ times: Int) -> [Int] { (0..<count).filter { slots[$0] != times } }
    }

    #if canImport(Synchronization)
    @Test("every iteration runs exactly once, for any count of iterations and threads")
    func eachIterationOnce() throws {
        guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *) else { return }
        // As if on 5 cores, so that helpers beyond a loop's count exist on any machine.
        let helpers = HelperThreads(cores: 5)
        for threads in [2, 3, 5] {
            for iterations in [2, 3, 7, 64, 1000] {
                let counts = Counts(iterations)
                for _ in 0..<50 {
                    #expect(helpers.run(iterations, threads: threads) { counts.add($0) })
                }
                #expect(counts.wrong(50).isEmpty, "threads \(threads), iterations \(iterations): \(counts.wrong(50).prefix(5)) ran a wrong number of times")
            }
        }
        // Fewer threads after more: the helpers beyond the count sit the loop out.
        let counts = Counts(100)
        for threads in [5, 2, 4, 2] { #expect(helpers.run(100, threads: threads) { counts.add($0) }) }
        #expect(counts.wrong(4).isEmpty)
    }

    @Test("helpers asleep after a pause wake for the next loop, and every helper takes part")
    func wakeAfterSleep() throws {
        guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *) else { return }
        let helpers = HelperThreads(cores: 3)
        let threads = 3
        for round in 0..<4 {
            // Past the helpers' awake time: they are waiting on the condition, not spinning.
            Thread.sleep(forTimeInterval: Double(HelperThreads.awakeNanoseconds) * 3e-9)
            // Each iteration waits until all three threads are inside the loop: a helper that slept
            // through it would hang the loop, so a deadline ends the wait and the test fails instead.
            let arrived = Atomic<Int>(0)
            let allArrived = Atomic<Bool>(false)
            let ran = helpers.run(threads, threads: threads) { _ in
                arrived.add(1, ordering: .sequentiallyConsistent)
                let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
                while arrived.load(ordering: .sequentiallyConsistent) < threads {
                    if DispatchTime.now().uptimeNanoseconds > deadline { return }
                }
                allArrived.store(true, ordering: .sequentiallyConsistent)
            }
            let all = allArrived.load(ordering: .sequentiallyConsistent), count = arrived.load(ordering: .sequentiallyConsistent)
            #expect(ran)
            #expect(all, "round \(round): only \(count) of \(threads) threads took part")
        }
    }

    @Test("never more threads than cores: a loop asked for 4 threads on 2 cores runs on 2")
    func noMoreThreadsThanCores() throws {
        guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *) else { return }
        let helpers = HelperThreads(cores: 2)
        let counts = Counts(400)
        let threadsSeen = Mutex<Set<ObjectIdentifier>>([])
        for _ in 0..<20 {
            #expect(helpers.run(400, threads: 4) { i in
                // Long enough that every thread the loop has gets iterations of its own.
                let end = DispatchTime.now().uptimeNanoseconds + 20_000
                while DispatchTime.now().uptimeNanoseconds < end {}
                counts.add(i)
                let thread = ObjectIdentifier(Thread.current)
                threadsSeen.withLock { _ = $0.insert(thread) }
            })
        }
        #expect(counts.wrong(20).isEmpty)
        let seen = threadsSeen.withLock { $0.count }
        #expect(seen <= 2, "\(seen) threads ran the loops")
    }

    @Test("a loop inside a loop's body, or on a second calling thread, runs through Dispatch instead")
    func busyHelpersDecline() throws {
        guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *) else { return }
        let helpers = HelperThreads()
        let inner = Counts(4 * 16)
        let declined = Atomic<Int>(0)
        #expect(helpers.run(4, threads: 2) { outer in
            if !helpers.run(16, threads: 2, { inner.add(outer * 16 + $0) }) {
                declined.add(1, ordering: .relaxed)
                for i in 0..<16 { inner.add(outer * 16 + i) }
            }
        })
        let declinedLoops = declined.load(ordering: .relaxed)
        #expect(declinedLoops == 4)
        #expect(inner.wrong(1).isEmpty)
    }
    #endif

    @Test("parallelFor from several threads at once: each loop complete, nothing run twice")
    func concurrentCallers() {
        let callers = 4, iterations = 200, loops = 100
        let counts = (0..<callers).map { _ in Counts(iterations) }
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<loops { parallelFor(iterations) { counts[caller].add($0) } }
        }
        for (caller, c) in counts.enumerated() {
            #expect(c.wrong(loops).isEmpty, "caller \(caller): \(c.wrong(loops).prefix(5)) ran a wrong number of times")
        }
    }
}
