/// A rendered figure: a PNG file image plus what a notebook or log needs to show it.
///
/// Made by the figure kinds: `Figure.plot`, `.heatmap`, `.frames`, `.image`, `.hist`
/// and `.lassoPath`. `width`/`height` are the PNG's pixel dimensions.
public struct Figure: Sendable, CustomStringConvertible {
    /// The encoded PNG.
    public let png: [UInt8]
    public let width: Int
    public let height: Int
    /// One line of text/plain, e.g. "plot: 2 series, 500 points".
    public let description: String
    /// "plot", "heatmap", "frames", "image", "hist" or "lasso_path".
    public let kind: String

    init(canvas: Canvas, kind: String, description: String) throws {
        png = try PNG.encode(rgba: canvas.pixels, width: canvas.width, height: canvas.height)
        width = canvas.width
        height = canvas.height
        self.kind = kind
        self.description = description
    }

    /// Writes the PNG to `path` (created or replaced).
    public func write(to path: String) throws {
        guard let f = fopen(path, "wb") else {
            throw FigureError.encodingFailed("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        let n = png.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        guard n == png.count else {
            throw FigureError.encodingFailed("short write to \(path): \(n) of \(png.count) bytes")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
