/// One set of axes: a plot area with an x and a y scale, ticks, grid, labels and title.
///
/// `layout` sizes the margins from the actual tick labels, so nothing is clipped.
struct Axes {
    var frame: Rect
    var x: Scale
    var y: Scale
    var xTicks: [Tick]
    var yTicks: [Tick]
    var title: String?
    var xLabel: String?
    var yLabel: String?
    let style: Style
    let font: Font

    static func layout(width: Int, height: Int, style st: Style, font: Font,
                       title: String?, xLabel: String?, yLabel: String?,
                       x xLim: (Double, Double), xLog: Bool, xReversed: Bool = false,
                       y yLim: (Double, Double), yLog: Bool, rightReserve: Double = 0) -> Axes {
        let W = Double(width), H = Double(height)
        let top = st.outer + (title != nil ? st.titleFont * 1.2 + st.pad : st.tickFont * 0.5)
        let bottom = st.outer + st.tickLength + st.pad + st.tickFont * 0.95
            + (xLabel != nil ? st.pad + st.labelFont * 1.15 : 0)
        let plotH = max(10, H - top - bottom)
        let yTicks = ticks(yLim, log: yLog, length: plotH, spacing: 42 * st.s, font: font, size: st.tickFont, vertical: true)
        let yLabelW = yTicks.map { font.measure($0.label, size: st.tickFont).width }.max() ?? 0
        let left = st.outer + (yLabel != nil ? st.labelFont * 1.2 + st.pad : 0) + yLabelW + st.pad + st.tickLength
        var right = st.outer + 8 * st.s + rightReserve
        var plotW = max(10, W - left - right)
        var xTicks = ticks(xLim, log: xLog, length: plotW, spacing: 80 * st.s, font: font, size: st.tickFont, vertical: false)
        // The outermost x tick label may overhang the plot area: make room for it.
        var xs = Scale(lower: xLim.0, upper: xLim.1, log: xLog, start: 0, end: plotW)
        if xReversed { swap(&xs.start, &xs.end) }
        if let last = xTicks.filter({ !$0.label.isEmpty }).max(by: { xs.pixel($0.value) < xs.pixel($1.value) }) {
            let over = xs.pixel(last.value) + font.measure(last.label, size: st.tickFont).width / 2 - plotW
            if over > right - st.outer - rightReserve {
                right = st.outer + over + rightReserve
                plotW = max(10, W - left - right)
                xTicks = ticks(xLim, log: xLog, length: plotW, spacing: 80 * st.s, font: font, size: st.tickFont, vertical: false)
            }
        }
        let frame = Rect(x: left.rounded(), y: top.rounded(), width: plotW.rounded(), height: plotH.rounded())
        var xScale = Scale(lower: xLim.0, upper: xLim.1, log: xLog, start: frame.minX, end: frame.maxX)
        if xReversed { swap(&xScale.start, &xScale.end) }
        let yScale = Scale(lower: yLim.0, upper: yLim.1, log: yLog, start: frame.maxY, end: frame.minY)
        return Axes(frame: frame, x: xScale, y: yScale, xTicks: xTicks, yTicks: yTicks,
                    title: title, xLabel: xLabel, yLabel: yLabel, style: st, font: font)
    }

    // Ticks for one axis, thinned until labels no longer crowd each other.
    static func ticks(_ lim: (Double, Double), log: Bool, length: Double, spacing: Double,
                      font: Font, size: Double, vertical: Bool) -> [Tick] {
        if log { return Ticks.log(lim.0, lim.1) }
        var target = max(2, Int(length / spacing))
        while true {
            let t = Ticks.linear(lim.0, lim.1, target: target)
            if target <= 2 || vertical { return t }
            let widest = t.map { font.measure($0.label, size: size).width }.max() ?? 0
            if Double(t.count) * (widest + 1.5 * size) <= length { return t }
            target -= 1
        }
    }

