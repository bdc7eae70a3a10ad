import Foundation
import LariatFigures
import LariatModel

extension BuiltinRegistry {
    /// Figures: values shown inline in Jupyter and written as PNG headless.
    static var figures: [Builtin] {
        [
            Builtin("plot", [Parameter("y", [.array, .list, .record], "values (a matrix plots each column), a list of series, or a record that plots itself (a model's losses, a lasso path)"),
                             Parameter("x", .array, default: Value.none, "x values shared by the series"),
                             Parameter("labels", [.list, .string], default: Value.none, "legend text, one per series")] + figureOptions,
                    summary: "A line plot of one or more series, or of a record that knows how to plot itself.",
                    documentation: """
                    A vector plots as one line; a T x k matrix as k lines (one per column); a list of
                    vectors as one line each. A fitted model plots its loss curves; a lasso path plots
                    its coefficients against lambda (as `lasso_plot`).

                    Example:

                        plot(sim.activity[:, 0:3], labels=["n0", "n1", "n2"], xlabel="frame")
                    """) { args, _ in
                var options = try figureOptions(args)
                if case .record(let r) = args["y"] {
                    if r.kind == "lasso path" { return try lassoPlot(r, options) }
                    if let parts = r["loss_parts"] { return try lossPlot(parts, options) }
                    if r.kind == "losses" { return try lossPlot(.record(r), options) }
                    throw BuiltinError("plot(): a \(r.kind) does not plot itself; plot one of its fields (\(r.fieldNames.joined(separator: ", ")))")
                }
                var series = try seriesList(args["y"], "y")
                if args.isGiven("x") {
                    let x = try args.array("x")
                    for i in series.indices {
                        guard x.count == series[i].y.count else {
                            throw BuiltinError("plot(): 'x' has \(x.count) values but the series have \(series[i].y.count)", argument: "x")
                        }
                        series[i].x = x.data
                    }
                }
                if args.isGiven("labels") {
                    let labels = try stringList(args["labels"], "labels")
                    guard labels.count == series.count else {
                        throw BuiltinError("plot(): \(labels.count) labels for \(series.count) series")
                    }
                    for i in series.indices { series[i].label = labels[i] }
                }
                if options.xLabel == nil && !args.isGiven("x") { options.xLabel = nil }
                return figure(try Figure.plot(series, options: options))
            },
            Builtin("heatmap", [Parameter("X", [.array, .record], "a matrix, or a record with coefficients (a model or VAR) or a matrix (a network)"),
                                Parameter("row_labels", .list, default: Value.none, "one label per row"),
                                Parameter("column_labels", .list, default: Value.none, "one label per column"),
                                Parameter("colormap", .string, default: Value.none, "\"rdbu\" (diverging, centred at zero; the default when values have both signs), \"viridis\", \"grey\" or \"hot\""),
                                Parameter("lag_blocks", .integer, default: Value.none, "draw separators between this many equal column blocks (a VAR's lags)")] + figureOptions,
                    summary: "A matrix as colours with a colour bar; coefficient matrices use a diverging map centred at zero.",
                    documentation: "A record with `coefficients` (a model, a sparse VAR) shows them with its lag blocks marked.\n\nExample:\n\n    heatmap(m.coefficients, title=\"sparse VAR\")") { args, _ in
                var options = try figureOptions(args)
                var blocks = try args.optionalInteger("lag_blocks", in: 1...10_000)
                var matrix: NDArray
                if case .record(let r) = args["X"] {
                    // A network shows its cell-by-cell matrix; a model or VAR its coefficients.
                    guard case .array(let c)? = r["coefficients"] ?? r["matrix"] else {
                        throw BuiltinError("heatmap(): a \(r.kind) has no coefficients or matrix to show")
                    }
                    matrix = c
                    // A network's diagonal is each cell's persistence, ~0.95 beside links of a few
                    // hundredths: shown, it would leave the links white. Its links are shown alone.
                    if r.kind == "network", c.rank == 2, c.shape[0] == c.shape[1] {
                        var links = c
                        for i in 0..<c.shape[0] { links.data[i * c.shape[0] + i] = 0 }
                        matrix = links
                        if options.title == nil { options.title = "network: links (diagonal left out)" }
                    }
                    if blocks == nil, case .number(let lag)? = r["lag"], lag > 1 { blocks = Int(lag) }
                    if options.title == nil { options.title = r["coefficients"] != nil ? "\(r.kind) coefficients" : r.kind }
                } else {
                    matrix = try args.array("X")
                }
                let m = matrix.rank == 1 ? NDArray(shape: [1, matrix.count], data: matrix.data) : matrix
                guard m.rank == 2 else { throw BuiltinError("heatmap(): 'X' must be a matrix, got shape \(formatShape(matrix.shape))", argument: "X") }
                let cmap = try args.optionalString("colormap").map { try Colormap.named($0) }
                return figure(try Figure.heatmap(m.data, rows: m.shape[0], columns: m.shape[1],
                                                 rowLabels: try optionalStrings(args["row_labels"], "row_labels"),
                                                 columnLabels: try optionalStrings(args["column_labels"], "column_labels"),
                                                 colormap: cmap, columnBlocks: blocks, options: options))
            },
            Builtin("frames", [Parameter("movie", .array, "a T x H x W movie"),
                               Parameter("indices", [.list, .range, .array], default: Value.none, "which frames (default: evenly spaced)"),
                               Parameter("count", .integer, default: .number(8), "how many evenly spaced frames when indices is not given"),
                               Parameter("columns", .integer, default: Value.none, "grid columns"),
                               Parameter("colormap", .string, default: .string("grey"), "\"grey\", \"viridis\" or \"hot\"")] + figureOptions,
                    summary: "A grid of movie frames on one shared intensity scale.",
                    documentation: "Example:\n\n    frames(movie, indices=0:6)") { args, _ in
                let movie = try args.movie("movie")
                let t = movie.frameCount
                guard t > 0 else { throw BuiltinError("frames(): the movie has no frames") }
                var idx: [Int]
                switch args["indices"] {
                case .none:
                    let n = min(try args.integer("count", in: 1...100), t)
                    idx = (0..<n).map { n == 1 ? 0 : Int((Double($0) * Double(t - 1) / Double(n - 1)).rounded()) }
                case .range:
                    idx = Array(try args.range("indices", count: t))
                default:
                    idx = try args.array("indices").data.map { v in
                        guard v == v.rounded() else { throw BuiltinError("frames(): 'indices' must be whole numbers", argument: "indices") }
                        return Int(v) < 0 ? Int(v) + t : Int(v)
                    }
                }
                guard !idx.isEmpty, idx.count <= 100 else { throw BuiltinError("frames(): choose between 1 and 100 frames, got \(idx.count)") }
                for i in idx where i < 0 || i >= t { throw BuiltinError("frames(): frame \(i) is out of range for \(t) frames") }
                let frames = try idx.map { try movie.floats($0..<($0 + 1)).map(Double.init) }
                return figure(try Figure.frames(frames, width: movie.width, height: movie.height, indices: idx,
                                                columns: try args.optionalInteger("columns", in: 1...100),
                                                colormap: try Colormap.named(try args.string("colormap")),
                                                options: try figureOptions(args)))
            },
            Builtin("image", [Parameter("X", [.array, .record], "an H x W image, a movie (its mean image is shown), or a record with a map (contributions)"),
                              Parameter("overlay", .array, default: Value.none, "an H x W map drawn over the image in a hot colour map"),
                              Parameter("colormap", .string, default: Value.none, "\"grey\", \"viridis\", \"hot\" or \"rdbu\"")] + figureOptions,
                    summary: "One frame or map with a colour bar, optionally overlaid on another (e.g. a contribution map on the mean image).",
                    documentation: "Example:\n\n    image(mean(movie, axis=0), overlay=c.map, title=\"contributions\")") { args, _ in
                var options = try figureOptions(args)
                var base: NDArray
                var overlay: NDArray? = args.isGiven("overlay") ? try args.array("overlay") : nil
                var limits: ClosedRange<Double>? = nil
                if case .record(let r) = args["X"] {
                    // A record drawn as an image of its own (cells' outlines, a network over the mean image).
                    if r["map"] == nil, let f = r.figure, !args.isGiven("overlay") { return .figure(f) }
                    guard case .array(let map)? = r["map"] else { throw BuiltinError("image(): a \(r.kind) has no map to show") }
                    if case .array(let mean)? = r["mean_image"], overlay == nil { base = mean; overlay = map } else { base = map }
                    if case .array(let strengths)? = r["region_drivers"] { limits = regionLimits(strengths.data) }
                    if options.title == nil { options.title = r.kind }
                } else if case .movie(let m) = args["X"] {
                    base = try m.meanImage()
                } else {
                    base = try args.array("X")
                    if base.rank == 3 { base = base.meanOverFirstAxis() }
                }
                guard base.rank == 2 else { throw BuiltinError("image(): 'X' must be an H x W image, got shape \(formatShape(base.shape))", argument: "X") }
                if let o = overlay, o.shape != base.shape {
                    throw BuiltinError("image(): 'overlay' has shape \(formatShape(o.shape)), the image \(formatShape(base.shape))", argument: "overlay")
                }
                let cmap = try args.optionalString("colormap").map { try Colormap.named($0) }
                return figure(try Figure.image(base.data, width: base.shape[1], height: base.shape[0], colormap: cmap,
                                               limits: overlay != nil ? limits : nil, overlay: overlay?.data, options: options))
            },
            Builtin("hist", [Parameter("values", [.array, .record], "numbers, or a sequence-test result (its null distribution, with the observed statistic marked)"),
                             Parameter("bins", .integer, default: Value.none, "number of bins (default: Freedman-Diaconis)"),
                             Parameter("marker", .number, default: Value.none, "draw a vertical line here (e.g. an observed statistic)")] + figureOptions,
                    summary: "A histogram, optionally with a marked value.",
                    documentation: "Example:\n\n    hist(test.null, marker=test.statistic)") { args, _ in
                var options = try figureOptions(args)
                var values: [Double]
                var marker = try args.optionalNumber("marker")
                var markerLabel: String? = nil
                if case .record(let r) = args["values"] {
                    guard case .array(let null)? = r["null"] else { throw BuiltinError("hist(): a \(r.kind) has no null distribution") }
                    values = null.data
                    if marker == nil, case .number(let s)? = r["statistic"] { marker = s; markerLabel = "observed" }
                    if options.title == nil { options.title = "null distribution" }
                } else {
                    values = try args.array("values").data
                }
                return figure(try Figure.hist(values, bins: try args.optionalInteger("bins", in: 1...10_000), marker: marker,
                                              markerLabel: markerLabel, options: options))
            },
            Builtin("lasso_plot", [Parameter("path", .record, "a lasso path from lasso_path(X, y)"),
                                   Parameter("labels", .list, default: Value.none, "feature names for the legend")] + figureOptions,
                    summary: "The lasso path: each coefficient against lambda on a log axis.",
                    documentation: "Example:\n\n    p = lasso_path(X, y)\n    lasso_plot(p)") { args, _ in
                var options = try figureOptions(args)
                if options.title == nil { options.title = "lasso path" }
                return try lassoPlot(try args.record("path", kind: "lasso path"), options,
                                     labels: try optionalStrings(args["labels"], "labels"))
            },
        ]
    }
}

