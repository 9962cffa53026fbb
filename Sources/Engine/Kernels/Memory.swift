#if canImport(Glibc)
import Glibc
#endif

// A training step allocates the same large buffers every time (lesson 04's first activations are
// 10 MB a tensor). glibc's malloc gives blocks that large back to the kernel when they are freed
// (mmap and munmap, or trimming the heap), so the next step's allocation takes a fresh page fault,
// and a page of zeros from the kernel, for every 4 KB it touches: about 2,000 faults a step,
// and 4 % of the CPU time in the kernel. Keeping freed memory in the process instead (as
// PyTorch's caching allocator does) costs nothing but the peak memory the process already used.

/// Asks glibc's malloc to keep freed blocks of up to 32 MB (its largest setting) for reuse, and
/// not to return the top of the heap to the system until 1 GB of it is free. Other systems'
/// allocators already keep such blocks: there it does nothing. Runs once, on the first use of `Threads`.
/// Returns whether glibc took both settings (true elsewhere, where there is nothing to set).
@discardableResult
func keepFreedMemoryForReuse() -> Bool {
    #if canImport(Glibc)
    // mallopt is declared in <malloc.h>, which Swift's Glibc module leaves out: look it up by name.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }   // RTLD_DEFAULT
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3   // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in <malloc.h>
    return mallopt(mmapThreshold, 32 << 20) == 1 && mallopt(trimThreshold, 1 << 30) == 1   // 1: accepted
    #else
    return true
    #endif
}
