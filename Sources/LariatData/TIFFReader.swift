import Foundation

/// Reads multi-page TIFF movies without libtiff: classic and BigTIFF,
/// either byte order, strips or tiles, uncompressed, PackBits, LZW or
/// Deflate (with horizontal predictor), 8/16/32/64-bit integer and 32/64-bit float
/// single-channel pages — as tifffile, ImageJ and ScanImage write them.
///
/// Pages are the frames, in file order; reduced-resolution pages
/// (NewSubfileType bit 0) are skipped. ImageJ hyperstacks above 4 GB, and
/// tifffile's `imagej=True` / truncated files, may hold a single IFD with
/// all frames stored contiguously after it: the `images=` entry of the
/// ImageJ description (or tifffile's `"shape"`) gives the count, and the
/// file size is checked against it. Hyperstack channels and slices are
/// flattened into the frame axis in file order.
/// TODO: JPEG, LZMA/Zstd and floating-point-predictor files are refused
/// with a message; planar multi-sample pages are refused.
final class TIFFReader: FrameSource {
    let path: String
    private let file: RandomAccessFile
    private let bigEndian: Bool
    private let bigTIFF: Bool
    /// The frames' directories (one per page, or one for contiguous ImageJ data).
    private(set) var pages: [TIFFDirectory] = []
    /// Frames stored back to back after the single IFD (ImageJ / truncated), or nil.
    private(set) var contiguousFrames: Int?
    private(set) var type: SampleType = .uint8
    /// Why a page cannot be read (strips or tiles outside the file, too
    /// few, or too small for its pixels), by page index: thrown when a
    /// frame on that page is read.
    private var pageProblems: [Int: DataFileError] = [:]
    var width: Int { pages[0].width }
    var height: Int { pages[0].height }
    /// Planes per page (planar samples), each a frame.
    var planes: Int { pages[0].samplesPerPixel }
    var frameCount: Int { contiguousFrames ?? pages.count * planes }

