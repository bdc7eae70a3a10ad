import Foundation

/// A movie, `T x H x W`, held in as little memory as keeps its values:
/// float32 (4 bytes a pixel), the file's own 8- or 16-bit integers, or not
/// at all (`lazy`: the frames stay in the file and are read a window at a
/// time). Everything that streams (fitting, encoding, traces) asks for
/// frames as float32 through `read(_:into:)`; `doubles()` is the whole movie
/// as a float64 `NDArray` for what does not stream.
///
/// A movie is a value: `frames(a..<b)` is a view that shares the storage
/// (so the training and held-out parts of a fit cost nothing).
///
/// ```swift
/// let movie = try MovieLoader.loadMovie(path: "long.tif", lazy: true)
/// var window = [Float](repeating: 0, count: 100 * movie.frameSize)
/// try movie.read(0..<100, into: &window)
/// ```
public struct Movie: Sendable {
    /// What holds the samples; `first` below indexes into it.
    public enum Storage: Sendable {
        case float32([Float])
        case uint8([UInt8])
        case uint16([UInt16])
        case int16([Int16])
        /// Frames read from a file when asked for (`load(..., lazy=true)`).
        case file(MovieFile)
    }

    public let frameCount: Int
    public let height: Int
    public let width: Int
    let storage: Storage
    /// The view's first frame in `storage`.
    let first: Int

    public var frameSize: Int { height * width }
    public var shape: [Int] { [frameCount, height, width] }
    public var isLazy: Bool { if case .file = storage { return true }; return false }

    /// The element type held in memory ("float32", "uint16", ...), or the
    /// file's when lazy.
    public var elementType: String {
        switch storage {
        case .float32: return "float32"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .file(let f): return f.elementType
        }
    }

    /// Bytes this view's frames occupy in memory (0 when lazy).
    public var bytesInMemory: Int {
        let per: Int
        switch storage {
        case .float32: per = 4
        case .uint8: per = 1
        case .uint16, .int16: per = 2
        case .file: per = 0
        }
        return frameCount * frameSize * per
    }

    init(storage: Storage, frames: Int, height: Int, width: Int, first: Int = 0) {
        precondition(frames >= 0 && height > 0 && width > 0, "Movie: bad shape \(frames) x \(height) x \(width)")
        self.storage = storage; self.frameCount = frames; self.height = height; self.width = width; self.first = first
    }

    /// A float32 movie from `frames * height * width` values, frame after frame.
    public init(float32 values: [Float], frames: Int, height: Int, width: Int) {
        precondition(values.count == frames * height * width, "Movie: \(values.count) values for \(frames) x \(height) x \(width)")
        self.init(storage: .float32(values), frames: frames, height: height, width: width)
    }

    /// A float32 copy of a `T x H x W` array (values rounded to float32).
    public init(_ array: NDArray) {
        precondition(array.rank == 3, "Movie: expected T x H x W, got \(array.shape)")
        self.init(float32: array.data.map { Float($0) }, frames: array.shape[0], height: array.shape[1], width: array.shape[2])
    }