/// Size, title and axis options every figure builtin takes.
private let figureOptions: [Parameter] = [
    Parameter("title", .string, default: Value.none, "title above the figure"),
    Parameter("xlabel", .string, default: Value.none, "x axis label"),
    Parameter("ylabel", .string, default: Value.none, "y axis label"),
    Parameter("logx", .boolean, default: .bool(false), "logarithmic x axis"),
    Parameter("logy", .boolean, default: .bool(false), "logarithmic y axis"),
    Parameter("width", .integer, default: .number(640), "width in pixels"),
    Parameter("height", .integer, default: .number(480), "height in pixels"),
    Parameter("scale", .number, default: .number(1), "resolution multiplier (2 for sharp images on high-DPI screens)"),
]

private func figureOptions(_ args: Arguments) throws -> FigureOptions {
    FigureOptions(width: try args.integer("width", in: 32...8192), height: try args.integer("height", in: 32...8192),
                  scale: try args.number("scale"), title: try args.optionalString("title"),
                  xLabel: try args.optionalString("xlabel"), yLabel: try args.optionalString("ylabel"),
                  xLog: try args.bool("logx"), yLog: try args.bool("logy"))
}

func figure(_ f: Figure) -> Value {
    .figure(FigureValue(png: f.png, width: f.width, height: f.height, description: f.description, kind: f.kind))
}