    init(path: String) throws {
        self.path = path
        file = try RandomAccessFile(path: path)
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard file.size >= 8 else { throw fail("truncated: \(file.size) bytes is too short for a TIFF header") }
        let head = try file.bytes(count: min(16, file.size), at: 0, what: "the header")
        switch (head[0], head[1]) {
        case (0x49, 0x49): bigEndian = false
        case (0x4D, 0x4D): bigEndian = true
        default: throw fail("not a TIFF file (it does not start with II or MM)")
        }
        let magic = bigEndian ? Int(head[2]) << 8 | Int(head[3]) : Int(head[3]) << 8 | Int(head[2])
        var first: Int
        switch magic {
        case 42:
            bigTIFF = false
            first = TIFFReader.integer(head, at: 4, size: 4, bigEndian: bigEndian)
        case 43:
            bigTIFF = true
            guard head.count >= 16 else { throw fail("truncated: BigTIFF header needs 16 bytes") }
            first = TIFFReader.integer(head, at: 8, size: 8, bigEndian: bigEndian)
        default:
            throw fail("not a TIFF file (version \(magic), expected 42 or 43 for BigTIFF)")
        }

        // Walk the IFD chain; a revisited offset is a loop in a damaged file.
        // Directories and the arrays their tags point to do not overlap in
        // a well-formed file, so together they hold at most the file's
        // bytes: a budget that stops a damaged file from making the reader
        // collect more values than it has bytes.
        var visited = Set<Int>()
        var index = 0
        var budget = file.size
        while first != 0 {
            guard visited.insert(first).inserted else { throw fail("IFD chain loops back to offset \(first) (damaged file)") }
            let (dir, next) = try readDirectory(at: first, page: index, budget: &budget)
            if dir.subfileType & 1 == 0 { pages.append(dir) }
            first = next
            index += 1
        }
        guard let p0 = pages.first else { throw fail("contains no full-resolution image") }
        guard p0.width > 0, p0.height > 0 else { throw fail("page 0 has no size (width \(p0.width), height \(p0.height))") }
        type = try p0.sampleType(path: path)
        guard p0.samplesPerPixel >= 1 else { throw fail("page 0 has \(p0.samplesPerPixel) samples per pixel (damaged file)") }
        guard let frameBytes = MemoryBudget.product([p0.width, p0.height, p0.bytesPerSample]) else {
            throw fail("page 0 claims \(p0.height) x \(p0.width) pixels, more than can be counted (damaged file)")
        }
        for (i, p) in pages.enumerated().dropFirst() where p.width != p0.width || p.height != p0.height || p.bitsPerSample != p0.bitsPerSample || p.sampleFormat != p0.sampleFormat || p.samplesPerPixel != p0.samplesPerPixel {
            throw fail("page \(i) is \(p.height) x \(p.width), \(p.bitsPerSample)-bit, but page 0 is \(p0.height) x \(p0.width), \(p0.bitsPerSample)-bit; Lariat reads movies whose pages agree")
        }
        // Together the pages cannot decode to more than the file's bytes at
        // the largest ratio their codecs reach; each page's strips or tiles
        // must lie inside the file and be able to hold its pixels. Checked
        // here, before the caller sizes its result by them. A page that
        // fails is refused when it is read, so `frames=` still reads the
        // pages before a damaged one.
        var worst = 1
        for (i, p) in pages.enumerated() {
            do {
                try checkStorage(p, page: i)
            } catch let e as DataFileError {
                if i == 0 && !TIFFReader.decodable(p) { throw e }  // e.g. JPEG: say so, not "too small"
                pageProblems[i] = e
            }
            worst = max(worst, TIFFReader.maxExpansion(p.compression))
        }
        guard let decoded = MemoryBudget.product([pages.count, p0.samplesPerPixel, frameBytes]),
              let capacity = MemoryBudget.product(file.size, worst), decoded <= capacity else {
            let size = MemoryBudget.product([pages.count, p0.samplesPerPixel, frameBytes]).map(MemoryBudget.format) ?? "more bytes than can be counted"
            throw fail("its \(pages.count) pages of \(p0.height) x \(p0.width) x \(p0.samplesPerPixel) claim \(size) of pixels, more than its \(file.size) bytes can hold (damaged file)")
        }
        if pages.count == 1, p0.samplesPerPixel == 1, let n = TIFFReader.declaredFrames(p0.description, frameSize: p0.width * p0.height), n > 1 {
            // All frames contiguous after the first page's data.
            guard p0.compression == 1, !p0.isTiled, p0.samplesPerPixel == 1, let start = p0.stripOffsets.first,
                  TIFFReader.stripsAreContiguous(p0) else {
                throw fail("declares \(n) images in one IFD but its first page is not stored as one uncompressed block")
            }
            guard let need = MemoryBudget.product(n, frameBytes).flatMap({ MemoryBudget.sum(start, $0) }), file.size >= need else {
                let size = MemoryBudget.product(n, frameBytes).map { "\($0) bytes" } ?? "more bytes than can be counted"
                throw fail("truncated: its description declares \(n) frames of \(p0.height) x \(p0.width) (\(size) after offset \(start)), the file has \(file.size)")
            }
            contiguousFrames = n
        }
    }

    /// The most bytes one stored byte can decode to under a compression:
    /// PackBits repeats a byte at most 128 times for a 2-byte run (TIFF 6.0
    /// section 9); a 9-bit LZW code stands for at most 4096 bytes (section
    /// 13); a DEFLATE match of 258 bytes costs at least 2 bits (RFC 1951),
    /// hence zlib's 1032:1.
    static func maxExpansion(_ compression: Int) -> Int {
        switch compression {
        case 32773: return 64
        case 5: return 4096 * 8 / 9 + 1
        case 8, 32946: return 1032
        default: return 1
        }
    }

    /// Whether Lariat has a decoder for the page's compression and predictor.
    static func decodable(_ p: TIFFDirectory) -> Bool {
        [1, 5, 8, 32946, 32773].contains(p.compression) && (p.predictor == 1 || (p.predictor == 2 && p.compression != 1))
    }

