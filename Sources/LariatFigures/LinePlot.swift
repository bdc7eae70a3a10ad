/// One line of a line plot.
public struct Series: Sendable, Equatable {
    /// x values; nil means 0, 1, 2, ...
    public var x: [Double]?
    public var y: [Double]
    /// Legend text; unlabelled series are left out of the legend.
    public var label: String?
    /// nil takes the next colour of the tab10 cycle.
    public var color: Color?
    /// Line width in logical pixels; nil is the style's 1.75.
    public var lineWidth: Double?
    /// Draw a dot at each point (always on for a single point).
    public var markers: Bool
    public var dashed: Bool

    public init(_ y: [Double], x: [Double]? = nil, label: String? = nil, color: Color? = nil,
                lineWidth: Double? = nil, markers: Bool = false, dashed: Bool = false) {
        self.y = y; self.x = x; self.label = label; self.color = color
        self.lineWidth = lineWidth; self.markers = markers; self.dashed = dashed
    }
}

extension Figure {
    /// A line plot of one or more series (e.g. loss curves), with a legend when any
    /// series is labelled. Non-finite values (and non-positive ones on a log axis) leave
    /// gaps. Throws if there are no series, a series' x and y differ in length, or
    /// nothing is drawable.
    ///
    ///     let fig = try Figure.plot([Series(train, label: "train"), Series(test, label: "test")],
    ///                               options: FigureOptions(xLabel: "epoch", yLabel: "loss", yLog: true))
    public static func plot(_ series: [Series], options: FigureOptions = FigureOptions()) throws -> Figure {
        let (canvas, n) = try renderLines(series, options: options)
        let s = series.count == 1 ? "series" : "series"
        return try Figure(canvas: canvas, kind: "plot", description: "plot: \(series.count) \(s), \(n) points")
    }

    /// A line plot of `y` against its index (or `x`).
    public static func plot(_ y: [Double], x: [Double]? = nil, label: String? = nil,
                            options: FigureOptions = FigureOptions()) throws -> Figure {
        try plot([Series(y, x: x, label: label)], options: options)
    }

    /// Draws lines on fresh axes; `decorate` runs after the grid and before the lines
    /// (for reference lines), `xReversed` makes x decrease to the right.
    static func renderLines(_ series: [Series], options: FigureOptions, xReversed: Bool = false,
                            extraX: [Double] = [], decorate: ((inout Canvas, Axes) -> Void)? = nil,
                            extraLegend: [LegendEntry] = []) throws -> (Canvas, Int) {
        try options.validate()
        guard !series.isEmpty else { throw FigureError.invalidArgument("plot needs at least one series") }
        var xsAll: [[Double]] = []
        var allX: [Double] = extraX, allY: [Double] = []
        var total = 0
        for (k, s) in series.enumerated() {
            guard !s.y.isEmpty else { throw FigureError.invalidArgument("series \(k) is empty") }
            let xs = s.x ?? (0..<s.y.count).map(Double.init)
            guard xs.count == s.y.count else {
                throw FigureError.invalidArgument("series \(k): x has \(xs.count) values but y has \(s.y.count)")
            }
            xsAll.append(xs)
            for i in 0..<xs.count where xs[i].isFinite && s.y[i].isFinite
                && (!options.xLog || xs[i] > 0) && (!options.yLog || s.y[i] > 0) {
                allX.append(xs[i]); allY.append(s.y[i])
            }
            total += s.y.count
        }
        guard !allY.isEmpty else {
            throw FigureError.invalidArgument(options.xLog || options.yLog
                ? "nothing to plot: no finite positive values for the log axis"
                : "nothing to plot: no finite values")
        }
        let font = try Font.default()
        let st = Style(scale: options.scale)
        let xl = options.xLimits.map { ($0.lowerBound, $0.upperBound) }
            ?? Scale.limits(allX, log: options.xLog, margin: allX.count > 1 ? 0.03 : 0.05)!
        let yl = options.yLimits.map { ($0.lowerBound, $0.upperBound) } ?? Scale.limits(allY, log: options.yLog)!
        var c = Canvas(width: options.pixelWidth, height: options.pixelHeight)
        let axes = Axes.layout(width: c.width, height: c.height, style: st, font: font, title: options.title,
                               xLabel: options.xLabel, yLabel: options.yLabel, x: xl, xLog: options.xLog,
                               xReversed: xReversed, y: yl, yLog: options.yLog)
        axes.drawGrid(&c)
        c.clip = axes.frame.insetBy(-1)
        decorate?(&c, axes)
        var legend: [LegendEntry] = []
        var avoid: [Point] = []
        for (k, s) in series.enumerated() {
            let color = s.color ?? Color.cycle(k)
            let w = (s.lineWidth ?? 1.75) * st.s
            let pts = axes.points(x: xsAll[k], y: s.y)
            c.strokePolyline(pts, width: w, color, dash: s.dashed ? [6 * st.s, 3.5 * st.s] : nil)
            if s.markers || s.y.count == 1 {
                for p in pts where p.x.isFinite { c.fillCircle(center: p, radius: max(2.5 * st.s, w * 1.3), color) }
            }
            // Sample the line for legend placement (endpoints and a few hundred points).
            let step = max(1, pts.count / 400)
            for i in stride(from: 0, to: pts.count, by: step) where pts[i].x.isFinite { avoid.append(pts[i]) }
            if let label = s.label {
                legend.append(LegendEntry(label: label, color: color,
                                          swatch: s.dashed ? .dashed(w) : (s.markers ? .marker : .line(w))))
            }
        }
        legend += extraLegend
        axes.drawDecorations(&c)
        if options.legend ?? !legend.isEmpty {
            Legend.draw(legend, in: axes.frame, avoiding: avoid, canvas: &c, style: st, font: font)
        }
        return (c, total)
    }
}
