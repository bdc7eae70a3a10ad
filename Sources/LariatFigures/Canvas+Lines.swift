extension Canvas {
    /// Strokes the polyline through `points` with round joins and caps, anti-aliased.
    ///
    /// Non-finite points break the line into separate pieces. Overlapping segments of one
    /// call are composited once (coverage takes the maximum), so joins of translucent
    /// lines are not darker than the rest. `dash` is an on/off length pattern in pixels.
    public mutating func strokePolyline(_ points: [Point], width lineWidth: Double, _ color: Color,
                                        dash: [Double]? = nil) {
        guard points.count >= 1, lineWidth > 0 else { return }
        if coverage.count != width * height {
            coverage = [Float](repeating: 0, count: width * height)
        }
        var box = (x0: Int.max, y0: Int.max, x1: Int.min, y1: Int.min)
        let pieces: [[Point]]
        if let dash, dash.count >= 2, dash.allSatisfy({ $0 > 0 }) {
            pieces = Canvas.dashed(points, pattern: dash)
        } else {
            pieces = [points]
        }
        let b = bounds
        coverage.withUnsafeMutableBufferPointer { cov in
            for piece in pieces {
                var prev: Point? = nil
                for p in piece {
                    guard p.x.isFinite, p.y.isFinite else { prev = nil; continue }
                    let a = prev ?? p
                    Canvas.rasterSegment(a, p, halfWidth: lineWidth / 2, into: cov.baseAddress!,
                                         stride: width, bounds: b, box: &box)
                    prev = p
                }
            }
        }
        guard box.x0 < box.x1, box.y0 < box.y1 else { return }
        let w = width
        pixels.withUnsafeMutableBufferPointer { px in
            coverage.withUnsafeMutableBufferPointer { cov in
                for j in box.y0..<box.y1 {
                    var k = j * w + box.x0
                    for _ in box.x0..<box.x1 {
                        let c = cov[k]
                        if c > 0 {
                            blend(px.baseAddress! + k * 4, color, c)
                            cov[k] = 0
                        }
                        k += 1
                    }
                }
            }
        }
    }

    /// Strokes one straight line from `a` to `b`.
    public mutating func strokeLine(_ a: Point, _ b: Point, width: Double, _ color: Color, dash: [Double]? = nil) {
        strokePolyline([a, b], width: width, color, dash: dash)
    }

    // Coverage of a pixel by a band of half-width h whose centre line is at distance d
    // from the pixel centre: the overlap of [d - h, d + h] with the pixel's [-0.5, 0.5].
    // Only rows the segment's capsule reaches are visited, and in each row only the
    // x-interval where the clipped segment lies (widened by the radius).
    @inline(__always)
    static func rasterSegment(_ p0: Point, _ p1: Point, halfWidth h: Double,
                              into cov: UnsafeMutablePointer<Float>, stride: Int,
                              bounds b: (x0: Int, y0: Int, x1: Int, y1: Int),
                              box: inout (x0: Int, y0: Int, x1: Int, y1: Int)) {
        let R = h + 0.5
        let dx = p1.x - p0.x, dy = p1.y - p0.y
        let len2 = dx * dx + dy * dy
        let inv = len2 > 0 ? 1 / len2 : 0
        let j0 = max(b.y0, Int((min(p0.y, p1.y) - R).rounded(.down)))
        let j1 = min(b.y1, Int((max(p0.y, p1.y) + R).rounded(.up)))
        guard j1 > j0 else { return }
        var touched = false
        for j in j0..<j1 {
            let yc = Double(j) + 0.5
            // x-extent of the part of the segment within [yc - R, yc + R].
            var xa: Double, xb: Double
            if abs(dy) < 1e-12 {
                xa = min(p0.x, p1.x); xb = max(p0.x, p1.x)
            } else {
                var ta = (yc - R - p0.y) / dy, tb = (yc + R - p0.y) / dy
                if ta > tb { swap(&ta, &tb) }
                ta = max(0, ta); tb = min(1, tb)
                if ta > tb { continue }
                let xta = p0.x + ta * dx, xtb = p0.x + tb * dx
                xa = min(xta, xtb); xb = max(xta, xtb)
            }
            let i0 = max(b.x0, Int((xa - R).rounded(.down)))
            let i1 = min(b.x1, Int((xb + R).rounded(.up)))
            if i1 <= i0 { continue }
            let row = cov + j * stride
            let ry = yc - p0.y
            for i in i0..<i1 {
                let rx = Double(i) + 0.5 - p0.x
                var t = (rx * dx + ry * dy) * inv
                t = t < 0 ? 0 : (t > 1 ? 1 : t)
                let ex = rx - t * dx, ey = ry - t * dy
                let d = (ex * ex + ey * ey).squareRoot()
                let c = min(d + h, 0.5) - max(d - h, -0.5)
                if c > 0 {
                    let f = Float(min(c, 1))
                    if f > row[i] { row[i] = f }
                }
            }
            touched = true
            box.x0 = min(box.x0, i0); box.x1 = max(box.x1, i1)
        }
        if touched {
            box.y0 = min(box.y0, j0); box.y1 = max(box.y1, j1)
        }
    }

    // Splits a polyline into the "on" pieces of a dash pattern, measured along its length.
    static func dashed(_ points: [Point], pattern: [Double]) -> [[Point]] {
        var out: [[Point]] = []
        var k = 0, left = pattern[0], on = true
        var current: [Point] = []
        for idx in 1..<max(1, points.count) {
            var a = points[idx - 1]
            let b = points[idx]
            guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { continue }
            if on && current.isEmpty { current.append(a) }
            var seg = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            while seg > left {
                let f = left / seg
                let m = Point(a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f)
                if on { current.append(m); out.append(current); current = [] } else { current = [m] }
                seg -= left; a = m
                on.toggle(); k = (k + 1) % pattern.count; left = pattern[k]
            }
            left -= seg
            if on { current.append(b) }
        }
        if current.count >= 2 { out.append(current) }
        return out
    }
}
