import Foundation

/// A suite2p plane folder (`suite2p/plane0`): ROI masks from stat.npy,
/// which ROIs are cells from iscell.npy, the frame size from ops.npy, and
/// the fluorescence traces F.npy / Fneu.npy.
/// https://suite2p.readthedocs.io/en/latest/outputs.html
///
/// stat.npy and ops.npy are numpy object arrays, i.e. Python pickles; they
/// are read by `PickleReader`, which accepts plain data and numpy arrays
/// only, so no file can make Lariat run code.
public enum Suite2pFolder {
    /// ROI masks `n x Ly x Lx`: mask[ypix, xpix] = lam for each ROI, the
    /// cells only (iscell.npy's first column) unless `all`.
    public static func rois(folder: String, all: Bool = false) throws -> NDArray {
        let stat = try statList(folder)
        let (Ly, Lx) = try frameSize(folder, stat: stat)
        let keep = try selected(folder, count: stat.count, all: all)
        let path = folder + "/stat.npy"
        try MemoryBudget.checkLoad(elements: [keep.count, Ly, Lx], path: path)
        var masks = [Double](repeating: 0, count: keep.count * Ly * Lx)
        for (out, i) in keep.enumerated() {
            func field(_ name: String) throws -> [Double] {
                guard let v = stat[i][name]?.numbers else {
                    throw DataFileError(path: path, problem: "ROI \(i) has no numeric '\(name)'")
                }
                return v
            }
            let (y, x, lam) = (try field("ypix"), try field("xpix"), try field("lam"))
            guard y.count == x.count, lam.count == x.count else {
                throw DataFileError(path: path, problem: "ROI \(i): ypix, xpix and lam have different lengths (\(y.count), \(x.count), \(lam.count))")
            }
            for k in 0..<x.count {
                guard y[k] >= 0, x[k] >= 0, y[k] < Double(Ly), x[k] < Double(Lx), y[k] == y[k].rounded(), x[k] == x[k].rounded() else {
                    throw DataFileError(path: path, problem: "ROI \(i): pixel (\(y[k]), \(x[k])) lies outside the \(Ly) x \(Lx) frame")
                }
                masks[out * Ly * Lx + Int(y[k]) * Lx + Int(x[k])] = lam[k]
            }
        }
        return NDArray(shape: [keep.count, Ly, Lx], data: masks)
    }

    /// Traces `T x n` (time down, as Lariat's `traces`): F - neuropil x Fneu,
    /// the cells only unless `all`.
    public static func traces(folder: String, neuropil: Double = 0.7, all: Bool = false) throws -> NDArray {
        let F = try NPY.read(path: folder + "/F.npy")
        guard F.rank == 2 else { throw DataFileError(path: folder + "/F.npy", problem: "has shape \(F.shape); expected ROIs x frames") }
        var Fneu: NDArray?
        if neuropil != 0 {
            let n = try NPY.read(path: folder + "/Fneu.npy")
            guard n.shape == F.shape else {
                throw DataFileError(path: folder + "/Fneu.npy", problem: "has shape \(n.shape), F.npy has \(F.shape)")
            }
            Fneu = n
        }
        let keep = try selected(folder, count: F.shape[0], all: all)
        let T = F.shape[1]
        var out = [Double](repeating: 0, count: T * keep.count)
        for (j, i) in keep.enumerated() {
            for t in 0..<T {
                let f = F.data[i * T + t]
                out[t * keep.count + j] = Fneu.map { f - neuropil * $0.data[i * T + t] } ?? f
            }
        }
        return NDArray(shape: [T, keep.count], data: out)
    }

    /// The ROIs kept: all, or those iscell.npy marks as cells.
    static func selected(_ folder: String, count: Int, all: Bool) throws -> [Int] {
        if all { return Array(0..<count) }
        let path = folder + "/iscell.npy"
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataFileError(path: path, problem: "no such file: it says which ROIs are cells (all=true keeps every ROI)")
        }
        let iscell = try NPY.read(path: path)
        guard iscell.shape.first == count, iscell.rank <= 2 else {
            throw DataFileError(path: path, problem: "has shape \(iscell.shape); expected \(count) rows (one per ROI)")
        }
        let stride = iscell.rank == 2 ? iscell.shape[1] : 1
        return (0..<count).filter { iscell.data[$0 * stride] > 0.5 }
    }

    /// stat.npy's dicts, one per ROI.
    static func statList(_ folder: String) throws -> [PickleValue] {
        let path = folder + "/stat.npy"
        guard case .objectArray(let shape, let elements) = try objectArray(path: path), shape.count == 1 else {
            throw DataFileError(path: path, problem: "is not a list of ROIs (a 1-D object array of dicts)")
        }
        return elements
    }

    /// Ly x Lx from ops.npy, else the ROIs' extent.
    static func frameSize(_ folder: String, stat: [PickleValue]) throws -> (Int, Int) {
        let path = folder + "/ops.npy"
        if FileManager.default.fileExists(atPath: path) {
            var ops = try objectArray(path: path)
            if case .objectArray(_, let e) = ops, e.count == 1 { ops = e[0] }
            if let ly = ops["Ly"]?.numbers, let lx = ops["Lx"]?.numbers, ly.count == 1, lx.count == 1,
               ly[0] >= 1, lx[0] >= 1, ly[0] < 1e6, lx[0] < 1e6 {
                return (Int(ly[0]), Int(lx[0]))
            }
            throw DataFileError(path: path, problem: "has no usable Ly and Lx (the frame size)")
        }
        var (h, w) = (0, 0)
        for r in stat {
            h = max(h, Int(min(r["ypix"]?.numbers?.max() ?? 0, 1e6)) + 1)
            w = max(w, Int(min(r["xpix"]?.numbers?.max() ?? 0, 1e6)) + 1)
        }
        return (h, w)
    }

    /// A `.npy` holding a numpy object array (descr '|O'), read through `PickleReader`.
    static func objectArray(path: String) throws -> PickleValue {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let b = Array(data)
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let (length, start) = b[6] == 1 ? (Int(b[8]) | Int(b[9]) << 8, 10)
            : (b.count >= 12 ? Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24 : -1, 12)
        guard length >= 0, start + length <= b.count else { throw fail("truncated header") }
        let header = String(decoding: b[start..<(start + length)], as: UTF8.self)
        guard header.contains("'descr': '|O'") else { throw fail("is not a numpy object array (header \(header.trimmingCharacters(in: .whitespacesAndNewlines)))") }
        do {
            return try PickleReader.read(b, from: start + length)
        } catch let e as PickleReader.Failure {
            throw fail("byte \(e.offset): \(e.problem)")
        }
    }
}
