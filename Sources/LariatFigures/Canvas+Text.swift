/// Horizontal placement of text relative to its anchor point (along the baseline).
public enum HorizontalAlignment: Sendable { case left, center, right }
/// Vertical placement of text relative to its anchor point. `top` and `middle` use the
/// cap height (the height of digits and capitals), so numbers sit where the eye expects.
public enum VerticalAlignment: Sendable { case top, middle, baseline, bottom }
/// Text direction: `horizontal`, or `up` (rotated 90° counter-clockwise, for y-axis labels).
public enum TextRotation: Sendable { case horizontal, up }

/// The extent of a line of text at a size, in pixels.
public struct TextMetrics: Sendable {
    public var width: Double
    public var ascent: Double
    public var descent: Double
    public var capHeight: Double
}

extension Font {
    /// Width and vertical metrics of `text` at `size` pixels.
    public func measure(_ text: String, size: Double) -> TextMetrics {
        let px = max(1, Int(size.rounded()))
        let (a, d) = metrics(size: px)
        return TextMetrics(width: layout(text, size: px).width, ascent: a, descent: d,
                           capHeight: 0.73 * Double(px))
    }
}

extension Canvas {
    /// Draws one line of `text` at `anchor` with FreeType coverage alpha-blended in `color`.
    public mutating func drawText(_ text: String, at anchor: Point, size: Double, _ color: Color,
                                  font: Font, align: HorizontalAlignment = .left,
                                  vertical: VerticalAlignment = .baseline,
                                  rotation: TextRotation = .horizontal) {
        guard !text.isEmpty else { return }
        let px = max(1, Int(size.rounded()))
        let (_, descent) = font.metrics(size: px)
        let (glyphs, textWidth) = font.layout(text, size: px)
        let cap = 0.73 * Double(px)
        // Offsets in text space: u along the baseline, v downwards from the baseline.
        let u0: Double = align == .left ? 0 : (align == .center ? -textWidth / 2 : -textWidth)
        let v0: Double
        switch vertical {
        case .baseline: v0 = 0
        case .top: v0 = cap
        case .middle: v0 = cap / 2
        case .bottom: v0 = -descent
        }
        let b = bounds
        let w = width
        pixels.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            switch rotation {
            case .horizontal:
                let ox = (anchor.x + u0).rounded(), oy = (anchor.y + v0).rounded()
                for (g, pen) in glyphs where g.width > 0 {
                    let gx = Int(ox + pen.rounded()) + g.left
                    let gy = Int(oy) - g.top
                    for r in 0..<g.rows {
                        let y = gy + r
                        if y < b.y0 || y >= b.y1 { continue }
                        let c0 = max(0, b.x0 - gx), c1 = min(g.width, b.x1 - gx)
                        if c1 <= c0 { continue }
                        g.bitmap.withUnsafeBufferPointer { bm in
                            var p = base + (y * w + gx + c0) * 4
                            for c in c0..<c1 {
                                let a = bm[r * g.width + c]
                                if a > 0 { blend(p, color, Float(a) * (1 / 255)) }
                                p += 4
                            }
                        }
                    }
                }
            case .up:
                // Text-space (u, v) maps to canvas (x, y) = (ax + v, ay - u).
                let ax = (anchor.x + v0).rounded(), ay = (anchor.y - u0).rounded()
                for (g, pen) in glyphs where g.width > 0 {
                    let u = Int(pen.rounded()) + g.left
                    let v = -g.top
                    for r in 0..<g.rows {
                        let x = Int(ax) + v + r
                        if x < b.x0 || x >= b.x1 { continue }
                        g.bitmap.withUnsafeBufferPointer { bm in
                            for c in 0..<g.width {
                                let y = Int(ay) - (u + c) - 1
                                if y < b.y0 || y >= b.y1 { continue }
                                let a = bm[r * g.width + c]
                                if a > 0 { blend(base + (y * w + x) * 4, color, Float(a) * (1 / 255)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
