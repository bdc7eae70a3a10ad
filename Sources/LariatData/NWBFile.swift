import CHDF5  // types and constants; the functions come from HDF5Library
import Foundation
#if canImport(Glibc)
import Glibc
// malloc.h is not part of the Glibc module.
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
#endif

/// Neurodata Without Borders files (NWB 2, HDF5): the imaging movie and the
/// ROI masks, found by their `neurodata_type` attributes as pynwb writes
/// them. https://nwb-schema.readthedocs.io/en/latest/format.html
///
/// Axes are kept as stored: a TwoPhotonSeries `data` of (frames, x, y) loads
/// as a T x H x W movie with H = x, W = y, exactly as numpy reads the
/// dataset; an `image_mask` (rois, x, y) gives masks on the same axes, and
/// a `pixel_mask` row (x, y, weight) sets mask[x, y] = weight.
public enum NWBFile {
    /// An object of the file that carries a `neurodata_type`.
    public struct TypedObject: Equatable {
        public var path: String
        public var type: String
        public var isDataset: Bool
    }

    static func library(_ path: String) throws -> HDF5Library {
        guard FileManager.default.fileExists(atPath: path) else { throw DataFileError(path: path, problem: "no such file") }
        switch HDF5Library.shared {
        case .success(let lib): return lib
        case .failure(let e): throw DataFileError(path: path, problem: e.description)
        }
    }

    /// Opens `path` read-only, runs `body` with the file's id under the library lock, closes it.
    static func withFile<T>(_ path: String, _ body: (HDF5Library, hid_t) throws -> T) throws -> T {
        let lib = try library(path)
        return try HDF5Reader.locked(lib) { try withOpenFile(path, lib, body) }
    }

    /// `withFile` for a caller that holds the library lock.
    private static func withOpenFile<T>(_ path: String, _ lib: HDF5Library, _ body: (HDF5Library, hid_t) throws -> T) throws -> T {
        guard lib.isHDF5(path) > 0 else { throw DataFileError(path: path, problem: "not an NWB (HDF5) file, or a damaged one") }
        let f = lib.fileOpen(path, 0 /* H5F_ACC_RDONLY */, hid_t(H5P_DEFAULT))
        guard f >= 0 else { throw DataFileError(path: path, problem: "libhdf5 cannot open it (damaged or truncated)") }
        defer { _ = lib.fileClose(f) }
        return try body(lib, f)
    }

    /// Every group and dataset with a `neurodata_type`, in the file's name order.
    ///
    /// Listed in a child process (on Linux): `neurodata_type` is a
    /// variable-length string kept in the file's global heap, and libhdf5
    /// 1.10 trusts the sizes of a heap's objects; a damaged size made
    /// `H5Aread` copy from past the heap's buffer and segfault (the fuzzer's
    /// Tests/fuzz-regressions/crash-14aca01d80c8.rois.nwb, one byte changed).
    /// No check of ours can see that heap before libhdf5 reads it, so a
    /// crash there ends the child and is reported as a damaged file, and
    /// the child may map only 8 MiB plus 4x the file's size more than it
    /// inherited (at most 64 MiB; libhdf5's metadata cache is at most 32),
    /// so a damaged string length fails to allocate: a vlen string lives in
    /// the file's heap and cannot be longer than the file. The fork happens under the library
    /// lock, so the child's copy of libhdf5 is between calls; the child
    /// lists, writes the list to a pipe and `_exit`s.
    public static func typedObjects(path: String) throws -> [TypedObject] {
        let lib = try library(path)
        return try HDF5Reader.locked(lib) {
            #if os(Linux)
            return try listedInChild(path) { try withOpenFile(path, lib, list) }
            #else
            return try withOpenFile(path, lib, list)
            #endif
        }
    }

    /// The typed objects of the open file `f` (lock held).
    private static func list(_ lib: HDF5Library, _ f: hid_t) -> [TypedObject] {
        final class Found { var objects: [(String, Bool)] = [] }
        let found = Found()
        let visit: H5O_iterate_t = { _, name, info, op in
            if let info, let name, let op, String(cString: name) != "." {
                let t = info.pointee.type
                if t == H5O_TYPE_GROUP || t == H5O_TYPE_DATASET {
                    Unmanaged<Found>.fromOpaque(op).takeUnretainedValue().objects
                        .append(("/" + String(cString: name), t == H5O_TYPE_DATASET))
                }
            }
            return 0
        }
        _ = lib.visit(f, H5_INDEX_NAME, H5_ITER_INC, visit, Unmanaged.passUnretained(found).toOpaque(),
                      UInt32(H5O_INFO_BASIC))
        return found.objects.compactMap { name, isDataset in
            stringAttribute(lib, f, object: name, "neurodata_type").map { TypedObject(path: name, type: $0, isDataset: isDataset) }
        }
    }

