import Foundation

/// Loads movies and arrays from the files imaging pipelines write, by
/// extension, as raw intensities in Double:
///
/// | extension | reader | options |
/// |---|---|---|
/// | `.tif`, `.tiff` | `TIFFReader` (tifffile, ImageJ, ScanImage; classic and BigTIFF) | `frames`, `downsample` |
/// | `.npy` | `NPYReader` (any numeric dtype, C or Fortran order) | `frames`, `downsample` (rank 3) |
/// | `.h5`, `.hdf5` | `HDF5Reader` (libhdf5) | `dataset`, `frames`, `downsample` |
/// | `.nwb` | `HDF5Reader` on `NWBFile.movieDataset` | `dataset`, `frames`, `downsample` |
/// | `.bin` (suite2p `data.bin`), `.raw` | `RawBinaryReader` (int16) | `shape`, `frames`, `downsample` |
///
/// Movies come back as `T x H x W`. `frames` selects frames `start..<end`
/// of the file (Python's rules for negative values; a missing end means
/// the last frame), reading only those. `downsample = k` averages k x k
/// blocks, dropping a remainder row or column, exactly like numpy's
/// `m[:, :H//k*k, :W//k*k].reshape(T, H//k, k, W//k, k).mean(axis=(2, 4))`.
/// Frames stream one at a time into the result, so peak memory is the
/// result plus a frame or a few. A `.npy` or HDF5 array that is not 3-D
/// comes back unchanged (`frames` slices its first axis; `downsample`
/// needs a movie).
///
/// Every problem throws `DataFileError` naming the file: missing file,
/// unknown extension, truncated data, a wrong `shape`, an empty or
/// out-of-bounds frame range, unsupported compression or pixel types.
///
/// ```swift
/// let movie = try MovieLoader.load(path: "stack.tif", frames: 0..<500, downsample: 2)
/// ```
public enum MovieLoader {
    /// Extensions `load` understands, for messages and completion.
    public static let extensions = ["tif", "tiff", "npy", "h5", "hdf5", "nwb", "bin", "raw"]

    /// Loads `path`; `frames` as a half-open range of frame indices.
    public static func load(path: String, frames: Range<Int>? = nil, downsample: Int = 1,
                            dataset: String? = nil, shape: [Int]? = nil,
                            context: WorkContext = .silent) throws -> NDArray {
        try load(path: path, frameStart: frames?.lowerBound, frameEnd: frames?.upperBound,
                 downsample: downsample, dataset: dataset, shape: shape, context: context)
    }

    /// Loads `path`, keeping frames `frameStart..<frameEnd` (nil: from the
    /// first / to the last; negative: counted from the end, as in Python).
    /// An empty selection (`end <= start`) or one outside the movie throws.
    public static func load(path: String, frameStart: Int?, frameEnd: Int?, downsample: Int = 1,
                            dataset: String? = nil, shape: [Int]? = nil,
                            context: WorkContext = .silent) throws -> NDArray {
        switch try open(path: path, frameStart: frameStart, frameEnd: frameEnd, downsample: downsample,
                        dataset: dataset, shape: shape, context: context) {
        case .array(let a): return a
        case .fortran(let npy, let r): return try loadFortranMovie(npy, range: r, factor: downsample, context: context)
        case .frames(let source, let r, let (ho, wo)):
            return try assemble(source, range: r, factor: downsample, outputShape: [r.count, ho, wo], context: context)
        }
    }

    /// What `load` finds in a file: a movie loads as a `Movie` (float32, its
    /// own 8/16-bit integers, or left on disk), anything else as an array.
    public enum Loaded {
        case movie(Movie)
        case array(NDArray)
    }

