import Foundation

/// While a network trains, glibc's malloc keeps large freed blocks for reuse.
///
/// A training step allocates and frees the same activations (tens of MB
/// each) every window. Above malloc's mmap threshold (at most 32 MB by its
/// own adjustment) every such block is a fresh mapping, so each step paid
/// for page faults and zero-filling of every activation: about a third of
/// the time of the benchmark step. While any `AutoencoderTrainer` exists,
/// blocks below 1 GB come from the heap and freed memory stays there; when
/// the last one goes, the defaults return and the heap is trimmed, so an
/// idle kernel does not keep training's high-water mark.
enum AllocationRetention {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var users = 0

    static func begin() {
        lock.lock(); defer { lock.unlock() }
        users += 1
        if users == 1 { configure(mmapThreshold: 1 << 30, trimThreshold: 1 << 30, topPad: 64 << 20) }
    }

    static func end() {
        lock.lock(); defer { lock.unlock() }
        users -= 1
        if users == 0 {
            // glibc's defaults, except that the mmap threshold stays at the
            // ceiling its dynamic adjustment would reach.
            configure(mmapThreshold: 32 << 20, trimThreshold: 128 << 10, topPad: 128 << 10)
            trim()
        }
    }

    #if canImport(Glibc)
    // malloc.h is not part of the Glibc module; the values are glibc's.
    @_silgen_name("mallopt") private static func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    @_silgen_name("malloc_trim") private static func mallocTrim(_ pad: Int) -> Int32
    private static let trimThresholdOption: Int32 = -1, topPadOption: Int32 = -2, mmapThresholdOption: Int32 = -3

    private static func configure(mmapThreshold: Int32, trimThreshold: Int32, topPad: Int32) {
        _ = mallopt(mmapThresholdOption, mmapThreshold)
        _ = mallopt(trimThresholdOption, trimThreshold)
        _ = mallopt(topPadOption, topPad)
    }

    private static func trim() { _ = mallocTrim(0) }
    #else
    private static func configure(mmapThreshold: Int32, trimThreshold: Int32, topPad: Int32) {}
    private static func trim() {}
    #endif
}
