import Foundation

/// `.npy` images in memory: the members of an `.npz`-style archive
/// (`ZipArchive`), written and read without touching the file system.
extension NPY {
    /// The element types Lariat writes.
    public enum Element { case float64([Double]), float32([Float]), uint8([UInt8]) }

    /// `.npy` bytes (version 1.0, little-endian, C order) of `values` with `shape`.
    public static func bytes(_ values: Element, shape: [Int]) -> [UInt8] {
        let (descr, count): (String, Int)
        switch values {
        case .float64(let v): (descr, count) = ("<f8", v.count)
        case .float32(let v): (descr, count) = ("<f4", v.count)
        case .uint8(let v): (descr, count) = ("|u1", v.count)
        }
        precondition(shape.reduce(1, *) == count, "NPY.bytes: shape \(shape) does not hold \(count) values")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        out.le16(UInt16(header.utf8.count))
        out += Array(header.utf8)
        switch values {
        case .float64(let v): for x in v { let b = x.bitPattern; for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: b >> (8 * UInt64(k)))) } }
        case .float32(let v): for x in v { out.le32(x.bitPattern) }
        case .uint8(let v): out += v
        }
        return out
    }

    /// The array in `.npy` bytes, as Double in C order (float32 and integer
    /// values are exact in Double). `name` is used in errors.
    public static func array(from bytes: [UInt8], name: String) throws -> NDArray {
        let h: Header
        do { h = try parseHeader(Data(bytes), path: name) } catch let e as FormatError {
            throw DataFileError(path: e.path, problem: e.problem)
        }
        var count = 1
        for d in h.shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataFileError(path: name, problem: "shape \(h.shape) is too large") }
            count = c
        }
        let (size, o1) = count.multipliedReportingOverflow(by: h.elementSize)
        let (need, o2) = h.dataOffset.addingReportingOverflow(size)
        guard !o1, !o2, need <= bytes.count else {
            throw DataFileError(path: name, problem: "truncated: shape \(h.shape) needs more bytes than the \(bytes.count) present")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                decode(UnsafeRawBufferPointer(rebasing: raw[h.dataOffset ..< need]), dtype: h.dtype,
                       bigEndian: h.bigEndian, count: count, into: out.baseAddress!)
            }
        }
        if h.fortranOrder && h.shape.count > 1 { values = fortranToC(values, shape: h.shape) }
        return NDArray(shape: h.shape, data: values)
    }
}
