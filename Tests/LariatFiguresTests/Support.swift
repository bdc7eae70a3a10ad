import Testing
import Foundation
import CPNG
@testable import LariatFigures

/// A PNG decoded with libpng's read API, independent of the encoder's in-memory pixels.
struct Decoded {
    let width: Int, height: Int
    let rgba: [UInt8]

    init(_ png: [UInt8]) throws {
        // libpng reads from `png` until finish_read: keep the bytes pinned
        // across both calls (the array may otherwise be freed after its last use).
        let result: (Int, Int, [UInt8])? = png.withUnsafeBytes { bytes in
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else { return nil }
            image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            let w = Int(image.width), h = Int(image.height)
            var out = [UInt8](repeating: 0, count: w * h * 4)
            let ok = out.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(w * 4), nil) }
            return ok != 0 ? (w, h, out) : nil
        }
        guard let (w, h, out) = result else { throw FigureError.encodingFailed("test decode: bad data") }
        width = w; height = h
        rgba = out
    }

    init(file path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try self.init([UInt8](data))
    }

    func pixel(_ x: Int, _ y: Int) -> Color {
        let k = (y * width + x) * 4
        return Color(r: rgba[k], g: rgba[k + 1], b: rgba[k + 2], a: rgba[k + 3])
    }

    /// Fraction of pixels that are not (near) white.
    var inkFraction: Double {
        var n = 0
        for i in 0..<(width * height) where rgba[i * 4] < 245 || rgba[i * 4 + 1] < 245 || rgba[i * 4 + 2] < 245 { n += 1 }
        return Double(n) / Double(width * height)
    }

    /// Pixels in a rectangle whose colour is within `tol` of `c`.
    func count(near c: Color, tol: Int = 30, x: Range<Int>, y: Range<Int>) -> Int {
        var n = 0
        for j in y { for i in x where close(pixel(i, j), c, tol) { n += 1 } }
        return n
    }
}

func close(_ a: Color, _ b: Color, _ tol: Int = 30) -> Bool {
    abs(Int(a.r) - Int(b.r)) <= tol && abs(Int(a.g) - Int(b.g)) <= tol && abs(Int(a.b) - Int(b.b)) <= tol
}

/// Where example figures go: docs/figures in the package (written when LARIAT_WRITE_DOCS=1),
/// else a temporary directory.
func outputPath(_ name: String) -> String {
    if ProcessInfo.processInfo.environment["LARIAT_WRITE_DOCS"] == "1" {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("docs/figures/\(name)").path
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lariat-figures-tests")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
