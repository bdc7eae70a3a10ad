/// A matrix of values (row-major, `height` rows of `width`) drawn into a pixel rectangle
/// through a colour map.
///
/// Enlarging uses nearest neighbour (cells stay crisp); shrinking averages the source
/// values under each output pixel (box filter), so fine detail does not alias.
struct Raster {
    let values: [Double]
    let width: Int
    let height: Int

    /// Draws into the integer-aligned `rect`; `lo`/`hi` map to the ends of `map`.
    /// `alpha`, if set, gives each pixel's opacity from its normalised value (overlays).
    func draw(into c: inout Canvas, rect: Rect, map: Colormap, lo: Double, hi: Double,
              alpha: ((Double) -> Double)? = nil) {
        let x0 = Int(rect.minX.rounded()), y0 = Int(rect.minY.rounded())
        let W = Int(rect.width.rounded()), H = Int(rect.height.rounded())
        guard W > 0, H > 0 else { return }
        // Source index ranges for each output column and row.
        func spans(_ n: Int, _ out: Int) -> [(Int, Int)] {
            (0..<out).map { k in
                let a = Double(k) * Double(n) / Double(out), b = Double(k + 1) * Double(n) / Double(out)
                if out >= n {
                    let m = min(n - 1, Int((a + b) / 2))
                    return (m, m + 1)
                }
                return (Int(a), max(Int(a) + 1, min(n, Int(b.rounded(.up)))))
            }
        }
        let cols = spans(width, W), rows = spans(height, H)
        let inv = hi > lo ? 1 / (hi - lo) : 0
        let table = map.table
        let cw = c.width, ch = c.height
        values.withUnsafeBufferPointer { v in
            c.pixels.withUnsafeMutableBufferPointer { px in
                for j in 0..<H {
                    let y = y0 + j
                    if y < 0 || y >= ch { continue }
                    let (r0, r1) = rows[j]
                    for i in 0..<W {
                        let x = x0 + i
                        if x < 0 || x >= cw { continue }
                        let (c0, c1) = cols[i]
                        var sum = 0.0, n = 0
                        for r in r0..<r1 {
                            let row = r * width
                            for q in c0..<c1 {
                                let val = v[row + q]
                                if val.isFinite { sum += val; n += 1 }
                            }
                        }
                        let p = px.baseAddress! + (y * cw + x) * 4
                        guard n > 0 else {
                            if alpha == nil { p[0] = 200; p[1] = 200; p[2] = 200 }  // missing: light grey
                            continue
                        }
                        var u = (sum / Double(n) - lo) * inv
                        u = u < 0 ? 0 : (u > 1 ? 1 : u)
                        let color = table[Int(u * 255 + 0.5)]
                        if let alpha {
                            blend(p, color, Float(alpha(u)))
                        } else {
                            p[0] = color.r; p[1] = color.g; p[2] = color.b; p[3] = 255
                        }
                    }
                }
            }
        }
    }
}

/// The value range a colour map should span: symmetric about zero (diverging) or min...max.
func colorLimits(_ values: [Double], diverging: Bool) throws -> (Double, Double) {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    guard lo.isFinite else { throw FigureError.invalidArgument("no finite values to draw") }
    if diverging {
        let m = max(abs(lo), abs(hi))
        return m > 0 ? (-m, m) : (-1, 1)
    }
    if hi - lo <= 1e-300 { return (lo - 0.5, hi + 0.5) }
    return (lo, hi)
}
