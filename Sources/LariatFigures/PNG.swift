import CPNG
import Foundation

/// PNG encoding through libpng's simplified write API (no setjmp needed from Swift).
public enum PNG {
    /// Encodes RGBA pixels (row-major, top row first) as a PNG file image.
    ///
    /// Opaque images are written as 8-bit RGB, others as RGBA. `fast` trades file size
    /// for speed (libpng's `PNG_IMAGE_FLAG_FAST`).
    public static func encode(rgba: [UInt8], width: Int, height: Int, fast: Bool = true) throws -> [UInt8] {
        guard width > 0, height > 0, rgba.count == width * height * 4 else {
            throw FigureError.invalidArgument("PNG.encode: expected \(width) x \(height) x 4 bytes, got \(rgba.count)")
        }
        var opaque = true
        rgba.withUnsafeBufferPointer { p in
            var k = 3
            while k < p.count { if p[k] != 255 { opaque = false; break }; k += 4 }
        }
        var data: [UInt8]
        let channels: Int
        if opaque {
            channels = 3
            data = [UInt8](repeating: 0, count: width * height * 3)
            data.withUnsafeMutableBufferPointer { d in
                rgba.withUnsafeBufferPointer { s in
                    for i in 0..<(width * height) {
                        d[i * 3] = s[i * 4]; d[i * 3 + 1] = s[i * 4 + 1]; d[i * 3 + 2] = s[i * 4 + 2]
                    }
                }
            }
        } else {
            channels = 4
            data = rgba
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(opaque ? PNG_FORMAT_FLAG_COLOR : (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA))
        if fast { image.flags = png_uint_32(PNG_IMAGE_FLAG_FAST) }
        let stride = png_int_32(width * channels)
        // First pass asks for the size, second writes.
        var size = 0
        let ok1 = data.withUnsafeBytes { src in
            png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, stride, nil)
        }
        guard ok1 != 0, size > 0 else { throw failure(&image, "sizing") }
        var out = [UInt8](repeating: 0, count: size)
        let ok2 = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
        }
        guard ok2 != 0 else { throw failure(&image, "writing") }
        out.removeLast(out.count - size)
        return out
    }

    /// Decodes a PNG file image to RGBA pixels (8 bits per channel).
    public static func decode(_ png: [UInt8]) throws -> (rgba: [UInt8], width: Int, height: Int) {
        // libpng keeps reading from `png` until finish_read, so both calls
        // run while the bytes are pinned (an array may be freed after its
        // last use in optimised code).
        try png.withUnsafeBytes { bytes in
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
                throw failure(&image, "reading the header")
            }
            image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            let w = Int(image.width), h = Int(image.height)
            var out = [UInt8](repeating: 0, count: w * h * 4)
            let ok = out.withUnsafeMutableBytes {
                png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(w * 4), nil)
            }
            guard ok != 0 else { throw failure(&image, "decoding") }
            return (out, w, h)
        }
    }

    private static func failure(_ image: inout png_image, _ stage: String) -> FigureError {
        let msg = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        png_image_free(&image)
        return .encodingFailed("libpng failed while \(stage): \(msg)")
    }
}
