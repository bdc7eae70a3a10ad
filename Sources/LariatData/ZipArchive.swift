import Foundation

/// The ZIP container as NumPy's `.npz` uses it: named members, stored
/// (method 0) when Lariat writes them, stored or DEFLATE (method 8) when it
/// reads them, as `numpy.savez` and `numpy.savez_compressed` write them.
/// https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (4.3)
///
/// The reader checks every offset and size against the file's length before
/// it reads or allocates; ZIP64 and multi-disk archives are refused.
public enum ZipArchive {
    /// Writes `members` (name, bytes), in order, as an uncompressed archive.
    public static func write(_ members: [(name: String, bytes: [UInt8])], path: String) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for m in members {
            let name = Array(m.name.utf8)
            guard m.bytes.count < Int(UInt32.max), out.count < Int(UInt32.max) else {
                throw DataFileError(path: path, problem: "member \(m.name) is too large for a ZIP archive without ZIP64")
            }
            let crc = CRC32.checksum(m.bytes)
            let offset = UInt32(out.count)
            // Local file header (4.3.7): version 2.0, no flags, method 0, DOS time 1980-01-01.
            out.le32(0x04034b50); out.le16(20); out.le16(0); out.le16(0); out.le16(0); out.le16(0x21)
            out.le32(crc); out.le32(UInt32(m.bytes.count)); out.le32(UInt32(m.bytes.count))
            out.le16(UInt16(name.count)); out.le16(0)
            out += name
            out += m.bytes
            // Central directory entry (4.3.12).
            central.le32(0x02014b50); central.le16(20); central.le16(20); central.le16(0); central.le16(0)
            central.le16(0); central.le16(0x21)
            central.le32(crc); central.le32(UInt32(m.bytes.count)); central.le32(UInt32(m.bytes.count))
            central.le16(UInt16(name.count)); central.le16(0); central.le16(0); central.le16(0); central.le16(0)
            central.le32(0); central.le32(offset)
            central += name
        }
        let directoryOffset = UInt32(out.count)
        out += central
        // End of central directory (4.3.16).
        out.le32(0x06054b50); out.le16(0); out.le16(0)
        out.le16(UInt16(members.count)); out.le16(UInt16(members.count))
        out.le32(UInt32(central.count)); out.le32(directoryOffset); out.le16(0)
        do { try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DataFileError(path: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Every member of the archive at `path`, by name, in the archive's order.
    /// - Throws: `DataFileError` naming the member and what is wrong.
    public static func read(path: String) throws -> [(name: String, bytes: [UInt8])] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(path: path, problem: FileManager.default.fileExists(atPath: path)
                                ? "cannot read the file" : "no such file")
        }
        return try read(Array(data), path: path)
    }

    static func read(_ b: [UInt8], path: String) throws -> [(name: String, bytes: [UInt8])] {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        // The end record is the last 22 bytes plus a comment of up to 65535.
        guard b.count >= 22 else { throw fail("not a ZIP archive (\(b.count) bytes, too short)") }
        var end = -1
        var i = b.count - 22
        while i >= max(0, b.count - 22 - 65535) {
            if b[i] == 0x50, b[i + 1] == 0x4b, b[i + 2] == 5, b[i + 3] == 6 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw fail("not a ZIP archive (no end-of-directory record)") }
        let count = u16(end + 10), size = u32(end + 12), start = u32(end + 16)
        guard u16(end + 4) == 0, u16(end + 6) == 0 else { throw fail("multi-disk ZIP archives are not supported") }
        guard count != 0xFFFF, start != 0xFFFF_FFFF else { throw fail("ZIP64 archives are not supported") }
        guard start + size <= end else { throw fail("the central directory (offset \(start), \(size) bytes) lies outside the file") }
        var members: [(name: String, bytes: [UInt8])] = []
        var p = start
        for k in 0..<count {
            guard p + 46 <= start + size, u32(p) == 0x02014b50 else { throw fail("central directory entry \(k) is malformed") }
            let method = u16(p + 10), crc = UInt32(u32(p + 16)), packed = u32(p + 20), unpacked = u32(p + 24)
            let nameLength = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32), local = u32(p + 42)
            guard p + 46 + nameLength <= start + size else { throw fail("central directory entry \(k) is truncated") }
            let name = String(decoding: b[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            p += 46 + nameLength + extra + comment
            guard local + 30 <= b.count, u32(local) == 0x04034b50 else { throw fail("member \(name): its local header is missing") }
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard dataStart + packed <= b.count else {
                throw fail("member \(name): \(packed) bytes at offset \(dataStart) run past the end of the file (\(b.count) bytes)")
            }
            let raw = Array(b[dataStart..<(dataStart + packed)])
            var bytes: [UInt8]
            switch method {
            case 0:
                guard packed == unpacked else { throw fail("member \(name): stored sizes differ (\(packed) vs \(unpacked))") }
                bytes = raw
            case 8:
                // DEFLATE expands at most 1032:1; a larger claim cannot be backed.
                guard unpacked <= 1032 * packed + 1024 else {
                    throw fail("member \(name): claims \(unpacked) bytes from \(packed) compressed, more than DEFLATE can hold")
                }
                bytes = [UInt8](repeating: 0, count: unpacked)
                let ok = bytes.withUnsafeMutableBufferPointer { Inflate.raw(raw, into: $0.baseAddress!, count: unpacked) }
                guard ok else { throw fail("member \(name): its compressed data are malformed") }
            default:
                throw fail("member \(name): compression method \(method) is not supported (stored and DEFLATE are)")
            }
            guard CRC32.checksum(bytes) == crc else { throw fail("member \(name): the CRC-32 does not match (the file is damaged)") }
            members.append((name, bytes))
        }
        return members
    }
}

/// CRC-32 (ISO 3309, the polynomial 0xEDB88320 reflected), as ZIP and PNG use it.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for x in bytes { c = table[Int((c ^ UInt32(x)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { le16(UInt16(v & 0xFFFF)); le16(UInt16(v >> 16)) }
}
