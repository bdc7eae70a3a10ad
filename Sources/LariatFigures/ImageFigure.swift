extension Figure {
    /// One frame or map (`height` x `width`, row-major) with a colour bar and pixel axes.
    ///
    /// Without `overlay`, `values` are drawn in `colormap` (default viridis; rdbu centred
    /// at zero if given). With `overlay` (same size, e.g. a contribution map), `values`
    /// are the background in grey (e.g. the mean image) and the overlay is drawn in
    /// `overlayColormap` (default hot) from 0 to its maximum (or `limits`), transparent
    /// where it is small: opacity rises with the value. The colour bar then shows the overlay.
    public static func image(_ values: [Double], width: Int, height: Int, colormap: Colormap? = nil,
                             limits: ClosedRange<Double>? = nil, overlay: [Double]? = nil,
                             overlayColormap: Colormap = .hot, colorbarLabel: String? = nil,
                             annotations: [ImageAnnotation] = [],
                             options: FigureOptions = FigureOptions()) throws -> Figure {
        try options.validate()
        guard width > 0, height > 0, values.count == width * height else {
            throw FigureError.invalidArgument("image: \(height) x \(width) needs \(max(0, width * height)) values, got \(values.count)")
        }
        if let o = overlay, o.count != values.count {
            throw FigureError.invalidArgument("image: overlay has \(o.count) values, the image \(values.count)")
        }
        let font = try Font.default()
        let st = Style(scale: options.scale)
        var c = Canvas(width: options.pixelWidth, height: options.pixelHeight)
        let W = Double(c.width), H = Double(c.height)

        let baseMap = overlay != nil ? Colormap.grey : (colormap ?? .viridis)
        let (blo, bhi) = try (overlay == nil ? limits.map { ($0.lowerBound, $0.upperBound) } : nil)
            ?? colorLimits(values, diverging: baseMap == .rdbu)
        var barMap = baseMap, lo = blo, hi = bhi
        if let o = overlay {
            barMap = overlayColormap
            if let l = limits { lo = l.lowerBound; hi = l.upperBound } else {
                let (_, ohi) = try colorLimits(o, diverging: false)
                lo = 0; hi = ohi > 0 ? ohi : 1
            }
        }
        let bar = ColorBar(map: barMap, lo: lo, hi: hi, label: colorbarLabel, style: st, font: font)
        // Pixel-index axes like imshow: x ticks below, y ticks left (row 0 at the top).
        let yt = Axes.ticks((0, Double(height)), log: false, length: H / 2, spacing: 42 * st.s, font: font,
                            size: st.tickFont, vertical: true)
        let ytW = yt.map { font.measure($0.label, size: st.tickFont).width }.max() ?? 0
        let top = st.outer + (options.title != nil ? st.titleFont * 1.2 + st.pad : st.tickFont * 0.5)
        let left = st.outer + (options.yLabel != nil ? st.labelFont * 1.2 + st.pad : 0) + ytW + st.pad + st.tickLength
        let bottom = st.outer + st.tickLength + st.pad + st.tickFont * 0.95 + (options.xLabel != nil ? st.pad + st.labelFont * 1.15 : 0)
        let areaW = W - left - st.outer - 3 * st.pad - bar.requiredWidth(height: H / 2)
        let areaH = H - top - bottom
        let s = min(areaW / Double(width), areaH / Double(height))
        guard s > 0 else { throw FigureError.invalidArgument("image: figure \(options.width) x \(options.height) is too small") }
        let iw = (Double(width) * s).rounded(), ih = (Double(height) * s).rounded()
        let frame = Rect(x: (left + (areaW - iw) / 2).rounded(), y: (top + (areaH - ih) / 2).rounded(), width: iw, height: ih)
        Raster(values: values, width: width, height: height).draw(into: &c, rect: frame, map: baseMap, lo: blo, hi: bhi)
        if let o = overlay {
            // Opacity grows with the normalised value; the low end is fully transparent.
            Raster(values: o, width: width, height: height).draw(into: &c, rect: frame, map: overlayColormap, lo: lo, hi: hi,
                                                                  alpha: { u in min(1, 1.4 * u) * 0.9 })
        }
        for a in annotations { a.draw(into: &c, frame: frame, width: width, height: height, scale: s, lineScale: st.s) }
        let ys = Scale(lower: 0, upper: Double(height), log: false, start: frame.minY, end: frame.maxY)
        let xs = Scale(lower: 0, upper: Double(width), log: false, start: frame.minX, end: frame.maxX)
        let xt = Axes.ticks((0, Double(width)), log: false, length: iw, spacing: 70 * st.s, font: font,
                            size: st.tickFont, vertical: false)
        let axes = Axes(frame: frame, x: xs, y: ys, xTicks: xt, yTicks: yt, title: options.title,
                        xLabel: options.xLabel, yLabel: options.yLabel, style: st, font: font)
        axes.drawDecorations(&c)
        c.stroke(frame.insetBy(-0.5), st.spine, lineWidth: st.spineWidth)
        bar.draw(&c, at: Rect(x: frame.maxX + 3 * st.pad, y: frame.minY, width: bar.barWidth, height: frame.height))
        let what = (overlay != nil ? ", with overlay" : "") + (annotations.isEmpty ? "" : ", \(annotations.count) marks")
        return try Figure(canvas: c, kind: "image", description: "image: \(height) x \(width)\(what)")
    }
}
