/// A vertical colour bar: the map as a gradient strip with value ticks on its right.
struct ColorBar {
    let map: Colormap
    let lo: Double
    let hi: Double
    var label: String?
    let style: Style
    let font: Font

    var barWidth: Double { (14 * style.s).rounded() }

    /// Horizontal space the bar needs, from its left edge to the end of its labels.
    func requiredWidth(height: Double) -> Double {
        let labels = ticks(height: height).map { font.measure($0.label, size: style.tickFont).width }
        return barWidth + style.tickLength + style.pad * 0.7 + (labels.max() ?? 0)
            + (label != nil ? style.pad + style.labelFont * 1.2 : 0)
    }

    func ticks(height: Double) -> [Tick] {
        Ticks.linear(lo, hi, target: max(2, Int(height / (50 * style.s))))
    }

    func draw(_ c: inout Canvas, at rect: Rect) {
        let r = Rect(x: rect.minX.rounded(), y: rect.minY.rounded(), width: barWidth, height: rect.height.rounded())
        // Top of the bar is `hi`: one value per pixel row.
        let n = max(2, Int(r.height))
        let column = (0..<n).map { hi - (hi - lo) * (Double($0) + 0.5) / Double(n) }
        Raster(values: column, width: 1, height: n).draw(into: &c, rect: r, map: map, lo: lo, hi: hi)
        c.stroke(r.insetBy(-0.5), style.spine.withOpacity(0.6), lineWidth: max(1, style.s.rounded()))
        let sw = style.spineWidth
        for t in ticks(height: r.height) {
            let y = snap(r.maxY - (t.value - lo) / (hi - lo) * r.height, sw)
            c.fill(Rect(x: r.maxX, y: y - sw / 2, width: style.tickLength, height: sw), style.spine)
            c.drawText(t.label, at: Point(r.maxX + style.tickLength + style.pad * 0.7, y), size: style.tickFont,
                       style.text, font: font, align: .left, vertical: .middle)
        }
        if let label {
            let x = rect.minX + requiredWidth(height: r.height) - style.labelFont * 0.2
            c.drawText(label, at: Point(x, r.midY), size: style.labelFont, style.text, font: font,
                       align: .center, vertical: .bottom, rotation: .up)
        }
    }
}