    /// Checks that page `i`'s strips or tiles lie inside the file and can
    /// hold its pixels. Throws for what `readPage` could not read.
    private func checkStorage(_ p: TIFFDirectory, page i: Int) throws {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard [1, 5, 8, 32946, 32773].contains(p.compression) else {
            throw fail("compression \(TIFFDirectory.compressionName(p.compression)) (\(p.compression)) is not supported; save uncompressed")
        }
        guard p.predictor == 1 || (p.predictor == 2 && p.compression != 1) else {
            throw fail("predictor \(p.predictor) (\(p.predictor == 3 ? "floating point" : "unknown")) is not supported; save uncompressed")
        }
        let planes = p.samplesPerPixel
        let compressed = p.compression != 1
        let expansion = TIFFReader.maxExpansion(p.compression)
        // One block (strip or tile) `k`: inside the file, and large enough.
        func block(_ k: Int, offsets: [Int], counts: [Int], decodes: Int, what: String) throws {
            let offset = offsets[k]
            if compressed {
                let stored = counts[k]
                try file.checkRange(count: stored, at: offset, what: "\(what) of page \(i)")
                guard let most = MemoryBudget.product(stored, expansion), decodes <= most else {
                    throw fail("\(what) of page \(i) has \(stored) stored bytes, too few to hold its \(decodes) bytes of pixels (damaged file)")
                }
            } else {
                try file.checkRange(count: decodes, at: offset, what: "\(what) of page \(i)")
            }
        }
        let rowBytes = p.width * p.bytesPerSample
        if !p.isTiled {
            let rows = p.rowsPerStrip
            let strips = (p.height - 1) / rows + 1
            guard let need = MemoryBudget.product(strips, planes), p.stripOffsets.count >= need,
                  !compressed || p.stripByteCounts.count >= need else {
                throw fail("page \(i) lists \(p.stripOffsets.count) strips (\(p.stripByteCounts.count) byte counts), its \(p.height) rows x \(planes) planes need \(strips * max(planes, 0))")
            }
            for k in 0..<need {
                let s = k % strips
                try block(k, offsets: p.stripOffsets, counts: p.stripByteCounts,
                          decodes: min(rows, p.height - s * rows) * rowBytes, what: "strip \(k)")
            }
            return
        }
        guard p.tileWidth > 0, p.tileLength > 0,
              let tileBytes = MemoryBudget.product([p.tileWidth, p.tileLength, p.bytesPerSample]) else {
            throw fail("page \(i) has tiles of \(p.tileLength) x \(p.tileWidth), too large (damaged file)")
        }
        let across = (p.width - 1) / p.tileWidth + 1, down = (p.height - 1) / p.tileLength + 1
        guard let need = MemoryBudget.product([across, down, planes]), p.tileOffsets.count >= need,
              !compressed || p.tileByteCounts.count >= need else {
            throw fail("page \(i) lists \(p.tileOffsets.count) tiles (\(p.tileByteCounts.count) byte counts), it needs \(across * down) x \(planes) planes")
        }
        for k in 0..<need {
            try block(k, offsets: p.tileOffsets, counts: p.tileByteCounts, decodes: tileBytes, what: "tile \(k)")
        }
    }

    /// Frames declared by an ImageJ (`images=N`) or tifffile (`{"shape": [...]}`) description.
    static func declaredFrames(_ description: String?, frameSize: Int) -> Int? {
        guard let d = description else { return nil }
        if d.hasPrefix("ImageJ=") {
            for line in d.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where line.hasPrefix("images=") {
                return Int(line.dropFirst("images=".count).trimmingCharacters(in: .whitespaces))
            }
            return nil
        }
        if d.hasPrefix("{"), let r = d.range(of: "\"shape\":") {
            let rest = d[r.upperBound...]
            guard let open = rest.firstIndex(of: "["), let close = rest.firstIndex(of: "]") else { return nil }
            let dims = rest[rest.index(after: open)..<close].split(separator: ",")
                .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let total = MemoryBudget.product(dims), frameSize > 0, total % frameSize == 0 else { return nil }
            return total / frameSize
        }
        return nil
    }

    static func stripsAreContiguous(_ p: TIFFDirectory) -> Bool {
        guard p.stripOffsets.count == p.stripByteCounts.count, !p.stripOffsets.isEmpty else { return false }
        for s in 1..<p.stripOffsets.count where MemoryBudget.sum(p.stripOffsets[s - 1], p.stripByteCounts[s - 1]) != p.stripOffsets[s] {
            return false
        }
        var total = 0
        for c in p.stripByteCounts {
            guard let t = MemoryBudget.sum(total, c) else { return false }
            total = t
        }
        return total >= p.frameBytes
    }

