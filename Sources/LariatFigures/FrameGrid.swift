extension Figure {
    /// Several movie frames (each `height` x `width`, row-major) in a grid on one shared
    /// intensity scale (default: min...max over all frames), captioned with their frame
    /// indices (`indices`, default 0, 1, ...), with one colour bar. `columns` defaults to
    /// the count that makes the frames largest. Throws on empty input or wrong frame sizes.
    public static func frames(_ frames: [[Double]], width: Int, height: Int, indices: [Int]? = nil,
                              columns: Int? = nil, colormap: Colormap = .grey,
                              limits: ClosedRange<Double>? = nil,
                              options: FigureOptions = FigureOptions()) throws -> Figure {
        try options.validate()
        guard !frames.isEmpty else { throw FigureError.invalidArgument("frames needs at least one frame") }
        guard width > 0, height > 0 else {
            throw FigureError.invalidArgument("frames: frame size must be positive, got \(height) x \(width)")
        }
        for (k, f) in frames.enumerated() where f.count != width * height {
            throw FigureError.invalidArgument("frames: frame \(k) has \(f.count) values, expected \(height) x \(width) = \(width * height)")
        }
        if let i = indices, i.count != frames.count {
            throw FigureError.invalidArgument("frames: \(i.count) indices for \(frames.count) frames")
        }
        if let c = columns, c < 1 { throw FigureError.invalidArgument("frames: columns must be at least 1") }
        let n = frames.count
        let (lo, hi) = try limits.map { ($0.lowerBound, $0.upperBound) }
            ?? colorLimits(frames.flatMap { $0 }, diverging: colormap == .rdbu)
        let font = try Font.default()
        let st = Style(scale: options.scale)
        var c = Canvas(width: options.pixelWidth, height: options.pixelHeight)
        let W = Double(c.width), H = Double(c.height)
        let bar = ColorBar(map: colormap, lo: lo, hi: hi, label: nil, style: st, font: font)
        let top = st.outer + (options.title != nil ? st.titleFont * 1.2 + st.pad : 0)
        let areaW = W - 2 * st.outer - 3 * st.pad - bar.requiredWidth(height: H / 2)
        let areaH = H - top - st.outer
        let caption = st.tickFont * 1.35
        let gap = st.pad * 1.5
        // Pick the column count that maximises the frame scale.
        var best = (cols: 1, scale: 0.0)
        for cols in (columns.map { [$0] } ?? Array(1...n)) {
            let rows = (n + cols - 1) / cols
            let sw = (areaW - Double(cols - 1) * gap) / Double(cols * width)
            let sh = (areaH - Double(rows) * caption - Double(rows - 1) * gap) / Double(rows * height)
            let s = min(sw, sh)
            if s > best.scale { best = (cols, s) }
        }
        guard best.scale > 0 else {
            throw FigureError.invalidArgument("frames: figure \(options.width) x \(options.height) is too small for \(n) frames")
        }
        let cols = best.cols, rows = (n + cols - 1) / cols
        let fw = (Double(width) * best.scale).rounded(.down), fh = (Double(height) * best.scale).rounded(.down)
        let gridW = Double(cols) * fw + Double(cols - 1) * gap
        let gridH = Double(rows) * (fh + caption) + Double(rows - 1) * gap
        let x0 = (st.outer + (areaW - gridW) / 2).rounded(), y0 = (top + (areaH - gridH) / 2).rounded()
        for k in 0..<n {
            let r = k / cols, q = k % cols
            let cell = Rect(x: x0 + Double(q) * (fw + gap), y: y0 + Double(r) * (fh + caption + gap) + caption,
                            width: fw, height: fh)
            Raster(values: frames[k], width: width, height: height).draw(into: &c, rect: cell, map: colormap, lo: lo, hi: hi)
            c.stroke(cell.insetBy(-0.5), st.spine.withOpacity(0.5), lineWidth: max(1, st.s.rounded()))
            c.drawText("frame \(indices?[k] ?? k)", at: Point(cell.midX, cell.minY - st.pad * 0.6), size: st.tickFont,
                       st.text, font: font, align: .center, vertical: .bottom)
        }
        let barRect = Rect(x: x0 + gridW + 3 * st.pad, y: y0 + caption, width: bar.barWidth, height: gridH - caption)
        bar.draw(&c, at: barRect)
        if let t = options.title {
            drawTitle(&c, t, over: Rect(x: x0, y: y0, width: gridW, height: gridH), style: st, font: font)
        }
        return try Figure(canvas: c, kind: "frames", description: "frames: \(n) frames of \(height) x \(width)")
    }
}
