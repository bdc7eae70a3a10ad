import Foundation

/// Writes a movie (T x H x W) or an image (H x W) as an uncompressed,
/// little-endian, multi-page TIFF that tifffile, ImageJ and Fiji read:
/// one IFD per frame followed by its pixels, BigTIFF when the file would
/// pass 4 GB. Streams frame by frame. No tifffile `{"shape": ...}`
/// description: tifffile would take it as a promise that all frames are
/// contiguous, which pages interleaved with IFDs are not.
public enum TIFFWriter {
    /// The stored pixel type.
    public enum PixelType: Sendable {
        /// Exact for whole values in 0...65535 (out-of-range values are clipped, others rounded).
        case uint16
        /// Single precision, for anything else.
        case float32
    }

    /// `uint16` when every value is a whole number in 0...65535 (e.g. a
    /// movie loaded from a 16-bit file), else `float32`.
    public static func naturalType(for a: NDArray) -> PixelType {
        a.data.allSatisfy { $0 >= 0 && $0 <= 65535 && $0 == $0.rounded() } ? .uint16 : .float32
    }

    /// Writes `a`; `type` nil picks `naturalType(for:)`; `bigTIFF` nil
    /// picks BigTIFF only when needed.
    public static func write(_ a: NDArray, path: String, type: PixelType? = nil, bigTIFF: Bool? = nil) throws {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard a.rank == 2 || a.rank == 3 else {
            throw fail("a TIFF holds an image (H x W) or a movie (T x H x W); this array has shape \(a.shape)")
        }
        let (t, h, w) = a.rank == 3 ? (a.shape[0], a.shape[1], a.shape[2]) : (1, a.shape[0], a.shape[1])
        guard t > 0, h > 0, w > 0 else { throw fail("cannot write an empty movie of shape \(a.shape)") }
        let type = type ?? naturalType(for: a)
        let bytesPerSample = type == .uint16 ? 2 : 4
        let frameBytes = h * w * bytesPerSample
        let entries = 10
        let big = bigTIFF ?? (t * (frameBytes + 256) + 64 > Int(UInt32.max) - (1 << 20))
        let (offsetSize, entrySize, countSize) = big ? (8, 20, 8) : (4, 12, 2)
        let ifdBytes = countSize + entries * entrySize + offsetSize

        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw fail("cannot create the file (does its folder exist and is it writable?)")
        }
        defer { try? handle.close() }

        var out: [UInt8] = []
        func put(_ v: Int, _ n: Int) { for k in 0..<n { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        // Header: II, 42 (or 43, 8, 0 for BigTIFF), first IFD offset.
        out += [0x49, 0x49]
        if big { put(43, 2); put(8, 2); put(0, 2); put(16, 8) } else { put(42, 2); put(8, 4) }
        var position = out.count
        var pixels = [UInt8](repeating: 0, count: frameBytes)
        for f in 0..<t {
            let dataOffset = position + ifdBytes
            let next = f + 1 < t ? dataOffset + frameBytes : 0
            func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: Int) {
                put(tag, 2); put(type, 2); put(count, big ? 8 : 4)
                // SHORT values sit left-justified in the value field.
                put(value, offsetSize)
            }
            put(entries, countSize)
            let long = big ? 16 : 4
            entry(256, 4, 1, w)
            entry(257, 4, 1, h)
            entry(258, 3, 1, bytesPerSample * 8)
            entry(259, 3, 1, 1)
            entry(262, 3, 1, 1)
            entry(273, long, 1, dataOffset)
            entry(277, 3, 1, 1)
            entry(278, 4, 1, h)
            entry(279, long, 1, frameBytes)
            entry(339, 3, 1, type == .uint16 ? 1 : 3)
            put(next, offsetSize)
            // Pixels, little-endian.
            let base = f * h * w
            a.data.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBytes { dst in
                    if type == .uint16 {
                        for i in 0..<(h * w) {
                            let v = UInt16(min(65535, max(0, src[base + i].rounded())))
                            dst.storeBytes(of: v.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                        }
                    } else {
                        for i in 0..<(h * w) {
                            dst.storeBytes(of: Float(src[base + i]).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                        }
                    }
                }
            }
            out += pixels
            position += ifdBytes + frameBytes
            if out.count >= 1 << 22 || f == t - 1 {
                do { try handle.write(contentsOf: out) } catch {
                    throw fail("cannot write: \(error.localizedDescription)")
                }
                out.removeAll(keepingCapacity: true)
            }
        }
    }
}
