import Testing
@testable import Engine

/// Kernels/Memory.swift: the allocator settings that keep a training step's large buffers for reuse.
@Suite("Memory")
struct MemoryTests {
    @Test("glibc's malloc takes both settings (elsewhere there is nothing to set)")
    func mallocSettings() {
        #expect(keepFreedMemoryForReuse())
    }
}
