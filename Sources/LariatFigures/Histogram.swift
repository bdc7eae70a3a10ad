extension Figure {
    /// A histogram of `values` in `bins` equal-width bins (default: √n, clamped to 10...60),
    /// with an optional vertical `marker` line, e.g. an observed statistic over its null
    /// distribution; `markerLabel` names it in the legend. Non-finite values are ignored;
    /// the x range always includes the marker.
    public static func hist(_ values: [Double], bins: Int? = nil, marker: Double? = nil,
                            markerLabel: String? = nil, options: FigureOptions = FigureOptions()) throws -> Figure {
        try options.validate()
        let v = values.filter { $0.isFinite }
        guard !v.isEmpty else { throw FigureError.invalidArgument("hist needs at least one finite value") }
        if let b = bins, b < 1 || b > 10_000 {
            throw FigureError.invalidArgument("hist: bins must be in 1...10000, got \(b)")
        }
        if let m = marker, !m.isFinite { throw FigureError.invalidArgument("hist: marker must be finite") }
        let k = bins ?? max(10, min(60, Int(Double(v.count).squareRoot().rounded())))
        var lo = v.min()!, hi = v.max()!
        if hi - lo < 1e-12 * max(1, abs(lo)) { lo -= 0.5; hi += 0.5 }
        let width = (hi - lo) / Double(k)
        var counts = [Double](repeating: 0, count: k)
        for x in v { counts[min(k - 1, Int((x - lo) / width))] += 1 }

        let font = try Font.default()
        let st = Style(scale: options.scale)
        var xs = [lo, hi]
        if let m = marker { xs.append(m) }
        let xl = options.xLimits.map { ($0.lowerBound, $0.upperBound) } ?? Scale.limits(xs, log: false)!
        let ymax = counts.max()!
        let yl = options.yLimits.map { ($0.lowerBound, $0.upperBound) } ?? (0, ymax * 1.06)
        var c = Canvas(width: options.pixelWidth, height: options.pixelHeight)
        let axes = Axes.layout(width: c.width, height: c.height, style: st, font: font, title: options.title,
                               xLabel: options.xLabel, yLabel: options.yLabel ?? "count", x: xl, xLog: false,
                               y: yl, yLog: false)
        axes.drawGrid(&c)
        c.clip = axes.frame
        let fill = Color.cycle(0).withOpacity(0.85)
        let y0 = axes.y.pixel(max(yl.0, 0))
        var avoid: [Point] = []
        for i in 0..<k where counts[i] > 0 {
            let a = axes.x.pixel(lo + Double(i) * width), b = axes.x.pixel(lo + Double(i + 1) * width)
            let top = axes.y.pixel(counts[i])
            c.fill(Rect(x: a, y: top, width: b - a, height: y0 - top), fill)
            // A thin white gap separates neighbouring bars when they are wide enough.
            if b - a > 4 * st.s { c.fill(Rect(x: b - 0.5 * st.s, y: top, width: st.s, height: y0 - top), .white) }
            for f in stride(from: 0.0, through: 1.0, by: 0.25) {
                avoid.append(Point(a + (b - a) * f, top))
                avoid.append(Point(a + (b - a) * f, (top + y0) / 2))
            }
        }
        var legend: [LegendEntry] = []
        if let m = marker {
            let red = Color.cycle(3)
            let x = axes.x.pixel(m)
            c.strokeLine(Point(x, axes.frame.minY), Point(x, axes.frame.maxY), width: 2 * st.s, red,
                         dash: [6 * st.s, 3.5 * st.s])
            for j in stride(from: axes.frame.minY, to: axes.frame.maxY, by: 10) { avoid.append(Point(x, j)) }
            if let label = markerLabel { legend.append(LegendEntry(label: label, color: red, swatch: .dashed(2 * st.s))) }
        }
        axes.drawDecorations(&c)
        if options.legend ?? !legend.isEmpty {
            Legend.draw(legend, in: axes.frame, avoiding: avoid, canvas: &c, style: st, font: font)
        }
        return try Figure(canvas: c, kind: "hist", description: "hist: \(v.count) values, \(k) bins")
    }
}
