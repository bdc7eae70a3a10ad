import Foundation

/// Saves arrays by extension: `.npy` (float64, C order), `.csv` (a matrix
/// as rows of comma-separated values, a vector one value per line; whole
/// values without a decimal point, others in shortest round-trip form),
/// `.tif`/`.tiff` (an image or movie; uint16 when every value is a whole
/// number in 0...65535, else float32). Figures are saved by the figure code.
public enum ArraySaver {
    public static let extensions = ["npy", "csv", "tif", "tiff"]

    public static func save(_ a: NDArray, path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "npy":
            do { try NPY.write(a, path: path) } catch let e as NPY.FormatError {
                throw DataFileError(path: e.path, problem: e.problem)
            }
        case "csv":
            try writeCSV(a, path: path)
        case "tif", "tiff":
            try TIFFWriter.write(a, path: path)
        default:
            throw DataFileError(path: path, problem: ext.isEmpty
                ? "has no extension; arrays save to .npy, .csv or .tif"
                : "unknown extension '.\(ext)'; arrays save to .npy, .csv or .tif")
        }
    }

    /// One number as CSV text numpy's `loadtxt` reads back exactly.
    public static func csvText(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func writeCSV(_ a: NDArray, path: String) throws {
        let (rows, cols): (Int, Int)
        switch a.rank {
        case 0: (rows, cols) = (1, 1)
        case 1: (rows, cols) = (a.shape[0], 1)
        case 2: (rows, cols) = (a.shape[0], a.shape[1])
        default:
            throw DataFileError(path: path, problem: "CSV holds a vector or a matrix; this array has shape \(a.shape) (save movies to .npy or .tif)")
        }
        var text = ""
        text.reserveCapacity(a.count * 12)
        for r in 0..<rows {
            for c in 0..<cols {
                if c > 0 { text += "," }
                text += csvText(a.data[r * cols + c])
            }
            text += "\n"
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw DataFileError(path: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }
}