private func seriesList(_ v: Value, _ name: String) throws -> [Series] {
    if case .list(let items) = v, items.contains(where: { if case .array = $0 { return true }; if case .list = $0 { return true }; return false }) {
        return try items.map { item in
            let a = try arrayFromValue(item)
            guard a.rank == 1 else { throw BuiltinError("plot(): each series in '\(name)' must be a vector, got shape \(formatShape(a.shape))") }
            return Series(a.data)
        }
    }
    let a = try arrayFromValue(v)
    switch a.rank {
    case 0: return [Series(a.data)]
    case 1: return [Series(a.data)]
    case 2: return (0..<a.shape[1]).map { j in Series((0..<a.shape[0]).map { a[$0, j] }) }
    default: throw BuiltinError("plot(): '\(name)' must be a vector or a matrix, got shape \(formatShape(a.shape))", argument: name)
    }
}

private func stringList(_ v: Value, _ name: String) throws -> [String] {
    switch v {
    case .string(let s): return [s]
    case .list(let items):
        return try items.map { item in
            switch item {
            case .string(let s): return s
            case .number(let x): return formatNumber(x)
            default: throw BuiltinError("'\(name)' must be a list of strings")
            }
        }
    default: throw BuiltinError("'\(name)' must be a list of strings")
    }
}