    /// Loads `path` as `load` does, a movie (any 3-D array) at 4 bytes a
    /// pixel or less (DESIGN.md): uint8, uint16 and int16 frames (without
    /// `downsample`) keep their type, everything else becomes float32
    /// (block means computed in double, then rounded). `lazy`: the frames
    /// stay in the file, read a window at a time as float32 when used.
    public static func loadMovie(path: String, frameStart: Int? = nil, frameEnd: Int? = nil, downsample: Int = 1,
                                 dataset: String? = nil, shape: [Int]? = nil, lazy: Bool = false,
                                 context: WorkContext = .silent) throws -> Loaded {
        switch try open(path: path, frameStart: frameStart, frameEnd: frameEnd, downsample: downsample,
                        dataset: dataset, shape: shape, context: context) {
        case .array(let a):
            if lazy { throw DataFileError(path: path, problem: "lazy=true needs a movie (T x H x W); this array has shape \(a.shape)") }
            return .array(a)
        case .fortran(let npy, let r):
            if lazy {
                throw DataFileError(path: path, problem: "lazy=true needs frames stored one after another; this .npy is in Fortran order (save it with numpy.ascontiguousarray)")
            }
            return .movie(Movie(try loadFortranMovie(npy, range: r, factor: downsample, context: context)))
        case .frames(let source, let r, let (ho, wo)):
            let type = source.sampleType
            if lazy {
                return .movie(Movie(storage: .file(MovieFile(source: source, range: r, factor: downsample, sampleType: type)),
                                    frames: r.count, height: ho, width: wo))
            }
            return .movie(try assembleMovie(source, range: r, factor: downsample, type: type, height: ho, width: wo, context: context))
        }
    }

    enum Opened {
        case array(NDArray)
        case fortran(NPYReader, Range<Int>)
        case frames(FrameSource, Range<Int>, (Int, Int))
    }

    /// Checks the options and opens the file: a movie's frame source with
    /// its frame range and output frame size, or a finished non-movie array.
    static func open(path: String, frameStart: Int?, frameEnd: Int?, downsample: Int, dataset: String?, shape: [Int]?,
                     context: WorkContext) throws -> Opened {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        let ext = (path as NSString).pathExtension.lowercased()
        guard extensions.contains(ext) else {
            throw fail(ext.isEmpty ? "has no extension; Lariat loads .tif/.tiff, .npy, .h5/.hdf5, .nwb and suite2p .bin files (and .lariatmodel models)"
                       : "unknown extension '.\(ext)'; Lariat loads .tif/.tiff, .npy, .h5/.hdf5, .nwb and suite2p .bin files (and .lariatmodel models)")
        }
        guard downsample >= 1 else { throw fail("downsample=\(downsample) must be a whole number of at least 1") }
        if dataset != nil && !(ext == "h5" || ext == "hdf5" || ext == "nwb") {
            throw fail("dataset= applies to HDF5 and NWB files (.h5/.hdf5/.nwb), not .\(ext)")
        }
        if shape != nil && !(ext == "bin" || ext == "raw") {
            throw fail("shape= applies to raw binaries (suite2p data.bin); a .\(ext) file records its own shape")
        }
        let hasFrames = frameStart != nil || frameEnd != nil
        let source: FrameSource
        switch ext {
        case "tif", "tiff":
            source = try TIFFReader(path: path)
        case "bin", "raw":
            source = try RawBinaryReader(path: path, shape: shape)
        case "npy":
            let npy = try NPYReader(path: path)
            if npy.shape.count != 3 {
                guard downsample == 1 else {
                    throw fail("downsample= needs a movie (T x H x W); this array has shape \(npy.shape)")
                }
                guard !npy.shape.isEmpty else {
                    if hasFrames { throw fail("frames= needs an array with a first axis; this one is a scalar") }
                    return .array(try NPY.read(path: path))
                }
                if !hasFrames || npy.header.fortranOrder {
                    let all = try NPY.read(path: path)
                    guard hasFrames else { return .array(all) }
                    let r = try resolve(frameStart, frameEnd, count: all.shape[0], path: path)
                    let row = all.count / max(all.shape[0], 1)
                    return .array(NDArray(shape: [r.count] + all.shape.dropFirst(),
                                          data: Array(all.data[r.lowerBound * row ..< r.upperBound * row])))
                }
                let r = try resolve(frameStart, frameEnd, count: npy.frameCount, path: path)
                return .array(try assemble(npy, range: r, factor: 1, outputShape: [r.count] + npy.shape.dropFirst(), context: context))
            }
            if npy.header.fortranOrder {
                let r = try resolve(frameStart, frameEnd, count: npy.frameCount, path: path)
                return .fortran(npy, r)
            }
            source = npy
        case "nwb":
            // The first TwoPhotonSeries under /acquisition, or the dataset named.
            let h5 = try HDF5Reader(path: path, dataset: try dataset ?? NWBFile.movieDataset(path: path))
            guard h5.shape.count == 3 else {
                throw fail("\(h5.dataset) has shape \(h5.shape); Lariat reads a TwoPhotonSeries of frames x H x W (an external_file series keeps its frames elsewhere: load those files)")
            }
            source = h5
        case "h5", "hdf5":
            let h5 = try HDF5Reader(path: path, dataset: dataset)
            if h5.shape.count != 3 {
                guard downsample == 1 else {
                    throw fail("downsample= needs a movie (T x H x W); dataset '\(h5.dataset)' has shape \(h5.shape)")
                }
                guard !h5.shape.isEmpty else {
                    if hasFrames { throw fail("frames= needs an array with a first axis; dataset '\(h5.dataset)' is a scalar") }
                    var v = [0.0]
                    try h5.read(rows: nil, into: &v)
                    return .array(NDArray(shape: [], data: v))
                }
                let r = hasFrames ? try resolve(frameStart, frameEnd, count: h5.frameCount, path: path) : 0..<h5.frameCount
                let outShape = [r.count] + h5.shape.dropFirst()
                try MemoryBudget.checkLoad(elements: outShape, path: path)
                var data = [Double](repeating: 0, count: outShape.reduce(1, *))
                if !data.isEmpty { try data.withUnsafeMutableBufferPointer { try h5.read(rows: r, into: $0.baseAddress!) } }
                return .array(NDArray(shape: outShape, data: data))
            }
            source = h5
        default:
            throw fail("unknown extension '.\(ext)'")
        }
        let r = try resolve(frameStart, frameEnd, count: source.frameCount, path: path)
        let (ho, wo) = (source.height / downsample, source.width / downsample)
        guard ho > 0, wo > 0 else {
            throw fail("downsample=\(downsample) is larger than the \(source.height) x \(source.width) frame")
        }
        return .frames(source, r, (ho, wo))
    }

