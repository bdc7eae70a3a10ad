import CHDF5  // types and constants; the functions come from HDF5Library
import Foundation

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
        return try HDF5Reader.locked(lib) {
            guard lib.isHDF5(path) > 0 else { throw DataFileError(path: path, problem: "not an NWB (HDF5) file, or a damaged one") }
            let f = lib.fileOpen(path, 0 /* H5F_ACC_RDONLY */, hid_t(H5P_DEFAULT))
            guard f >= 0 else { throw DataFileError(path: path, problem: "libhdf5 cannot open it (damaged or truncated)") }
            defer { _ = lib.fileClose(f) }
            return try body(lib, f)
        }
    }

    /// Every group and dataset with a `neurodata_type`, in the file's name order.
    public static func typedObjects(path: String) throws -> [TypedObject] {
        try withFile(path) { lib, f in
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
    }

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
            _ = lib.typeClose(fileType)
            guard cls == H5T_COMPOUND else { throw fail("\(dataset) is not a compound (x, y, weight) dataset") }
            guard n <= hsize_t(Int.max / 24) else { throw fail("\(dataset) claims \(n) rows") }
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
