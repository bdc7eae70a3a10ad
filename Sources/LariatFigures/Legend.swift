/// One legend row: a swatch (line, dashed line, marker or filled patch) and its label.
struct LegendEntry {
    enum Swatch { case line(Double), dashed(Double), marker, patch }
    var label: String
    var color: Color
    var swatch: Swatch
}

enum Legend {
    /// Draws `entries` in the corner of `frame` that hides the fewest of `avoid` points
    /// (matplotlib's "best"), preferring upper right, upper left, lower left, lower right.
    static func draw(_ entries: [LegendEntry], in frame: Rect, avoiding avoid: [Point],
                     canvas c: inout Canvas, style st: Style, font: Font) {
        guard !entries.isEmpty else { return }
        let size = st.tickFont
        let row = size * 1.45
        let swatchW = 24 * st.s
        let labelW = entries.map { font.measure($0.label, size: size).width }.max() ?? 0
        let boxW = (st.pad * 1.3 + swatchW + st.pad + labelW + st.pad * 1.3).rounded()
        let boxH = (Double(entries.count) * row + st.pad * 1.2).rounded()
        let m = st.pad * 1.2
        let candidates = [
            Rect(x: frame.maxX - m - boxW, y: frame.minY + m, width: boxW, height: boxH),
            Rect(x: frame.minX + m, y: frame.minY + m, width: boxW, height: boxH),
            Rect(x: frame.minX + m, y: frame.maxY - m - boxH, width: boxW, height: boxH),
            Rect(x: frame.maxX - m - boxW, y: frame.maxY - m - boxH, width: boxW, height: boxH),
        ]
        var best = candidates[0], bestCount = Int.max
        for r in candidates {
            var n = 0
            for p in avoid where r.contains(p) { n += 1 }
            if n < bestCount { best = r; bestCount = n }
        }
        c.fill(best, Color.white.withOpacity(0.88))
        c.stroke(best.insetBy(0.5 * st.spineWidth), Color(hex: 0xcccccc), lineWidth: st.spineWidth)
        for (k, e) in entries.enumerated() {
            let cy = best.minY + st.pad * 0.6 + (Double(k) + 0.5) * row
            let x0 = best.minX + st.pad * 1.3
            switch e.swatch {
            case .line(let w):
                c.strokeLine(Point(x0, cy), Point(x0 + swatchW, cy), width: w, e.color)
            case .dashed(let w):
                c.strokeLine(Point(x0, cy), Point(x0 + swatchW, cy), width: w, e.color, dash: [5 * st.s, 3 * st.s])
            case .marker:
                c.fillCircle(center: Point(x0 + swatchW / 2, cy), radius: 3.5 * st.s, e.color)
            case .patch:
                c.fill(Rect(x: x0 + 3 * st.s, y: cy - size * 0.4, width: swatchW - 6 * st.s, height: size * 0.8), e.color)
            }
            c.drawText(e.label, at: Point(x0 + swatchW + st.pad, cy), size: size, st.text, font: font,
                       align: .left, vertical: .middle)
        }
    }
}