    /// Frames `start..<end` checked against a movie of `count` frames.
    static func resolve(_ start: Int?, _ end: Int?, count: Int, path: String) throws -> Range<Int> {
        let a0 = start ?? 0, b0 = end ?? count
        let a = a0 < 0 ? a0 + count : a0
        let b = b0 < 0 ? b0 + count : b0
        let text = "frames=\(start.map(String.init) ?? ""):\(end.map(String.init) ?? "")"
        guard count > 0 else { throw DataFileError(path: path, problem: "holds no frames") }
        guard b > a else { throw DataFileError(path: path, problem: "\(text) is an empty range of frames") }
        guard a >= 0, b <= count else {
            throw DataFileError(path: path, problem: "\(text) is outside the movie: it has \(count) frames (0:\(count))")
        }
        return a..<b
    }

    /// Streams `range` from `source` through the block mean into the result.
    static func assemble(_ source: FrameSource, range: Range<Int>, factor k: Int, outputShape: [Int],
                         context: WorkContext) throws -> NDArray {
        try MemoryBudget.checkLoad(elements: outputShape, path: source.path)
        let frameOut = outputShape.dropFirst().reduce(1, *)
        let total = range.count * frameOut
        let clock = ContinuousClock.now
        // Every frame is written into the result, so it is not zero-filled
        // first (gigabytes of page faults that no cancellation check could
        // interrupt); a cancel is looked for at every frame.
        let data = try [Double](unsafeUninitializedCapacity: total) { out, initialized in
            initialized = 0
            guard let base = out.baseAddress else { return }
            try source.readFrames(range) { i, raw, type in
                try context.cancellation.check()
                BlockMean.reduce(raw, type: type, height: source.height, width: source.width, factor: k,
                                 into: base + i * frameOut)
                if i % 64 == 63 {
                    let elapsed = clock.duration(to: .now)
                    context.report(ProgressReport(task: "load", done: i + 1, total: range.count,
                                                  elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
                }
            }
            initialized = total
        }
        return NDArray(shape: outputShape, data: data)
    }

    /// Streams `range` from `source` into a movie: 8/16-bit integer frames
    /// as they are (without block means), everything else as float32.
    static func assembleMovie(_ source: FrameSource, range: Range<Int>, factor k: Int, type: SampleType,
                              height ho: Int, width wo: Int, context: WorkContext) throws -> Movie {
        let keep: SampleType? = k == 1 && [.uint8, .uint16, .int16].contains(type) ? type : nil
        let frame = ho * wo, total = range.count * frame
        let bytes = MemoryBudget.product([range.count, ho, wo, keep?.size ?? 4])
        if let s = MemoryBudget.shortfall(bytes: bytes, what: "the movie \(range.count) x \(ho) x \(wo) (as \(keep?.description ?? "float32"))") {
            throw DataFileError(path: source.path, problem: s + "; load fewer frames with frames=a:b, average k x k blocks with downsample=k, or keep the frames on disk with lazy=true")
        }
        let clock = ContinuousClock.now
        func progress(_ i: Int) {
            guard i % 64 == 63 else { return }
            let e = clock.duration(to: .now)
            context.report(ProgressReport(task: "load", done: i + 1, total: range.count,
                                          elapsed: Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18))
        }
        // Every frame is written, so nothing is zero-filled first (see `assemble`).
        func integers<S: FixedWidthInteger>(_: S.Type) throws -> [S] {
            try [S](unsafeUninitializedCapacity: total) { out, initialized in
                initialized = 0
                guard let base = out.baseAddress else { return }
                try source.readFrames(range) { i, raw, _ in
                    try context.cancellation.check()
                    (base + i * frame).update(from: raw.assumingMemoryBound(to: S.self), count: frame)
                    progress(i)
                }
                initialized = total
            }
        }
        let storage: Movie.Storage
        switch keep {
        case .uint8?: storage = .uint8(try integers(UInt8.self))
        case .uint16?: storage = .uint16(try integers(UInt16.self))
        case .int16?: storage = .int16(try integers(Int16.self))
        default:
            var scratch = [Double](repeating: 0, count: frame)
            storage = .float32(try [Float](unsafeUninitializedCapacity: total) { out, initialized in
                initialized = 0
                guard let base = out.baseAddress else { return }
                try scratch.withUnsafeMutableBufferPointer { s in
                    try source.readFrames(range) { i, raw, type in
                        try context.cancellation.check()
                        BlockMean.reduce(raw, type: type, height: source.height, width: source.width, factor: k, into: s.baseAddress!)
                        let o = base + i * frame
                        for j in 0..<frame { o[j] = Float(s[j]) }
                        progress(i)
                    }
                }
                initialized = total
            })
        }
        return Movie(storage: storage, frames: range.count, height: ho, width: wo)
    }

    /// A Fortran-order T x H x W `.npy`: element (t, h, w) sits at
    /// t + T (h + H w), so each column w is one contiguous T x H slab.
    /// Slabs are read one at a time and added into the result.
    static func loadFortranMovie(_ npy: NPYReader, range: Range<Int>, factor k: Int,
                                 context: WorkContext) throws -> NDArray {
        let (t, h, w) = (npy.shape[0], npy.shape[1], npy.shape[2])
        let (ho, wo) = (h / k, w / k)
        guard ho > 0, wo > 0 else {
            throw DataFileError(path: npy.path, problem: "downsample=\(k) is larger than the \(h) x \(w) frame")
        }
        try MemoryBudget.checkLoad(elements: [range.count, ho, wo], path: npy.path)
        var data = [Double](repeating: 0, count: range.count * ho * wo)
        var slab = [Double](repeating: 0, count: t * h)
        let scratch = FrameBuffer(bytes: t * h * npy.type.size)
        for x in 0 ..< wo * k {
            try context.cancellation.check()
            try slab.withUnsafeMutableBufferPointer {
                try npy.readElements(start: t * h * x, count: t * h, buffer: scratch, into: $0.baseAddress!)
            }
            let jo = x / k
            for y in 0 ..< ho * k {
                let io = y / k
                for f in range {
                    data[(f - range.lowerBound) * ho * wo + io * wo + jo] += slab[f + t * y]
                }
            }
        }
        if k > 1 {
            let n = Double(k * k)
            for i in data.indices { data[i] /= n }
        }
        return NDArray(shape: [range.count, ho, wo], data: data)
    }
}