private func optionalStrings(_ v: Value, _ name: String) throws -> [String]? {
    v.isNone ? nil : try stringList(v, name)
}

private func lassoPlot(_ r: Record, _ options: FigureOptions, labels: [String]? = nil) throws -> Value {
    guard case .array(let lambdas)? = r["lambdas"], case .array(let coefs)? = r["coefficients"], coefs.rank == 2 else {
        throw BuiltinError("lasso_plot(): the record lacks lambdas and coefficients")
    }
    let rows = (0..<coefs.shape[0]).map { i in Array(coefs.data[i * coefs.shape[1] ..< (i + 1) * coefs.shape[1]]) }
    var o = options
    if o.xLabel == nil { o.xLabel = "lambda" }
    if o.yLabel == nil { o.yLabel = "coefficient" }
    return figure(try Figure.lassoPath(lambdas: lambdas.data, coefficients: rows, featureLabels: labels, options: o))
}

/// Loss curves: a record of named series (e.g. a model's `losses`).
private func lossPlot(_ v: Value, _ options: FigureOptions) throws -> Value {
    var o = options
    if o.xLabel == nil { o.xLabel = "epoch" }
    if o.yLabel == nil { o.yLabel = "loss" }
    if o.title == nil { o.title = "training losses" }
    switch v {
    case .record(let r):
        var series: [Series] = []
        for (name, value) in r.fields {
            guard case .array(let a) = value, a.rank == 1, a.count > 0 else { continue }
            series.append(Series(a.data, label: name))
        }
        guard !series.isEmpty else { throw BuiltinError("plot(): no loss curves to plot") }
        return figure(try Figure.plot(series, options: o))
    default:
        let a = try arrayFromValue(v)
        return figure(try Figure.plot([Series(a.data, label: "loss")], options: o))
    }
}

/// A small frame grid previewing a movie, for its rich display.
func moviePreview(_ movie: NDArray) -> FigureValue? {
    guard movie.rank == 3 else { return nil }
    return moviePreview(frames: movie.shape[0], height: movie.shape[1], width: movie.shape[2]) { movie.frame($0).data }
}

/// The same for a loaded movie (six frames read, even from a lazy one).
func moviePreview(_ movie: Movie) -> FigureValue? {
    moviePreview(frames: movie.frameCount, height: movie.height, width: movie.width) {
        try movie.floats($0..<($0 + 1)).map(Double.init)
    }
}

private func moviePreview(frames t: Int, height: Int, width: Int, frame: (Int) throws -> [Double]) -> FigureValue? {
    // Frames smaller than 8 x 8 are numbers to read, not images to look at.
    guard t > 0, height >= 8, width >= 8 else { return nil }
    let n = min(6, t)
    let idx = (0..<n).map { n == 1 ? 0 : Int((Double($0) * Double(t - 1) / Double(n - 1)).rounded()) }
    guard let frames = try? idx.map(frame),
          let f = try? Figure.frames(frames, width: width, height: height,
                                     indices: idx, options: FigureOptions(width: 720, height: 300)) else { return nil }
    return FigureValue(png: f.png, width: f.width, height: f.height, description: f.description, kind: f.kind)
}
