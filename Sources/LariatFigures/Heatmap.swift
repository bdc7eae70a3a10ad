extension Figure {
    /// A heatmap of a `rows` x `columns` matrix (row-major `values`) with a colour bar.
    ///
    /// The colour map defaults to diverging `rdbu` centred at zero (limits ±max|v|) when
    /// any value is negative, else sequential `viridis` from min to max. Cells are square
    /// when the figure allows. Row/column labels default to indices; when there are too
    /// many to read, only every k-th is shown. `columnBlocks` draws separators every k
    /// columns (e.g. the lag blocks of a VAR coefficient matrix d x d*p). Non-finite
    /// cells are light grey.
    public static func heatmap(_ values: [Double], rows: Int, columns: Int,
                               rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                               colormap: Colormap? = nil, limits: ClosedRange<Double>? = nil,
                               colorbarLabel: String? = nil, columnBlocks: Int? = nil,
                               options: FigureOptions = FigureOptions()) throws -> Figure {
        try options.validate()
        guard rows > 0, columns > 0 else {
            throw FigureError.invalidArgument("heatmap needs at least one row and one column, got \(rows) x \(columns)")
        }
        guard values.count == rows * columns else {
            throw FigureError.invalidArgument("heatmap: \(rows) x \(columns) needs \(rows * columns) values, got \(values.count)")
        }
        if let r = rowLabels, r.count != rows {
            throw FigureError.invalidArgument("heatmap: \(r.count) row labels for \(rows) rows")
        }
        if let c = columnLabels, c.count != columns {
            throw FigureError.invalidArgument("heatmap: \(c.count) column labels for \(columns) columns")
        }
        let hasNegative = values.contains { $0 < 0 }
        let map = colormap ?? (hasNegative ? .rdbu : .viridis)
        let (lo, hi) = try limits.map { ($0.lowerBound, $0.upperBound) }
            ?? colorLimits(values, diverging: map == .rdbu)
        let font = try Font.default()
        let st = Style(scale: options.scale)
        var c = Canvas(width: options.pixelWidth, height: options.pixelHeight)
        let W = Double(c.width), H = Double(c.height)

        let rl = rowLabels ?? (0..<rows).map(String.init)
        let cl = columnLabels ?? (0..<columns).map(String.init)
        let rowW = rl.map { font.measure($0, size: st.tickFont).width }.max() ?? 0
        let colW = cl.map { font.measure($0, size: st.tickFont).width }.max() ?? 0
        let bar = ColorBar(map: map, lo: lo, hi: hi, label: colorbarLabel, style: st, font: font)

        let top = st.outer + (options.title != nil ? st.titleFont * 1.2 + st.pad : 0)
        let left = st.outer + (options.yLabel != nil ? st.labelFont * 1.2 + st.pad : 0) + rowW + st.pad + st.tickLength
        // Column labels are turned upright when they would not fit side by side.
        var areaW = W - left - st.outer - 3 * st.pad - bar.requiredWidth(height: H / 2)
        let cellGuess = areaW / Double(columns)
        let upright = colW + st.pad > cellGuess * Double(labelStride(columns, cellGuess, colW + st.pad))
            && colW > st.tickFont * 1.8
        let colLabelH = upright ? colW : st.tickFont * 0.95
        let bottom = st.outer + st.tickLength + st.pad * 0.7 + colLabelH
            + (options.xLabel != nil ? st.pad + st.labelFont * 1.15 : 0)
        let areaH = H - top - bottom
        areaW = W - left - st.outer - 3 * st.pad - bar.requiredWidth(height: areaH)
        guard areaW > 4, areaH > 4 else {
            throw FigureError.invalidArgument("heatmap: figure \(options.width) x \(options.height) is too small for its labels")
        }
        let cell = min(areaW / Double(columns), areaH / Double(rows))
        let gw = (cell * Double(columns)).rounded(), gh = (cell * Double(rows)).rounded()
        let grid = Rect(x: left.rounded(), y: (top + (areaH - gh) / 2).rounded(), width: gw, height: gh)
        let cw = gw / Double(columns), ch = gh / Double(rows)

        Raster(values: values, width: columns, height: rows).draw(into: &c, rect: grid, map: map, lo: lo, hi: hi)
        if let k = columnBlocks, k > 0, k < columns {
            for b in stride(from: k, to: columns, by: k) {
                let x = snap(grid.minX + Double(b) * cw, 2 * st.s)
                c.fill(Rect(x: x - st.s, y: grid.minY, width: 2 * st.s, height: grid.height), Color.white)
            }
        }
        c.stroke(grid.insetBy(-0.5), st.spine, lineWidth: st.spineWidth)

        // Row labels (left) and column labels (below), thinned to stay legible.
        let rs = labelStride(rows, ch, st.tickFont * 1.25)
        for r in stride(from: 0, to: rows, by: rs) {
            let y = grid.minY + (Double(r) + 0.5) * ch
            c.fill(Rect(x: grid.minX - st.tickLength - 0.5, y: snap(y, 1) - 0.5, width: st.tickLength, height: 1), st.spine)
            c.drawText(rl[r], at: Point(grid.minX - st.tickLength - st.pad * 0.7, y), size: st.tickFont, st.text,
                       font: font, align: .right, vertical: .middle)
        }
        let cs = labelStride(columns, cw, upright ? st.tickFont * 1.25 : colW + st.pad)
        for q in stride(from: 0, to: columns, by: cs) {
            let x = grid.minX + (Double(q) + 0.5) * cw
            c.fill(Rect(x: snap(x, 1) - 0.5, y: grid.maxY + 0.5, width: 1, height: st.tickLength), st.spine)
            let y = grid.maxY + st.tickLength + st.pad * 0.7
            if upright {
                c.drawText(cl[q], at: Point(x, y), size: st.tickFont, st.text, font: font,
                           align: .right, vertical: .middle, rotation: .up)
            } else {
                c.drawText(cl[q], at: Point(x, y), size: st.tickFont, st.text, font: font,
                           align: .center, vertical: .top)
            }
        }
        bar.draw(&c, at: Rect(x: grid.maxX + 3 * st.pad, y: grid.minY, width: bar.barWidth, height: grid.height))
        if let xl = options.xLabel {
            // Just under the column labels, not at the figure's edge, when the grid is short.
            let y = grid.maxY + st.tickLength + st.pad * 0.7 + colLabelH + st.pad + st.labelFont * 0.9
            c.drawText(xl, at: Point(grid.midX, min(H - st.outer - st.labelFont * 0.25, y)), size: st.labelFont,
                       st.text, font: font, align: .center, vertical: .baseline)
        }
        if let yl = options.yLabel {
            c.drawText(yl, at: Point(st.outer + st.labelFont * 0.2, grid.midY), size: st.labelFont, st.text,
                       font: font, align: .center, vertical: .top, rotation: .up)
        }
        if let t = options.title { drawTitle(&c, t, over: grid, style: st, font: font) }
        return try Figure(canvas: c, kind: "heatmap", description: "heatmap: \(rows) x \(columns)")
    }

    /// A heatmap of a matrix given as rows.
    public static func heatmap(_ matrix: [[Double]], rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                               colormap: Colormap? = nil, limits: ClosedRange<Double>? = nil,
                               colorbarLabel: String? = nil, columnBlocks: Int? = nil,
                               options: FigureOptions = FigureOptions()) throws -> Figure {
        guard let cols = matrix.first?.count, cols > 0 else {
            throw FigureError.invalidArgument("heatmap needs a non-empty matrix")
        }
        for (i, row) in matrix.enumerated() where row.count != cols {
            throw FigureError.invalidArgument("heatmap: row \(i) has \(row.count) values, row 0 has \(cols)")
        }
        return try heatmap(matrix.flatMap { $0 }, rows: matrix.count, columns: cols, rowLabels: rowLabels,
                           columnLabels: columnLabels, colormap: colormap, limits: limits,
                           colorbarLabel: colorbarLabel, columnBlocks: columnBlocks, options: options)
    }
}

/// Show every k-th of `n` labels, k from 1-2-5 steps, so that labels `need` pixels apart fit
/// in cells `cell` pixels wide.
func labelStride(_ n: Int, _ cell: Double, _ need: Double) -> Int {
    guard cell > 0 else { return max(1, n) }
    var k = 1
    let steps = [1, 2, 5]
    var i = 0, mult = 1
    while Double(k) * cell < need && k < n {
        i += 1
        if i == steps.count { i = 0; mult *= 10 }
        k = steps[i] * mult
    }
    return k
}
