import Foundation

/// NumPy's `.npy` format (version 1.0-3.0): a magic string, a Python-dict
/// header giving dtype, order and shape, then the raw values.
/// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum NPY {
    /// Errors name the file and what is wrong with it.
    public struct FormatError: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// The element types Lariat reads, by their numpy `descr`.
    enum DType: String {
        case f8 = "f8", f4 = "f4", i2 = "i2", u2 = "u2", i4 = "i4", u4 = "u4",
             i8 = "i8", u8 = "u8", i1 = "i1", u1 = "u1", b1 = "b1"
        var size: Int {
            switch self {
            case .f8, .i8, .u8: return 8
            case .f4, .i4, .u4: return 4
            case .i2, .u2: return 2
            case .i1, .u1, .b1: return 1
            }
        }
    }

    /// The parsed header: what the data after it holds.
    public struct Header {
        var dtype: DType
        var bigEndian: Bool
        public var fortranOrder: Bool
        public var shape: [Int]
        public var dataOffset: Int
        public var elementSize: Int { dtype.size }
        /// The bytes of data the shape needs, or nil when that overflows.
        public var dataBytes: Int? { MemoryBudget.product(shape + [elementSize]) }
        public var dtypeName: String { dtype.rawValue }
    }

    /// Parses the header of `.npy` bytes.
    public static func parseHeader(_ bytes: Data, path: String) throws -> Header {
        func fail(_ s: String) -> FormatError { FormatError(path: path, problem: s) }
        guard bytes.count >= 10, bytes.prefix(6) == Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {
            throw fail("not a .npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = bytes[bytes.startIndex + 6]
        let base = bytes.startIndex
        let headerLength: Int
        let start: Int
        if major == 1 {
            headerLength = Int(bytes[base + 8]) | Int(bytes[base + 9]) << 8
            start = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[base + 8 + $1]) << (8 * $1) }
            start = 12
        } else {
            throw fail("unsupported .npy version \(major)")
        }
        guard bytes.count >= start + headerLength else { throw fail("truncated header") }
        guard let text = String(data: bytes.subdata(in: base + start ..< base + start + headerLength),
                                encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not text")
        }
        guard let descr = field("descr", in: text), let order = field("fortran_order", in: text),
              let shapeText = field("shape", in: text) else {
            throw fail("header lacks descr, fortran_order or shape: \(text)")
        }
        let d = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard let first = d.first else { throw fail("empty dtype") }
        let bigEndian = first == ">"
        let code = (first == "<" || first == ">" || first == "|" || first == "=") ? String(d.dropFirst()) : d
        guard let dtype = DType(rawValue: code) else {
            throw fail("unsupported dtype '\(d)' (Lariat reads float64/32, int8/16/32/64, uint8/16/32/64, bool)")
        }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for dim in dims {
            guard let n = Int(dim), n >= 0 else { throw fail("bad shape '\(shapeText)'") }
            shape.append(n)
        }
        return Header(dtype: dtype, bigEndian: bigEndian, fortranOrder: order.contains("True"),
                      shape: shape, dataOffset: start + headerLength)
    }

    /// The text after `'key':` up to the next top-level comma or brace.
    private static func field(_ key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var out = ""
        for c in header[r.upperBound...] {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            out.append(c)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Converts `count` elements of raw little/big-endian data to Double.
    static func decode(_ raw: UnsafeRawBufferPointer, dtype: DType, bigEndian: Bool, count: Int,
                       into out: UnsafeMutablePointer<Double>) {
        @inline(__always) func load<T: FixedWidthInteger>(_ t: T.Type, _ i: Int) -> T {
            let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
            return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
        }
        switch dtype {
        case .f8: for i in 0..<count { out[i] = Double(bitPattern: load(UInt64.self, i)) }
        case .f4: for i in 0..<count { out[i] = Double(Float(bitPattern: load(UInt32.self, i))) }
        case .i2: for i in 0..<count { out[i] = Double(load(Int16.self, i)) }
        case .u2: for i in 0..<count { out[i] = Double(load(UInt16.self, i)) }
        case .i4: for i in 0..<count { out[i] = Double(load(Int32.self, i)) }
        case .u4: for i in 0..<count { out[i] = Double(load(UInt32.self, i)) }
        case .i8: for i in 0..<count { out[i] = Double(load(Int64.self, i)) }
        case .u8: for i in 0..<count { out[i] = Double(load(UInt64.self, i)) }
        case .i1: for i in 0..<count { out[i] = Double(load(Int8.self, i)) }
        case .u1, .b1: for i in 0..<count { out[i] = Double(load(UInt8.self, i)) }
        }
    }

    /// Reads a whole `.npy` file as an `NDArray` (converted to Double, C order).
    public static func read(path: String) throws -> NDArray {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw FormatError(path: path, problem: FileManager.default.fileExists(atPath: path)
                              ? "cannot read the file" : "no such file")
        }
        let h = try parseHeader(bytes, path: path)
        guard let count = MemoryBudget.product(h.shape), let need = h.dataBytes.flatMap({ MemoryBudget.sum(h.dataOffset, $0) }),
              bytes.count >= need else {
            let size = h.dataBytes.map { "\(h.dataOffset + $0) bytes" } ?? "more bytes than can be counted"
            throw FormatError(path: path, problem: "truncated: shape \(h.shape) needs \(size), the file has \(bytes.count)")
        }
        try MemoryBudget.checkLoad(elements: h.shape, path: path)
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                decode(UnsafeRawBufferPointer(rebasing: raw[h.dataOffset ..< need]), dtype: h.dtype,
                       bigEndian: h.bigEndian, count: count, into: out.baseAddress!)
            }
        }
        if h.fortranOrder && h.shape.count > 1 {
            values = fortranToC(values, shape: h.shape)
        }
        return NDArray(shape: h.shape, data: values)
    }

    /// Reorders column-major values into row-major.
    static func fortranToC(_ v: [Double], shape: [Int]) -> [Double] {
        let n = shape.count
        var fStrides = [Int](repeating: 1, count: n)
        for i in 1..<n { fStrides[i] = fStrides[i - 1] * shape[i - 1] }
        var out = [Double](repeating: 0, count: v.count)
        var index = [Int](repeating: 0, count: n)
        for c in 0..<v.count {
            var f = 0
            for i in 0..<n { f += index[i] * fStrides[i] }
            out[c] = v[f]
            var k = n - 1
            while k >= 0 { index[k] += 1; if index[k] < shape[k] { break }; index[k] = 0; k -= 1 }
        }
        return out
    }

    /// A version 1.0 header for a C-order array of `descr` (e.g. `<f8`).
    static func header(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so the data starts on a 64-byte boundary, ending in a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let len = UInt16(header.utf8.count)
        data.append(UInt8(len & 0xff)); data.append(UInt8(len >> 8))
        data.append(header.data(using: .ascii)!)
        return data
    }

    /// Writes a movie in its own type (uint8, uint16, int16, else float32;
    /// a lazy movie in its file's type when that is one of these), a window
    /// at a time, so a long or lazy movie is never held as float64.
    public static func write(_ movie: Movie, path: String) throws {
        let (descr, size): (String, Int)
        switch movie.elementType {
        case "uint8": (descr, size) = ("|u1", 1)
        case "uint16": (descr, size) = ("<u2", 2)
        case "int16": (descr, size) = ("<i2", 2)
        default: (descr, size) = ("<f4", 4)
        }
        // Written beside the target and renamed when whole: a failed read
        // (a lazy movie's file cut short) leaves any earlier file as it was.
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: header(descr: descr, shape: movie.shape)),
              let out = FileHandle(forWritingAtPath: partial) else {
            throw FormatError(path: path, problem: "cannot write (no such folder, or no permission)")
        }
        var done = false
        defer {
            try? out.close()
            if !done { try? FileManager.default.removeItem(atPath: partial) }
        }
        do {
            try out.seekToEnd()
            try movie.forEachWindow(movie.streamingWindow) { _, values in
                var bytes = Data(count: values.count * size)
                bytes.withUnsafeMutableBytes { raw in
                    switch size {
                    case 1: for (i, v) in values.enumerated() { raw[i] = UInt8(v) }
                    case 2 where descr == "<u2":
                        let p = raw.bindMemory(to: UInt16.self)
                        for (i, v) in values.enumerated() { p[i] = UInt16(v).littleEndian }
                    case 2:
                        let p = raw.bindMemory(to: Int16.self)
                        for (i, v) in values.enumerated() { p[i] = Int16(v).littleEndian }
                    default:
                        let p = raw.bindMemory(to: UInt32.self)
                        for (i, v) in values.enumerated() { p[i] = v.bitPattern.littleEndian }
                    }
                }
                try out.write(contentsOf: bytes)
            }
            try out.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            done = true
        } catch let e as DataFileError {
            throw FormatError(path: path, problem: "not written: \(e.description)")
        } catch {
            throw FormatError(path: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes `array` as little-endian float64 (`<f8`), C order, version 1.0.
    public static func write(_ array: NDArray, path: String) throws {
        var data = header(descr: "<f8", shape: array.shape)
        array.data.withUnsafeBufferPointer { buf in
            var le = buf.map { $0.bitPattern.littleEndian }
            data.append(Data(bytes: &le, count: le.count * 8))
        }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw FormatError(path: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }
}