    #if os(Linux)
    /// Lets this process map at most `growth` more bytes (`RLIMIT_AS`), so
    /// that a damaged length libhdf5 believes fails to allocate instead of
    /// being allocated and filled (the fuzzer's memory-f794e8054caf.rois.nwb:
    /// 140 MB of string conversion from a 43 KB file).
    private static func limitAddressSpace(growth: Int) {
        // malloc's defaults back, and the free top of the heap returned:
        // the lariat executable keeps 64 MiB of address space mapped at the
        // heap's top, which the child could fill without mapping anything.
        _ = mallopt(-2 /* M_TOP_PAD */, 128 << 10)
        _ = mallopt(-3 /* M_MMAP_THRESHOLD */, 128 << 10)
        _ = mallocTrim(0)
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return }
        var text = [UInt8](repeating: 0, count: 128)
        let n = text.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard n > 0, let pages = Int(String(decoding: text[0..<n].prefix { $0 != 0x20 }, as: UTF8.self)) else { return }
        var rl = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0 else { return }
        let wanted = rlim_t(pages * Int(sysconf(Int32(_SC_PAGESIZE))) + growth)
        rl.rlim_cur = min(rl.rlim_cur, wanted)
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &rl)
    }

    /// Runs `body` in a forked child and returns its objects; a child that
    /// dies (a signal, libhdf5 crashing) or takes over 60 s is a damaged file.
    /// The child's answer: "O" and NUL-separated triples (dataset flag,
    /// type, path), or "E" and the message of the error it threw.
    private static func listedInChild(_ path: String, _ body: () throws -> [TypedObject]) throws -> [TypedObject] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return try body() }
        let pid = fork()
        guard pid >= 0 else { close(fds[0]); close(fds[1]); return try body() }
        if pid == 0 {
            close(fds[0])
            // 8 MiB and 4x the file (its metadata, decoded), at most 64 MiB
            // (twice libhdf5's largest metadata cache).
            var st = stat()
            let size = stat(path, &st) == 0 ? Int(st.st_size) : 0
            limitAddressSpace(growth: min(64 << 20, (8 << 20) + 4 * min(size, 64 << 20)))
            var out: [UInt8]
            do {
                out = [UInt8(ascii: "O")]
                for o in try body() { out += Array("\(o.isDataset ? 1 : 0)\0\(o.type)\0\(o.path)\0".utf8) }
            } catch {
                out = [UInt8(ascii: "E")] + Array(((error as? DataFileError)?.problem ?? "\(error)").utf8)
            }
            var done = 0
            while done < out.count {
                let n = out.withUnsafeBytes { write(fds[1], $0.baseAddress! + done, $0.count - done) }
                if n <= 0 { _exit(1) }
                done += n
            }
            _exit(0)
        }
        close(fds[1])
        defer { close(fds[0]) }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = ContinuousClock.now + .seconds(60)
        var timedOut = false
        while true {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            guard left > .zero, poll(&p, 1, Int32(clamping: left.components.seconds * 1000 + 1)) > 0 else {
                timedOut = true; break
            }
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            answer += chunk[0..<n]
        }
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f, code = (status >> 8) & 0xff
        guard !timedOut, signal == 0, code == 0, let kind = answer.first else {
            throw DataFileError(path: path, problem: timedOut
                ? "listing its objects took over 60 s (a damaged file)"
                : signal != 0 ? "libhdf5 crashed (signal \(signal)) reading its objects' neurodata_type attributes (a damaged file)"
                : "listing its objects failed (a damaged file)")
        }
        let text = answer.dropFirst()
        guard kind == UInt8(ascii: "O") else {
            throw DataFileError(path: path, problem: String(decoding: text, as: UTF8.self))
        }
        let fields = text.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        guard fields.count % 3 == 0 else {
            throw DataFileError(path: path, problem: "listing its objects failed (a damaged file)")
        }
        return stride(from: 0, to: fields.count, by: 3).map {
            TypedObject(path: fields[$0 + 2], type: fields[$0 + 1], isDataset: fields[$0] == "1")
        }
    }
    #endif

    /// A string attribute of `object` (variable or fixed length), nil when absent (lock held).
    static func stringAttribute(_ lib: HDF5Library, _ f: hid_t, object: String, _ attribute: String) -> String? {
        guard lib.attributeExists(f, object, attribute, hid_t(H5P_DEFAULT)) > 0 else { return nil }
        let a = lib.attributeOpen(f, object, attribute, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard a >= 0 else { return nil }
        defer { _ = lib.attributeClose(a) }
        let type = lib.attributeType(a)
        guard type >= 0 else { return nil }
        defer { _ = lib.typeClose(type) }
        guard lib.typeClass(type) == H5T_STRING else { return nil }
        // One string: H5Aread writes every element of the attribute's
        // dataspace, and a damaged one may claim millions (the fuzzer's
        // memory-f794e8054caf.rois.nwb made libhdf5 convert 75 MB of them).
        let space = lib.attributeSpace(a)
        guard space >= 0 else { return nil }
        let elements = lib.spacePointCount(space)
        _ = lib.spaceClose(space)
        guard elements == 1 else { return nil }
        if lib.typeIsVariableString(type) > 0 {
            var p: UnsafeMutablePointer<CChar>?
            guard lib.attributeRead(a, type, &p) >= 0, let p else { return nil }
            defer { _ = lib.freeMemory(p) }
            return String(cString: p)
        }
        let size = lib.typeSize(type)
        guard size > 0, size < 1 << 20 else { return nil }
        var buffer = [CChar](repeating: 0, count: size + 1)
        guard lib.attributeRead(a, type, &buffer) >= 0 else { return nil }
        return String(cString: buffer)
    }

    /// The path of the movie `load` reads: `data` of the first
    /// TwoPhotonSeries under /acquisition.
    public static func movieDataset(path: String) throws -> String {
        let objects = try typedObjects(path: path)
        let series = objects.filter { !$0.isDataset && $0.type == "TwoPhotonSeries" }
        guard let first = series.first(where: { $0.path.hasPrefix("/acquisition/") }) ?? series.first else {
            let acquired = objects.filter { $0.path.hasPrefix("/acquisition/") && !$0.isDataset }
            throw DataFileError(path: path, problem: "has no TwoPhotonSeries" + (acquired.isEmpty ? ""
                : " (under /acquisition: \(acquired.map { "\($0.path) (\($0.type))" }.joined(separator: ", ")); choose a dataset with dataset=)"))
        }
        return first.path + "/data"
    }

    /// ROI masks `n x H x W` of a PlaneSegmentation: its `image_mask`, or
    /// its `pixel_mask` (with `pixel_mask_index`) drawn on frames of the
    /// file's TwoPhotonSeries' size. `segmentation` chooses one by path or
    /// name when the file has several.
    public static func rois(path: String, segmentation: String? = nil) throws -> NDArray {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        let objects = try typedObjects(path: path)
        let planes = objects.filter { !$0.isDataset && $0.type == "PlaneSegmentation" }
        let chosen: TypedObject
        if let s = segmentation {
            guard let p = planes.first(where: { $0.path == s || $0.path == "/" + s || $0.path.hasSuffix("/" + s) }) else {
                throw fail("has no PlaneSegmentation '\(s)'; it has: \(planes.isEmpty ? "none" : planes.map(\.path).joined(separator: ", "))")
            }
            chosen = p
        } else {
            guard !planes.isEmpty else { throw fail("has no PlaneSegmentation (no ROIs)") }
            guard planes.count == 1 else {
                throw fail("has several PlaneSegmentations; choose one with dataset=: \(planes.map(\.path).joined(separator: ", "))")
            }
            chosen = planes[0]
        }
        let names = try withFile(path) { lib, f in
            ["image_mask", "pixel_mask", "pixel_mask_index"].filter {
                lib.exists(f, chosen.path + "/" + $0, hid_t(H5P_DEFAULT)) > 0
            }
        }
        if names.contains("image_mask") {
            let reader = try HDF5Reader(path: path, dataset: chosen.path + "/image_mask")
            guard reader.shape.count == 3 else { throw fail("\(chosen.path)/image_mask has shape \(reader.shape); expected rois x H x W") }
            try MemoryBudget.checkLoad(elements: reader.shape, path: path)
            var data = [Double](repeating: 0, count: reader.shape.reduce(1, *))
            if !data.isEmpty { try data.withUnsafeMutableBufferPointer { try reader.read(rows: nil, into: $0.baseAddress!) } }
            return NDArray(shape: reader.shape, data: data)
        }
        guard names.contains("pixel_mask"), names.contains("pixel_mask_index") else {
            throw fail("\(chosen.path) has neither image_mask nor pixel_mask with pixel_mask_index")
        }
        // The frame size: the movie's, else the masks' own extent.
        var frame: [Int]?
        if let movie = try? movieDataset(path: path), let r = try? HDF5Reader(path: path, dataset: movie), r.shape.count == 3 {
            frame = [r.shape[1], r.shape[2]]
        }
        let indexReader = try HDF5Reader(path: path, dataset: chosen.path + "/pixel_mask_index")
        guard indexReader.shape.count == 1 else { throw fail("pixel_mask_index has shape \(indexReader.shape); expected one end per ROI") }
        var ends = [Double](repeating: 0, count: indexReader.shape[0])
        if !ends.isEmpty { try ends.withUnsafeMutableBufferPointer { try indexReader.read(rows: nil, into: $0.baseAddress!) } }
        let pixels = try readPixelMask(path: path, dataset: chosen.path + "/pixel_mask")
        let count = pixels.count / 3
        let n = ends.count
        var previous = 0
        for (i, e) in ends.enumerated() {
            guard e == e.rounded(), Int(exactly: e).map({ $0 >= previous && $0 <= count }) == true else {
                throw fail("pixel_mask_index[\(i)] = \(e) is not an end within the \(count) pixel_mask rows")
            }
            previous = Int(e)
        }
        if frame == nil {
            var (hx, hy) = (0, 0)
            for k in 0..<count { hx = max(hx, Int(min(pixels[3 * k], 1e9)) + 1); hy = max(hy, Int(min(pixels[3 * k + 1], 1e9)) + 1) }
            frame = [hx, hy]
        }
        let (H, W) = (frame![0], frame![1])
        try MemoryBudget.checkLoad(elements: [n, H, W], path: path)
        var masks = [Double](repeating: 0, count: n * H * W)
        var start = 0
        for i in 0..<n {
            let end = Int(ends[i])
            for k in start..<end {
                let (x, y, w) = (pixels[3 * k], pixels[3 * k + 1], pixels[3 * k + 2])
                guard x >= 0, y >= 0, x < Double(H), y < Double(W), x == x.rounded(), y == y.rounded() else {
                    throw fail("pixel_mask row \(k) (ROI \(i)) is at (\(x), \(y)), outside the \(H) x \(W) frame")
                }
                masks[i * H * W + Int(x) * W + Int(y)] = w
            }
            start = end
        }
        return NDArray(shape: [n, H, W], data: masks)
    }

    /// The (x, y, weight) rows of a pixel_mask compound dataset, flattened, as Double.
    static func readPixelMask(path: String, dataset: String) throws -> [Double] {
        try withFile(path) { lib, f in
            func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
            let d = lib.datasetOpen(f, dataset, hid_t(H5P_DEFAULT))
            guard d >= 0 else { throw fail("cannot open \(dataset)") }
            defer { _ = lib.datasetClose(d) }
            let space = lib.datasetSpace(d)
            defer { _ = lib.spaceClose(space) }
            guard lib.spaceRank(space) == 1 else { throw fail("\(dataset) is not a list of (x, y, weight) rows") }
            var n: hsize_t = 0
            _ = lib.spaceDims(space, &n, nil)
            let fileType = lib.datasetType(d)
            let cls = lib.typeClass(fileType)
            let rowBytes = lib.typeSize(fileType)
            _ = lib.typeClose(fileType)
            guard cls == H5T_COMPOUND, rowBytes > 0 else { throw fail("\(dataset) is not a compound (x, y, weight) dataset") }
            guard n <= hsize_t(Int.max / 24) else { throw fail("\(dataset) claims \(n) rows") }
            // The rows the file can hold, as HDF5Reader checks a dataset's
            // shape: uncompressed layouts store every row, chunks at most
            // Deflate's 1032:1 beyond a 64 MiB allowance for chunks never written.
            let plist = lib.createPlist(d)
            let layout = plist >= 0 ? lib.layout(plist) : H5D_LAYOUT_ERROR
            if plist >= 0 { _ = lib.plistClose(plist) }
            let stored = Int(min(lib.storageSize(d), hsize_t(Int.max / 2048)))
            guard let need = MemoryBudget.product([Int(n), rowBytes]), layout != H5D_LAYOUT_ERROR,
                  layout == H5D_CHUNKED ? need <= stored * 1032 + (64 << 20) : layout == H5D_VIRTUAL || need <= stored else {
                throw fail("\(dataset) claims \(n) rows of \(rowBytes) bytes, but the file stores \(stored) bytes for it (damaged file)")
            }
            try MemoryBudget.checkLoad(elements: [Int(n), 3], path: path)
            // libhdf5 converts each named member to a double.
            let memType = lib.typeCreate(H5T_COMPOUND, 24)
            defer { _ = lib.typeClose(memType) }
            for (k, name) in ["x", "y", "weight"].enumerated() {
                _ = lib.typeInsert(memType, name, 8 * k, lib.nativeDouble)
            }
            var rows = [Double](repeating: 0, count: Int(n) * 3)
            if n > 0 {
                guard lib.read(d, memType, hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), &rows) >= 0 else {
                    throw fail("libhdf5 cannot read \(dataset) as (x, y, weight) rows (damaged, or other member names)")
                }
            }
            return rows
        }
    }
}