    // MARK: - Directories

    static func integer(_ b: [UInt8], at i: Int, size: Int, bigEndian: Bool) -> Int {
        var v: UInt64 = 0
        if bigEndian {
            for k in 0..<size { v = v << 8 | UInt64(b[i + k]) }
        } else {
            for k in stride(from: size - 1, through: 0, by: -1) { v = v << 8 | UInt64(b[i + k]) }
        }
        return Int(truncatingIfNeeded: v)
    }

    private static let typeSizes: [Int: Int] = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4,
                                                10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8]

    /// Parses the IFD at `offset`; returns it and the next IFD's offset.
    /// `budget` is the file's bytes not yet claimed by a directory or an
    /// array of tag values; a damaged file that claims more throws.
    private func readDirectory(at offset: Int, page: Int, budget: inout Int) throws -> (TIFFDirectory, Int) {
        let countSize = bigTIFF ? 8 : 2, entrySize = bigTIFF ? 20 : 12, valueSize = bigTIFF ? 8 : 4
        let what = "the directory of page \(page)"
        func claim(_ bytes: Int, _ what: @autoclosure () -> String) throws {
            guard bytes <= budget else {
                throw DataFileError(path: path, problem: "\(what()) claims \(bytes) bytes, more than the file's \(file.size) bytes hold beside the directories before it (damaged file)")
            }
            budget -= bytes
        }
        let countBytes = try file.bytes(count: countSize, at: offset, what: what)
        let n = TIFFReader.integer(countBytes, at: 0, size: countSize, bigEndian: bigEndian)
        guard n > 0, n < 10_000 else {
            throw DataFileError(path: path, problem: "the directory of page \(page) at offset \(offset) claims \(n) entries (damaged file)")
        }
        try claim(countSize + n * entrySize + valueSize, what)
        let b = try file.bytes(count: n * entrySize + valueSize, at: offset + countSize, what: what)
        var d = TIFFDirectory()
        for e in 0..<n {
            let at = e * entrySize
            let tag = TIFFReader.integer(b, at: at, size: 2, bigEndian: bigEndian)
            let type = TIFFReader.integer(b, at: at + 2, size: 2, bigEndian: bigEndian)
            let count = TIFFReader.integer(b, at: at + 4, size: bigTIFF ? 8 : 4, bigEndian: bigEndian)
            let field = at + (bigTIFF ? 12 : 8)
            guard let size = TIFFReader.typeSizes[type], count >= 0, count < 1 << 40 else { continue }
            // The values: inline when they fit in the value field, else at an offset.
            func values() throws -> [Int] {
                guard type != 2, type != 5, type != 10, type != 11, type != 12 else { return [] }
                let total = size * count
                let raw: [UInt8]
                var base = 0
                if total <= valueSize {
                    raw = b; base = field
                } else {
                    let o = TIFFReader.integer(b, at: field, size: valueSize, bigEndian: bigEndian)
                    try claim(total, "tag \(tag) of page \(page)")
                    raw = try file.bytes(count: total, at: o, what: "tag \(tag) of page \(page)")
                }
                return (0..<count).map { TIFFReader.integer(raw, at: base + $0 * size, size: size, bigEndian: bigEndian) }
            }
            func scalar() throws -> Int { try values().first ?? 0 }
            switch tag {
            case 254: d.subfileType = try scalar()
            case 256: d.width = try scalar()
            case 257: d.height = try scalar()
            case 258: d.bitsPerSample = try scalar()
            case 259: d.compression = try scalar()
            case 270 where page == 0 && type == 2:
                let total = count
                let raw: [UInt8]
                if total <= valueSize {
                    raw = Array(b[field ..< field + total])
                } else {
                    let o = TIFFReader.integer(b, at: field, size: valueSize, bigEndian: bigEndian)
                    raw = try file.bytes(count: min(total, 1 << 20), at: o, what: "the description of page 0")
                }
                d.description = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            case 273: d.stripOffsets = try values()
            case 277: d.samplesPerPixel = try scalar()
            case 278: d.rowsPerStrip = try scalar()
            case 279: d.stripByteCounts = try values()
            case 284: d.planarConfiguration = try scalar()
            case 317: d.predictor = try scalar()
            case 322: d.tileWidth = try scalar()
            case 323: d.tileLength = try scalar()
            case 324: d.tileOffsets = try values()
            case 325: d.tileByteCounts = try values()
            case 339: d.sampleFormat = try scalar()
            default: break
            }
        }
        if d.rowsPerStrip <= 0 || d.rowsPerStrip > d.height { d.rowsPerStrip = max(d.height, 1) }
        // Pixel-describing tags read from 8-byte fields may hold anything.
        guard d.width >= 0, d.height >= 0, d.tileWidth >= 0, d.tileLength >= 0 else {
            throw DataFileError(path: path, problem: "page \(page) has a negative size (width \(d.width), height \(d.height), tiles \(d.tileLength) x \(d.tileWidth); damaged file)")
        }
        let next = TIFFReader.integer(b, at: n * entrySize, size: valueSize, bigEndian: bigEndian)
        return (d, next)
    }

    // MARK: - Pixels

    var sampleType: SampleType { type }

    func readFrames(_ range: Range<Int>, _ body: (Int, UnsafeRawPointer, SampleType) throws -> Void) throws {
        let frameBytes = pages[0].frameBytes
        let buffer = FrameBuffer(bytes: frameBytes)
        let scratch = FrameBuffer(bytes: 0)
        let swap = bigEndian == hostIsLittleEndian && type.size > 1
        file.adviseSequential()
        for (i, t) in range.enumerated() {
            if let problem = pageProblems[contiguousFrames != nil ? 0 : t / planes] { throw problem }
            if contiguousFrames != nil {
                try file.read(into: buffer.pointer, count: frameBytes, at: pages[0].stripOffsets[0] + t * frameBytes,
                              what: "frame \(t)")
            } else {
                try readPage(pages[t / planes], plane: t % planes, index: t, into: buffer.pointer, scratch: scratch)
            }
            if swap { swapByteOrder(buffer.pointer, size: type.size, count: width * height) }
            try body(i, buffer.pointer, type)
        }
    }

    /// Reads one page's pixels (of one plane), row-major and tightly packed, into `out`.
    private func readPage(_ p: TIFFDirectory, plane: Int, index t: Int, into out: UnsafeMutableRawPointer,
                          scratch: FrameBuffer) throws {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        let bps = p.bytesPerSample
        let rowBytes = p.width * bps
        guard [1, 5, 8, 32946, 32773].contains(p.compression) else {
            throw fail("compression \(TIFFDirectory.compressionName(p.compression)) (\(p.compression)) is not supported; save uncompressed")
        }
        guard p.predictor == 1 || (p.predictor == 2 && p.compression != 1) else {
            throw fail("predictor \(p.predictor) (\(p.predictor == 3 ? "floating point" : "unknown")) is not supported; save uncompressed")
        }
        if !p.isTiled {
            let strips = (p.height + p.rowsPerStrip - 1) / p.rowsPerStrip
            let first = plane * strips
            guard p.stripOffsets.count >= first + strips, p.stripByteCounts.count >= first + strips || p.compression == 1 else {
                throw fail("frame \(t) lists \(p.stripOffsets.count) strips, its \(p.height) rows x \(p.samplesPerPixel) planes need \(strips * p.samplesPerPixel)")
            }
            let stripOffsets = Array(p.stripOffsets[first ..< first + strips])
            let stripByteCounts = p.compression == 1 ? [] : Array(p.stripByteCounts[first ..< first + strips])
            if p.compression == 1 {
                // Merge strips that follow each other in the file into one read.
                func stripBytes(_ s: Int) -> Int { min(p.rowsPerStrip, p.height - s * p.rowsPerStrip) * rowBytes }
                var s = 0
                while s < strips {
                    var e = s + 1
                    while e < strips, stripOffsets[e] == stripOffsets[e - 1] + stripBytes(e - 1) { e += 1 }
                    let firstRow = s * p.rowsPerStrip
                    let rows = min(e * p.rowsPerStrip, p.height) - firstRow
                    try file.read(into: out + firstRow * rowBytes, count: rows * rowBytes, at: stripOffsets[s],
                                  what: "strips \(s)..<\(e) of frame \(t)")
                    s = e
                }
            } else {
                for s in 0..<strips {
                    let firstRow = s * p.rowsPerStrip
                    let rows = min(p.rowsPerStrip, p.height - firstRow)
                    let packed = try file.bytes(count: stripByteCounts[s], at: stripOffsets[s], what: "strip \(s) of frame \(t)")
                    try decompress(packed, compression: p.compression, into: out + firstRow * rowBytes,
                                   count: rows * rowBytes, what: "strip \(s) of frame \(t)")
                    if p.predictor == 2 { undoPredictor(out + firstRow * rowBytes, rows: rows, width: p.width, bps: bps) }
                }
            }
            return
        }
        // Tiles: each tile is tileLength x tileWidth, padded at the right and bottom edges.
        let across = (p.width + p.tileWidth - 1) / p.tileWidth
        let down = (p.height + p.tileLength - 1) / p.tileLength
        let tileRow = p.tileWidth * bps
        let tileBytes = tileRow * p.tileLength
        guard p.tileOffsets.count >= (plane + 1) * across * down else {
            throw fail("frame \(t) lists \(p.tileOffsets.count) tiles, it needs \(across * down * p.samplesPerPixel)")
        }
        scratch.reserve(tileBytes)
        for ty in 0..<down {
            for tx in 0..<across {
                let k = plane * across * down + ty * across + tx
                if p.compression == 1 {
                    try file.read(into: scratch.pointer, count: tileBytes, at: p.tileOffsets[k], what: "tile \(k) of frame \(t)")
                } else {
                    guard k < p.tileByteCounts.count else { throw fail("page \(t) lacks the byte count of tile \(k)") }
                    let packed = try file.bytes(count: p.tileByteCounts[k], at: p.tileOffsets[k], what: "tile \(k) of frame \(t)")
                    try decompress(packed, compression: p.compression, into: scratch.pointer, count: tileBytes,
                                   what: "tile \(k) of frame \(t)")
                    if p.predictor == 2 { undoPredictor(scratch.pointer, rows: p.tileLength, width: p.tileWidth, bps: bps) }
                }
                let x0 = tx * p.tileWidth, y0 = ty * p.tileLength
                let cols = min(p.tileWidth, p.width - x0), rows = min(p.tileLength, p.height - y0)
                for r in 0..<rows {
                    (out + (y0 + r) * rowBytes + x0 * bps).copyMemory(from: scratch.pointer + r * tileRow, byteCount: cols * bps)
                }
            }
        }
    }

    private func decompress(_ packed: [UInt8], compression: Int, into out: UnsafeMutableRawPointer, count: Int,
                            what: String) throws {
        let ok: Bool
        switch compression {
        case 32773: ok = TIFFDecompression.packBits(packed, into: out.assumingMemoryBound(to: UInt8.self), count: count)
        case 5: ok = TIFFDecompression.lzw(packed, into: out.assumingMemoryBound(to: UInt8.self), count: count)
        case 8, 32946: ok = Inflate.zlib(packed, into: out.assumingMemoryBound(to: UInt8.self), count: count)
        default: ok = false
        }
        guard ok else {
            throw DataFileError(path: path, problem: "\(what): \(TIFFDirectory.compressionName(compression)) data is damaged or shorter than \(count) bytes")
        }
    }

    /// Undoes horizontal differencing (predictor 2) on samples in file byte order.
    private func undoPredictor(_ p: UnsafeMutableRawPointer, rows: Int, width: Int, bps: Int) {
        let swap = bigEndian == hostIsLittleEndian
        func run<T: FixedWidthInteger>(_: T.Type) {
            let q = p.assumingMemoryBound(to: T.self)
            for r in 0..<rows {
                let row = q + r * width
                var prev = swap ? row[0].byteSwapped : row[0]
                for x in 1..<max(width, 1) {
                    let v = (swap ? row[x].byteSwapped : row[x]) &+ prev
                    row[x] = swap ? v.byteSwapped : v
                    prev = v
                }
            }
        }
        switch bps {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        case 8: run(UInt64.self)
        default: break
        }
    }
}
