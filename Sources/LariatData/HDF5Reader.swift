import CHDF5  // types and constants; the functions come from HDF5Library
import Foundation

/// Reads a numeric dataset of an HDF5 file through libhdf5, selecting only
/// the hyperslab of the requested frames (a few frames at a time), with
/// libhdf5 converting any integer or float type to Double.
///
/// `dataset` names the dataset (`"mov"`, `"/data/raw"`); when it is not
/// given and the file holds exactly one numeric dataset of rank 3 (or one
/// dataset at all), that one is used. A missing or ambiguous name gives an
/// error listing the datasets the file has, with their shapes.
///
/// Every call goes through one lock (Debian's libhdf5 is built thread-safe,
/// but other builds may not be).
final class HDF5Reader: FrameSource {
    let path: String
    let dataset: String
    let shape: [Int]
    var frameCount: Int { shape[0] }
    var height: Int { shape.count > 1 ? shape[1] : 1 }
    var width: Int { shape.count > 2 ? shape[2] : 1 }
    private let file: hid_t
    private let data: hid_t
    /// Whether float32 holds every stored value exactly (8/16-bit integers,
    /// float16/32), so a movie need not keep float64.
    let exactInFloat32: Bool
    private let lib: HDF5Library

    private static let lock = NSLock()
    /// Runs `body` holding the library lock.
    static func locked<T>(_ lib: HDF5Library, _ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        _ = lib.open()
        // Errors are reported by our messages, not printed by the library;
        // a thread-safe libhdf5 keeps this setting per thread.
        _ = lib.setAuto(hid_t(H5E_DEFAULT), nil, nil)
        // A thread-safe libhdf5 also keeps an error stack per thread, and its
        // records hold references that H5_term_library cannot drop from the
        // thread that calls exit(). A failed call (H5Fopen of a truncated
        // file) left on a test thread's stack made the atexit handler print
        // "HDF5: infinite loop closing library"; so no stack is left full.
        defer { _ = lib.clearErrors(hid_t(H5E_DEFAULT)) }
        return try body()
    }

    init(path: String, dataset requested: String?) throws {
        self.path = path
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
        let lib: HDF5Library
        switch HDF5Library.shared {
        case .success(let loaded): lib = loaded
        case .failure(let error): throw fail(error.description)
        }
        self.lib = lib
        let opened: (hid_t, hid_t, String, [Int], Bool) = try HDF5Reader.locked(lib) {
            guard lib.isHDF5(path) > 0 else { throw fail("not an HDF5 file (or a damaged one)") }
            let f = lib.fileOpen(path, 0 /* H5F_ACC_RDONLY */, hid_t(H5P_DEFAULT))
            guard f >= 0 else { throw fail("libhdf5 cannot open it (damaged or truncated)") }
            let datasets = HDF5Reader.listDatasets(f, lib)
            let name: String
            if let r = requested {
                name = r
            } else {
                let movies = datasets.filter { $0.shape.count == 3 && $0.numeric }
                if movies.count == 1 { name = movies[0].name }
                else if datasets.count == 1 { name = datasets[0].name }
                else {
                    _ = lib.fileClose(f)
                    throw fail(datasets.isEmpty ? "contains no datasets"
                               : "holds several datasets; choose one with dataset=: \(HDF5Reader.describe(datasets))")
                }
            }
            let d = name.withCString { lib.exists(f, $0, hid_t(H5P_DEFAULT)) } > 0
                ? lib.datasetOpen(f, name, hid_t(H5P_DEFAULT)) : -1
            guard d >= 0 else {
                _ = lib.fileClose(f)
                throw fail("has no dataset '\(name)'; available: \(datasets.isEmpty ? "none" : HDF5Reader.describe(datasets))")
            }
            let type = lib.datasetType(d)
            let cls = lib.typeClass(type)
            let elementSize = lib.typeSize(type)
            _ = lib.typeClose(type)
            guard cls == H5T_INTEGER || cls == H5T_FLOAT else {
                _ = lib.datasetClose(d); _ = lib.fileClose(f)
                throw fail("dataset '\(name)' is not numeric (Lariat reads integer and float datasets)")
            }
            let space = lib.datasetSpace(d)
            let rank = Int(lib.spaceRank(space))
            var dims = [hsize_t](repeating: 0, count: max(rank, 1))
            let got = rank >= 0 ? lib.spaceDims(space, &dims, nil) : -1
            _ = lib.spaceClose(space)
            // Sizes from the file: each must be an Int, their product too.
            guard got >= 0, dims.allSatisfy({ $0 <= hsize_t(Int.max) }),
                  MemoryBudget.product(dims.map { Int($0) }) != nil else {
                _ = lib.datasetClose(d); _ = lib.fileClose(f)
                throw fail("dataset '\(name)' has a damaged or impossibly large shape (rank \(rank), sizes \(dims))")
            }
            // Compact and contiguous data are stored uncompressed: the bytes
            // the file holds for them must cover the shape. (HDF5 1.10
            // does not check a compact buffer's size and reads past it.)
            // Contiguous storage never written reads as the fill value.
            let plist = lib.createPlist(d)
            let layout = plist >= 0 ? lib.layout(plist) : H5D_LAYOUT_ERROR
            if plist >= 0 { _ = lib.plistClose(plist) }
            let stored = lib.storageSize(d)
            let need = MemoryBudget.product(dims.map { Int($0) } + [max(elementSize, 0)])
            guard elementSize > 0, elementSize <= 16, let need, layout != H5D_LAYOUT_ERROR,
                  layout == H5D_CHUNKED || layout == H5D_VIRTUAL || stored >= hsize_t(need)
                    || (layout == H5D_CONTIGUOUS && stored == 0) else {
                _ = lib.datasetClose(d); _ = lib.fileClose(f)
                throw fail("dataset '\(name)' stores \(stored) bytes, its shape \(dims) of \(elementSize)-byte values needs \(need.map(String.init) ?? "more than can be counted") (damaged file)")
            }
            // Chunked data may be compressed, but Deflate (gzip) expands at
            // most 1032:1; beyond that (and a 64 MiB allowance for chunks
            // never written, which read as the fill value) the shape is
            // not what the file holds.
            if layout == H5D_CHUNKED, let most = MemoryBudget.product(Int(min(stored, hsize_t(Int.max / 2048))), 1032),
               need > most + (64 << 20) {
                _ = lib.datasetClose(d); _ = lib.fileClose(f)
                throw fail("dataset '\(name)' stores \(stored) bytes of chunks, too few for its shape \(dims) of \(elementSize)-byte values (\(MemoryBudget.format(need))) even compressed (damaged file, or chunks never written)")
            }
            let exactInFloat32 = (cls == H5T_FLOAT && elementSize <= 4) || (cls == H5T_INTEGER && elementSize <= 2)
            return (f, d, name, rank == 0 ? [] : dims.map { Int($0) }, exactInFloat32)
        }
        (file, data, dataset, shape, exactInFloat32) = opened
    }

