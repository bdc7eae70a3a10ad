/// A movie file opened for streaming: it knows its frame count and frame
/// size, and hands out the frames of a range one at a time as raw samples
/// in host byte order, from a buffer it reuses (so memory stays near one
/// frame plus the caller's result).
protocol FrameSource {
    var path: String { get }
    var frameCount: Int { get }
    var height: Int { get }
    var width: Int { get }
    /// The type `readFrames` hands out (HDF5 converts to float64 in the library).
    var sampleType: SampleType { get }
    /// Calls `body(i, samples, type)` for each frame `range.lowerBound + i`
    /// in order; `samples` is valid only during the call.
    func readFrames(_ range: Range<Int>, _ body: (Int, UnsafeRawPointer, SampleType) throws -> Void) throws
}

/// A reusable, suitably aligned scratch buffer for one frame's bytes.
final class FrameBuffer {
    private(set) var pointer: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init(bytes: Int) {
        capacity = max(bytes, 16)
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// Makes room for `bytes` (contents are not kept).
    func reserve(_ bytes: Int) {
        guard bytes > capacity else { return }
        pointer.deallocate()
        capacity = bytes
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { pointer.deallocate() }
}