    /// Grid lines under the data.
    func drawGrid(_ c: inout Canvas) {
        let w = max(1, style.s.rounded())
        for t in xTicks where t.major {
            let px = snap(x.pixel(t.value), w)
            c.fill(Rect(x: px - w / 2, y: frame.minY, width: w, height: frame.height), style.grid)
        }
        for t in yTicks where t.major {
            let py = snap(y.pixel(t.value), w)
            c.fill(Rect(x: frame.minX, y: py - w / 2, width: frame.width, height: w), style.grid)
        }
    }

    /// Spines, ticks, tick labels, axis labels and title, over the data.
    func drawDecorations(_ c: inout Canvas) {
        let st = style
        let sw = st.spineWidth
        c.clip = nil
        // Left and bottom spines only: a light, open frame.
        c.fill(Rect(x: frame.minX - sw, y: frame.minY, width: sw, height: frame.height + sw), st.spine)
        c.fill(Rect(x: frame.minX - sw, y: frame.maxY, width: frame.width + sw, height: sw), st.spine)
        for t in xTicks {
            let px = snap(x.pixel(t.value), sw)
            guard px >= frame.minX - 0.5, px <= frame.maxX + 0.5 else { continue }
            let len = t.major ? st.tickLength : st.tickLength * 0.6
            c.fill(Rect(x: px - sw / 2, y: frame.maxY + sw, width: sw, height: len), st.spine)
            if !t.label.isEmpty {
                c.drawText(t.label, at: Point(px, frame.maxY + sw + st.tickLength + st.pad * 0.7),
                           size: st.tickFont, st.text, font: font, align: .center, vertical: .top)
            }
        }
        for t in yTicks {
            let py = snap(y.pixel(t.value), sw)
            guard py >= frame.minY - 0.5, py <= frame.maxY + 0.5 else { continue }
            let len = t.major ? st.tickLength : st.tickLength * 0.6
            c.fill(Rect(x: frame.minX - sw - len, y: py - sw / 2, width: len, height: sw), st.spine)
            if !t.label.isEmpty {
                c.drawText(t.label, at: Point(frame.minX - sw - st.tickLength - st.pad * 0.7, py),
                           size: st.tickFont, st.text, font: font, align: .right, vertical: .middle)
            }
        }
        if let xLabel {
            c.drawText(xLabel, at: Point(frame.midX, Double(c.height) - st.outer), size: st.labelFont,
                       st.text, font: font, align: .center, vertical: .bottom)
        }
        if let yLabel {
            c.drawText(yLabel, at: Point(st.outer + st.labelFont * 0.2, frame.midY), size: st.labelFont,
                       st.text, font: font, align: .center, vertical: .top, rotation: .up)
        }
        if let title { drawTitle(&c, title, over: frame, style: st, font: font) }
    }

    /// Pixel positions of data points (NaN where a value cannot be shown).
    func points(x xs: [Double], y ys: [Double]) -> [Point] {
        var out = [Point](repeating: Point(.nan, .nan), count: ys.count)
        for i in 0..<ys.count {
            let a = xs[i], b = ys[i]
            if a.isFinite && b.isFinite && (!x.log || a > 0) && (!y.log || b > 0) {
                out[i] = Point(x.pixel(a), y.pixel(b))
            }
        }
        return out
    }
}

/// Centred bold-free title above `frame`, shortened with an ellipsis if it would not fit.
func drawTitle(_ c: inout Canvas, _ title: String, over frame: Rect, style st: Style, font: Font) {
    var t = title
    let maxW = Double(c.width) - 2 * st.outer
    while t.count > 4 && font.measure(t, size: st.titleFont).width > maxW { t = String(t.dropLast(2)) + "…" }
    let cx = min(max(frame.midX, st.outer + font.measure(t, size: st.titleFont).width / 2),
                 Double(c.width) - st.outer - font.measure(t, size: st.titleFont).width / 2)
    c.drawText(t, at: Point(cx, frame.minY - st.pad - st.titleFont * 0.25), size: st.titleFont,
               st.text, font: font, align: .center, vertical: .bottom)
}

// Aligns a line of width w to the pixel grid so that it stays crisp.
@inline(__always)
func snap(_ v: Double, _ w: Double) -> Double {
    let odd = Int(w) % 2 == 1
    return odd ? v.rounded(.down) + 0.5 : v.rounded()
}
