extension Canvas {
    /// Fills `rect` with `color`; edges at fractional positions are anti-aliased by area.
    public mutating func fill(_ rect: Rect, _ color: Color) {
        let b = bounds
        let x0 = max(Double(b.x0), rect.minX), x1 = min(Double(b.x1), rect.maxX)
        let y0 = max(Double(b.y0), rect.minY), y1 = min(Double(b.y1), rect.maxY)
        guard x1 > x0, y1 > y0 else { return }
        let i0 = Int(x0.rounded(.down)), i1 = Int(x1.rounded(.up))
        let j0 = Int(y0.rounded(.down)), j1 = Int(y1.rounded(.up))
        let w = width
        // Coverage of a pixel is the product of its row and column overlaps.
        var colCover = [Float](repeating: 1, count: i1 - i0)
        for i in i0..<i1 {
            colCover[i - i0] = Float(min(x1, Double(i + 1)) - max(x0, Double(i)))
        }
        pixels.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            for j in j0..<j1 {
                let rowCover = Float(min(y1, Double(j + 1)) - max(y0, Double(j)))
                if rowCover <= 0 { continue }
                var p = base + (j * w + i0) * 4
                for i in 0..<(i1 - i0) {
                    blend(p, color, rowCover * colCover[i])
                    p += 4
                }
            }
        }
    }

    /// Strokes the outline of `rect` with a line of `lineWidth` centred on its edges.
    public mutating func stroke(_ rect: Rect, _ color: Color, lineWidth: Double = 1) {
        let h = lineWidth / 2
        fill(Rect(x: rect.minX - h, y: rect.minY - h, width: rect.width + lineWidth, height: lineWidth), color)
        fill(Rect(x: rect.minX - h, y: rect.maxY - h, width: rect.width + lineWidth, height: lineWidth), color)
        fill(Rect(x: rect.minX - h, y: rect.minY + h, width: lineWidth, height: rect.height - lineWidth), color)
        fill(Rect(x: rect.maxX - h, y: rect.minY + h, width: lineWidth, height: rect.height - lineWidth), color)
    }

    /// Fills a disc of `radius` centred at `center`, anti-aliased.
    public mutating func fillCircle(center: Point, radius: Double, _ color: Color) {
        let b = bounds
        let r1 = radius + 0.5
        let i0 = max(b.x0, Int((center.x - r1).rounded(.down))), i1 = min(b.x1, Int((center.x + r1).rounded(.up)))
        let j0 = max(b.y0, Int((center.y - r1).rounded(.down))), j1 = min(b.y1, Int((center.y + r1).rounded(.up)))
        guard i1 > i0, j1 > j0 else { return }
        let w = width
        pixels.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            for j in j0..<j1 {
                let dy = Double(j) + 0.5 - center.y
                var p = base + (j * w + i0) * 4
                for i in i0..<i1 {
                    let dx = Double(i) + 0.5 - center.x
                    let d = (dx * dx + dy * dy).squareRoot()
                    let c = min(1, max(0, radius + 0.5 - d))
                    if c > 0 { blend(p, color, Float(c)) }
                    p += 4
                }
            }
        }
    }
}