    /// Frames `range` (of this view) as a movie sharing this one's storage.
    public func frames(_ range: Range<Int>) -> Movie {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "Movie: frames \(range) outside 0..<\(frameCount)")
        return Movie(storage: storage, frames: range.count, height: height, width: width, first: first + range.lowerBound)
    }

    /// Frames `range`, in data units, into `out` (`range.count * frameSize` floats).
    /// - Throws: `DataFileError` when a lazy movie's file can no longer be read.
    public func read(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "Movie: frames \(range) outside 0..<\(frameCount)")
        let n = frameSize
        let a = (first + range.lowerBound) * n, b = (first + range.upperBound) * n
        func copy<S: BinaryInteger>(_ s: [S]) {
            s.withUnsafeBufferPointer { p in for i in a..<b { out[i - a] = Float(p[i]) } }
        }
        switch storage {
        case .float32(let v): v.withUnsafeBufferPointer { p in out.update(from: p.baseAddress! + a, count: b - a) }
        case .uint8(let v): copy(v)
        case .uint16(let v): copy(v)
        case .int16(let v): copy(v)
        case .file(let f): try f.read((first + range.lowerBound)..<(first + range.upperBound), into: out)
        }
    }

    /// Frames `range` as a flat float32 array.
    public func floats(_ range: Range<Int>) throws -> [Float] {
        try [Float](unsafeUninitializedCapacity: range.count * frameSize) { p, done in
            done = 0
            if range.count > 0 { try read(range, into: p.baseAddress!) }
            done = range.count * frameSize
        }
    }

    /// Calls `body(range, values)` for consecutive windows of at most
    /// `window` frames covering `range` (default: all), in order, from one
    /// reused buffer: the streaming loop every whole-movie statistic uses.
    public func forEachWindow(_ window: Int, in range: Range<Int>? = nil,
                              _ body: (Range<Int>, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let r = range ?? 0..<frameCount
        let w = max(1, min(window, r.count))
        var buffer = [Float](repeating: 0, count: w * frameSize)
        try buffer.withUnsafeMutableBufferPointer { p in
            for start in stride(from: r.lowerBound, to: r.upperBound, by: w) {
                let end = min(r.upperBound, start + w)
                try read(start..<end, into: p.baseAddress!)
                try body(start..<end, UnsafeBufferPointer(start: p.baseAddress!, count: (end - start) * frameSize))
            }
        }
    }

    /// Frames per window for streaming loops: about 16 MiB of float32
    /// (enough that per-window costs vanish, small beside any movie worth streaming).
    public var streamingWindow: Int { max(1, (16 << 20) / (4 * max(frameSize, 1))) }

    /// The whole movie as a float64 array, for computations that need every
    /// frame at once.
    /// - Throws: `DataFileError` when that does not fit in memory, or a lazy
    ///   movie's file can no longer be read.
    public func doubles(context: WorkContext = .silent) throws -> NDArray {
        let total = frameCount * frameSize
        if let s = MemoryBudget.shortfall(bytes: MemoryBudget.product(total, 8),
                                          what: "the movie \(frameCount) x \(height) x \(width) as float64") {
            throw DataFileError(path: lazyPath ?? "movie", problem: s + "; take fewer frames (movie[a:b]) first")
        }
        var data = [Double](repeating: 0, count: total)
        try data.withUnsafeMutableBufferPointer { out in
            try forEachWindow(streamingWindow) { r, values in
                try context.cancellation.check()
                let o = out.baseAddress! + r.lowerBound * frameSize
                for i in 0..<values.count { o[i] = Double(values[i]) }
            }
        }
        return NDArray(shape: shape, data: data)
    }

    /// The mean frame, `H x W`, accumulated in double.
    public func meanFrame(context: WorkContext = .silent) throws -> [Double] {
        var sum = [Double](repeating: 0, count: frameSize)
        try forEachWindow(streamingWindow) { _, values in
            try context.cancellation.check()
            for t in 0..<(values.count / frameSize) {
                let f = values.baseAddress! + t * frameSize
                for i in 0..<frameSize { sum[i] += Double(f[i]) }
            }
        }
        let inv = 1 / Double(max(frameCount, 1))
        return sum.map { $0 * inv }
    }

    /// The mean frame as an `H x W` array (a mean image to look at).
    public func meanImage(context: WorkContext = .silent) throws -> NDArray {
        NDArray(shape: [height, width], data: try meanFrame(context: context))
    }

    /// The first non-finite value, as (frame, row, column, value), if any.
    public func firstNonFinite() throws -> (frame: Int, row: Int, column: Int, value: Float)? {
        switch storage {
        case .uint8, .uint16, .int16: return nil
        default: break
        }
        var found: (Int, Int, Int, Float)?
        try forEachWindow(streamingWindow) { r, values in
            guard found == nil, let k = values.firstIndex(where: { !$0.isFinite }) else { return }
            let p = k % frameSize
            found = (r.lowerBound + k / frameSize, p / width, p % width, values[k])
        }
        return found
    }

    /// The file a lazy movie reads its frames from.
    public var lazyPath: String? { if case .file(let f) = storage { return f.path }; return nil }

    /// "20000 x 128 x 128 uint16", with ", lazy (on disk: path)" when lazy.
    public var description: String {
        let dims = "\(frameCount) x \(height) x \(width) \(elementType)"
        if case .file(let f) = storage { return dims + ", lazy (frames read from \(f.path))" }
        return dims
    }
}

/// The frames of a movie file left on disk (`load(..., lazy=true)`): the
/// opened reader, the frames and block size chosen at load. Reads are
/// serialised (readers reuse one frame buffer).
public final class MovieFile: @unchecked Sendable {
    public let path: String
    let source: FrameSource
    /// The file's frames this movie covers, and the `downsample` factor.
    let range: Range<Int>
    let factor: Int
    let sampleType: SampleType
    private let lock = NSLock()
    private var scratch: [Double]

    init(source: FrameSource, range: Range<Int>, factor: Int, sampleType: SampleType) {
        self.path = source.path; self.source = source; self.range = range; self.factor = factor
        self.sampleType = sampleType
        scratch = [Double](repeating: 0, count: (source.height / factor) * (source.width / factor))
    }

    var elementType: String { factor == 1 ? sampleType.description : "float32" }

    /// Frames `frames` (relative to `range`) as float32, block-averaged.
    func read(_ frames: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        lock.lock(); defer { lock.unlock() }
        let n = scratch.count
        let fileFrames = (range.lowerBound + frames.lowerBound)..<(range.lowerBound + frames.upperBound)
        try scratch.withUnsafeMutableBufferPointer { s in
            try source.readFrames(fileFrames) { i, raw, type in
                BlockMean.reduce(raw, type: type, height: source.height, width: source.width, factor: factor, into: s.baseAddress!)
                let o = out + i * n
                for j in 0..<n { o[j] = Float(s[j]) }
            }
        }
    }
}
