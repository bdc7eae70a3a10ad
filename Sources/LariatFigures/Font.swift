import CFreeType
import Foundation

/// A TrueType font loaded through FreeType, with a cache of rendered glyph bitmaps.
///
/// Glyphs are rendered once per (character, pixel size) with light hinting and kept;
/// a lock guards FreeType and the cache, so one font may be shared across threads.
public final class Font: @unchecked Sendable {
    /// Where the default font is looked for, in order; `LARIAT_FONT` overrides them.
    public static let searchPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
    ]

    struct Glyph {
        var bitmap: [UInt8]   // coverage, rows * width
        var width: Int, rows: Int
        var left: Int, top: Int // offset of the bitmap from the pen, y up
        var advance: Double     // pixels
        var index: UInt32       // FreeType glyph index, for kerning
    }
    struct GlyphKey: Hashable { var scalar: UInt32; var size: Int }

    public let path: String
    private var library: FT_Library?
    private var face: FT_Face?
    private var cache: [GlyphKey: Glyph] = [:]
    private var currentSize = -1
    private let lock = NSLock()

    /// Loads the font file at `path`; throws `fontUnavailable` if FreeType cannot open it.
    public init(path: String) throws {
        self.path = path
        var lib: FT_Library?
        guard FT_Init_FreeType(&lib) == 0, let lib else {
            throw FigureError.fontUnavailable("FreeType failed to initialise")
        }
        var f: FT_Face?
        guard FT_New_Face(lib, path, 0, &f) == 0, let f else {
            FT_Done_FreeType(lib)
            throw FigureError.fontUnavailable("cannot load font \(path): not a readable TrueType/OpenType file")
        }
        library = lib
        face = f
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    private static let defaultLock = NSLock()
    nonisolated(unsafe) private static var cachedDefault: Font?

    /// The shared default font (DejaVu Sans from fonts-dejavu-core, or `$LARIAT_FONT`).
    public static func `default`() throws -> Font {
        defaultLock.lock(); defer { defaultLock.unlock() }
        if let f = cachedDefault { return f }
        var candidates = searchPaths
        if let env = ProcessInfo.processInfo.environment["LARIAT_FONT"], !env.isEmpty {
            candidates.insert(env, at: 0)
        }
        for p in candidates where FileManager.default.isReadableFile(atPath: p) {
            if let f = try? Font(path: p) {
                cachedDefault = f
                return f
            }
        }
        throw FigureError.fontUnavailable(
            "no font for figure text: tried \(candidates.joined(separator: ", ")); "
            + "install the Debian package fonts-dejavu-core or set LARIAT_FONT to a .ttf file")
    }

    /// Vertical metrics at `size` pixels: ascender (up, positive) and descender (down, positive).
    func metrics(size: Int) -> (ascent: Double, descent: Double) {
        lock.lock(); defer { lock.unlock() }
        guard let face else { return (Double(size) * 0.8, Double(size) * 0.2) }
        let upm = Double(face.pointee.units_per_EM)
        return (Double(face.pointee.ascender) / upm * Double(size),
                -Double(face.pointee.descender) / upm * Double(size))
    }

    /// Glyphs of `text` with pen x positions (pixels from the start), kerning applied.
    func layout(_ text: String, size: Int) -> (glyphs: [(Glyph, Double)], width: Double) {
        lock.lock(); defer { lock.unlock() }
        var out: [(Glyph, Double)] = []
        var x = 0.0
        var prev: UInt32 = 0
        let kerning = face.map { ($0.pointee.face_flags & FT_Long(FT_FACE_FLAG_KERNING)) != 0 } ?? false
        for s in text.unicodeScalars {
            guard let g = glyph(s.value, size: size) else { continue }
            if kerning, prev != 0, g.index != 0, let face {
                var v = FT_Vector()
                if FT_Get_Kerning(face, prev, g.index, UInt32(FT_KERNING_DEFAULT.rawValue), &v) == 0 {
                    x += Double(v.x) / 64
                }
            }
            out.append((g, x))
            x += g.advance
            prev = g.index
        }
        return (out, x)
    }

    // Caller holds the lock.
    private func glyph(_ scalar: UInt32, size: Int) -> Glyph? {
        let key = GlyphKey(scalar: scalar, size: size)
        if let g = cache[key] { return g }
        guard let face else { return nil }
        if currentSize != size {
            FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
            currentSize = size
        }
        let index = FT_Get_Char_Index(face, FT_ULong(scalar))
        // FT_LOAD_RENDER | FT_LOAD_TARGET_LIGHT: anti-aliased coverage, vertical-only hinting.
        let flags = Int32(FT_LOAD_RENDER) | Int32(FT_RENDER_MODE_LIGHT.rawValue & 15) << 16
        guard FT_Load_Glyph(face, index, flags) == 0, let slot = face.pointee.glyph else { return nil }
        let bm = slot.pointee.bitmap
        let w = Int(bm.width), rows = Int(bm.rows), pitch = Int(bm.pitch)
        var data = [UInt8](repeating: 0, count: w * rows)
        if let src = bm.buffer, w > 0, rows > 0 {
            for r in 0..<rows {
                let row = pitch >= 0 ? src + r * pitch : src + (rows - 1 - r) * (-pitch)
                for c in 0..<w { data[r * w + c] = row[c] }
            }
        }
        let g = Glyph(bitmap: data, width: w, rows: rows, left: Int(slot.pointee.bitmap_left),
                      top: Int(slot.pointee.bitmap_top), advance: Double(slot.pointee.advance.x) / 64,
                      index: index)
        cache[key] = g
        return g
    }
}