    deinit {
        HDF5Reader.locked(lib) {
            _ = lib.datasetClose(data)
            _ = lib.fileClose(file)
        }
    }

    struct Entry { var name: String; var shape: [Int]; var numeric: Bool }

    static func describe(_ entries: [Entry]) -> String {
        entries.map { "\($0.name) \($0.shape)" }.joined(separator: ", ")
    }

    /// Every dataset in the file, by full path, with its shape (lock held).
    private static func listDatasets(_ f: hid_t, _ lib: HDF5Library) -> [Entry] {
        final class Names { var names: [String] = [] }
        let names = Names()
        let visit: H5O_iterate_t = { _, name, info, op in
            if let info, info.pointee.type == H5O_TYPE_DATASET, let name, let op {
                Unmanaged<Names>.fromOpaque(op).takeUnretainedValue().names.append("/" + String(cString: name))
            }
            return 0
        }
        _ = lib.visit(f, H5_INDEX_NAME, H5_ITER_INC, visit, Unmanaged.passUnretained(names).toOpaque(),
                      UInt32(H5O_INFO_BASIC))
        return names.names.map { name in
            let d = lib.datasetOpen(f, name, hid_t(H5P_DEFAULT))
            defer { if d >= 0 { _ = lib.datasetClose(d) } }
            guard d >= 0 else { return Entry(name: name, shape: [], numeric: false) }
            let space = lib.datasetSpace(d)
            let rank = Int(lib.spaceRank(space))
            var dims = [hsize_t](repeating: 0, count: max(rank, 1))
            _ = lib.spaceDims(space, &dims, nil)
            _ = lib.spaceClose(space)
            let type = lib.datasetType(d)
            let cls = lib.typeClass(type)
            _ = lib.typeClose(type)
            return Entry(name: name, shape: rank == 0 ? [] : dims.map { Int($0) },
                         numeric: cls == H5T_INTEGER || cls == H5T_FLOAT)
        }
    }

    /// Reads rows `range` of the first axis as Double (the whole dataset for nil).
    func read(rows range: Range<Int>?, into out: UnsafeMutablePointer<Double>) throws {
        let rank = shape.count
        try HDF5Reader.locked(lib) {
            let fileSpace = lib.datasetSpace(data)
            defer { _ = lib.spaceClose(fileSpace) }
            var count = shape.map { hsize_t($0) }
            if let r = range, rank > 0 {
                var start = [hsize_t](repeating: 0, count: rank)
                start[0] = hsize_t(r.lowerBound)
                count[0] = hsize_t(r.count)
                _ = lib.selectHyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil)
            }
            let memSpace = rank == 0 ? lib.spaceCreate(H5S_SCALAR) : lib.spaceCreateSimple(Int32(rank), count, nil)
            defer { _ = lib.spaceClose(memSpace) }
            guard lib.read(data, lib.nativeDouble, memSpace, fileSpace, hid_t(H5P_DEFAULT), out) >= 0 else {
                throw DataFileError(path: path, problem: "libhdf5 cannot read dataset '\(dataset)'\(range.map { " rows \($0.lowerBound):\($0.upperBound)" } ?? "") (damaged or truncated file)")
            }
        }
    }

    /// Samples reach `readFrames` as float64 (libhdf5 converts); a dataset
    /// that float32 holds exactly says float32, so a movie is kept in 4 bytes.
    var sampleType: SampleType { exactInFloat32 ? .float32 : .float64 }

    func readFrames(_ range: Range<Int>, _ body: (Int, UnsafeRawPointer, SampleType) throws -> Void) throws {
        let frame = height * width
        // A few megabytes per read: fewer library calls, memory near one frame.
        let chunk = max(1, min(range.count, (4 << 20) / max(frame * 8, 1)))
        let buffer = FrameBuffer(bytes: chunk * frame * 8)
        var t = range.lowerBound
        while t < range.upperBound {
            let n = min(chunk, range.upperBound - t)
            try read(rows: t ..< t + n, into: buffer.pointer.assumingMemoryBound(to: Double.self))
            for k in 0..<n {
                try body(t - range.lowerBound + k, buffer.pointer + k * frame * 8, .float64)
            }
            t += n
        }
    }
}
