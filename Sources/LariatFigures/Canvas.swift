/// A raster of RGBA pixels (8 bits per channel, straight alpha, row-major, top row first)
/// with anti-aliased drawing operations. Coordinates are in pixels; pixel (i, j) covers
/// the square [i, i+1) x [j, j+1), so its centre is (i + 0.5, j + 0.5).
///
/// Drawing composites with "source over". Shapes are clipped to the canvas and, when
/// `clip` is set, to that rectangle.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes: R, G, B, A per pixel.
    public internal(set) var pixels: [UInt8]
    /// Drawing is limited to this rectangle (in pixels) when set.
    public var clip: Rect?

    // Per-pixel coverage for polylines: segments take the maximum so that joins
    // are not blended twice, then the whole line is composited once.
    var coverage: [Float] = []

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0, "canvas size must be positive")
        self.width = width
        self.height = height
        var p = [UInt8](repeating: 0, count: width * height * 4)
        p.withUnsafeMutableBufferPointer { buf in
            var k = 0
            while k < buf.count {
                buf[k] = background.r; buf[k + 1] = background.g; buf[k + 2] = background.b; buf[k + 3] = background.a
                k += 4
            }
        }
        pixels = p
    }

    /// The colour of pixel (x, y); nil outside the canvas.
    public func pixel(_ x: Int, _ y: Int) -> Color? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let k = (y * width + x) * 4
        return Color(r: pixels[k], g: pixels[k + 1], b: pixels[k + 2], a: pixels[k + 3])
    }

    /// The integer pixel bounds drawing may touch: canvas ∩ clip, as half-open ranges.
    var bounds: (x0: Int, y0: Int, x1: Int, y1: Int) {
        var b = (x0: 0, y0: 0, x1: width, y1: height)
        if let c = clip {
            b.x0 = max(b.x0, Int(c.minX.rounded(.down)))
            b.y0 = max(b.y0, Int(c.minY.rounded(.down)))
            b.x1 = min(b.x1, Int(c.maxX.rounded(.up)))
            b.y1 = min(b.y1, Int(c.maxY.rounded(.up)))
        }
        return b
    }
}

/// An axis-aligned rectangle in pixel coordinates (y grows downwards).
public struct Rect: Equatable, Sendable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var minX: Double { x }
    public var minY: Double { y }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }
    func intersects(_ o: Rect) -> Bool {
        minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY
    }
    func contains(_ p: Point) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }
    func insetBy(_ d: Double) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
}

/// A point in pixel coordinates.
public struct Point: Equatable, Sendable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

// Source-over compositing of one pixel with coverage-scaled alpha `alpha` in 0...1.
@inline(__always)
func blend(_ p: UnsafeMutablePointer<UInt8>, _ c: Color, _ alpha: Float) {
    let a = alpha * Float(c.a) * (1 / 255)
    if a <= 0 { return }
    if a >= 0.999 && p[3] == 255 {
        p[0] = c.r; p[1] = c.g; p[2] = c.b
        return
    }
    let da = Float(p[3]) * (1 / 255)
    let oa = a + da * (1 - a)
    if oa <= 0 { return }
    // Straight-alpha "over": out = (src*a + dst*da*(1-a)) / oa.
    let k = da * (1 - a)
    p[0] = UInt8((Float(c.r) * a + Float(p[0]) * k) / oa + 0.5)
    p[1] = UInt8((Float(c.g) * a + Float(p[1]) * k) / oa + 0.5)
    p[2] = UInt8((Float(c.b) * a + Float(p[2]) * k) / oa + 0.5)
    p[3] = UInt8(min(255, oa * 255 + 0.5))
}
