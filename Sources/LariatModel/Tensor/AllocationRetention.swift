import Foundation

/// glibc malloc settings for a process that trains networks: large freed
/// blocks stay in the heap for reuse.
///
/// A training step allocates and frees the same activations (tens of MB
/// each) every window. Above malloc's mmap threshold (at most 32 MB by its
/// own adjustment) every such block is a fresh mapping, so each step paid
/// for page faults and zero-filling of every activation: about a third of
/// the time of the benchmark step. With `retainLargeBlocks()`, blocks below
/// 1 GB come from the heap and freed memory stays there;
/// `releaseFreeMemory()` gives the free part back to the system (an idle
/// kernel need not keep training's high-water mark).
///
/// These are settings of the whole process, so the library never makes
/// them itself: the `lariat` executable retains at start and releases after
/// each cell or prompt line, and the training benchmark retains as it does.
public enum AllocationRetention {
    #if canImport(Glibc)
    // malloc.h is not part of the Glibc module; the values are glibc's.
    @_silgen_name("mallopt") private static func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    @_silgen_name("malloc_trim") private static func mallocTrim(_ pad: Int) -> Int32
    private static let trimThresholdOption: Int32 = -1, topPadOption: Int32 = -2, mmapThresholdOption: Int32 = -3

    /// Blocks below 1 GB from the heap; up to 1 GB of free memory kept at its top.
    public static func retainLargeBlocks() {
        _ = mallopt(mmapThresholdOption, 1 << 30)
        _ = mallopt(trimThresholdOption, 1 << 30)
        _ = mallopt(topPadOption, 64 << 20)
    }

    /// Returns the heap's free memory to the system (`malloc_trim(0)`).
    public static func releaseFreeMemory() { _ = mallocTrim(0) }
    #else
    public static func retainLargeBlocks() {}
    public static func releaseFreeMemory() {}
    #endif
}
