/// One TIFF image file directory (IFD): the tags of a page that say how its
/// pixels are stored. TIFF 6.0 (Adobe, 1992) and BigTIFF (64-bit offsets,
/// 20-byte entries; https://www.awaresystems.be/imaging/tiff/bigtiff.html).
struct TIFFDirectory {
    var width = 0
    var height = 0
    var bitsPerSample = 1
    /// 1 unsigned integer, 2 signed integer, 3 IEEE float.
    var sampleFormat = 1
    var samplesPerPixel = 1
    /// 1 none, 5 LZW, 7 JPEG, 8 / 32946 Deflate, 32773 PackBits, ...
    var compression = 1
    /// 1 none, 2 horizontal differencing, 3 floating-point.
    var predictor = 1
    /// 1 chunky, 2 planar.
    var planarConfiguration = 1
    /// Bit 0 set: a reduced-resolution copy (thumbnail, pyramid level).
    var subfileType = 0
    var rowsPerStrip = Int.max
    var stripOffsets: [Int] = []
    var stripByteCounts: [Int] = []
    var tileWidth = 0
    var tileLength = 0
    var tileOffsets: [Int] = []
    var tileByteCounts: [Int] = []
    /// ImageDescription (270), read for the first page only.
    var description: String?

    var isTiled: Bool { tileWidth > 0 && tileLength > 0 }
    var bytesPerSample: Int { bitsPerSample / 8 }
    var frameBytes: Int { width * height * bytesPerSample }

    /// The sample type; throws the reason when Lariat cannot read these pixels.
    func sampleType(path: String) throws -> SampleType {
        // Planar samples are separate images (tifffile stores a 3- or 4-frame
        // movie that way); interleaved ones are colour pixels.
        guard samplesPerPixel == 1 || planarConfiguration == 2 else {
            throw DataFileError(path: path, problem: "\(samplesPerPixel) interleaved samples per pixel (colour); Lariat reads single-channel images")
        }
        switch (sampleFormat, bitsPerSample) {
        case (1, 8): return (.uint8)
        case (1, 16): return (.uint16)
        case (1, 32): return (.uint32)
        case (1, 64): return (.uint64)
        case (2, 8): return (.int8)
        case (2, 16): return (.int16)
        case (2, 32): return (.int32)
        case (2, 64): return (.int64)
        case (3, 32): return (.float32)
        case (3, 64): return (.float64)
        default:
            let kind = [1: "unsigned integer", 2: "signed integer", 3: "floating-point"][sampleFormat] ?? "sample format \(sampleFormat)"
            throw DataFileError(path: path, problem: "\(bitsPerSample)-bit \(kind) pixels are not supported (Lariat reads 8/16/32/64-bit integers and 32/64-bit floats)")
        }
    }

    /// The name of a compression scheme for messages.
    static func compressionName(_ c: Int) -> String {
        switch c {
        case 1: return "none"
        case 2: return "CCITT RLE"
        case 3, 4: return "CCITT fax"
        case 5: return "LZW"
        case 6, 7: return "JPEG"
        case 8, 32946: return "Deflate"
        case 32773: return "PackBits"
        case 34887, 34925, 50000: return "LZMA/Zstd"
        case 34933, 34934: return "PNG/JPEG XR"
        case 50001: return "WebP"
        default: return "code \(c)"
        }
    }
}
