import Foundation
import LariatFigures
import LariatModel

extension BuiltinRegistry {
    /// Cells and their network (DESIGN.md "Cells and networks").
    static var cells: [Builtin] {
        [
            Builtin("traces", [
                Parameter("movie", [.array, .string], "a movie T x H x W, or a suite2p plane folder (its F.npy and Fneu.npy)"),
                Parameter("masks", .array, default: Value.none, "n x H x W cell masks (weights >= 0): sim.footprints, rois(...), cells(...).masks"),
                Parameter("neuropil", .number, default: Value.none, "subtract this times each cell's neuropil (suite2p uses 0.7); default 0 for a movie, 0.7 for a suite2p folder"),
                Parameter("all", .boolean, default: .bool(false), "suite2p folder: every ROI, not only the cells of iscell.npy"),
            ], summary: "Each cell's trace, T x n: the mask-weighted mean of every frame.",
            documentation: """
            `F_i(t) = sum_p w_ip x_t(p) / sum_p w_ip`. With `neuropil=r`, suite2p's correction
            `F - r * Fneu`, `Fneu` the mean of the pixels outside every mask between 2 and 7 pixels
            from the cell's mask. With `var(...)` this is the classical route to a network of cells.

            Example:

                F = traces(sim.movie, sim.footprints)
                v = var(F, lag=1, lambda="bic")
            A suite2p plane folder instead of a movie gives suite2p's own traces, `F - neuropil * Fneu` \
            (F.npy, Fneu.npy), T x n, the cells of iscell.npy unless `all=true`.

                F = traces("suite2p/plane0")
            """) { args, ctx in
                if case .string(let folder) = args["movie"] {
                    guard args["masks"].isNone else { throw BuiltinError("traces(): a suite2p folder brings its own ROIs; masks= applies to movies", argument: "masks") }
                    do {
                        return .array(try Suite2pFolder.traces(folder: ctx.resolve(folder),
                                                               neuropil: try args.optionalNumber("neuropil") ?? 0.7, all: try args.bool("all")))
                    } catch let e as DataFileError {
                        throw BuiltinError(e.description, kind: .io)
                    }
                }
                guard !args["masks"].isNone else { throw BuiltinError("traces(): 'masks' is required with a movie (n x H x W, e.g. rois(...) or cells(movie).masks)", argument: "masks") }
                if try args.bool("all") { throw BuiltinError("traces(): all= applies to suite2p folders", argument: "all") }
                let masks = try args.array("masks", rank: 3, what: "cell masks n x H x W")
                let neuropil = try args.optionalNumber("neuropil") ?? 0
                do {
                    // A float64 array is traced as it is; a loaded movie a window at a time.
                    if case .movie(let movie) = args["movie"] {
                        return .array(try CellTraces.traces(movie, masks: masks, neuropil: neuropil, cancellation: ctx.work.cancellation))
                    }
                    let movie = try args.array("movie", rank: 3, what: "a movie T x H x W")
                    return .array(try CellTraces.traces(movie, masks: masks, neuropil: neuropil, cancellation: ctx.work.cancellation))
                } catch let e as NetworkError {
                    throw BuiltinError("traces(): \(e.description)", argument: e.option ?? "masks")
                }
            },
            Builtin("cells", [
                Parameter("movie", .array, "a movie T x H x W"),
                Parameter("radius", .number, default: .number(3), "the expected cell radius in pixels"),
                Parameter("threshold", .number, default: .number(0.2), "the smallest local correlation a cell's seed may have"),
                Parameter("max_cells", .integer, default: .number(1000), "at most this many cells (the strongest active ones)"),
                Parameter("min_activity", .number, default: .number(2), "the smallest activity a cell's trace may have: its spread above a running baseline over its noise (white noise has 1)"),
            ], summary: "Cells found in the movie alone (local-correlation seeds grown into masks).",
            documentation: """
            Each pixel's trace is detrended against the frame mean (drift and bleaching); the local
            correlation image is each pixel's mean correlation with its 8 neighbours. Seeds are its
            local maxima within `radius` above `threshold`; each cell's mask holds the pixels within
            2 x radius whose correlation with the seed's neighbourhood is above half its peak,
            connected to the seed, weighted by that correlation (peak 1). Only active cells are
            kept: a cell's activity is the standard deviation of its trace minus a running 20th
            percentile (301 frames) over its noise (from the first differences, 1.4826 MAD / sqrt 2),
            about 1 for noise and drift and 8 to 40 for the simulator's cells; masks below
            `min_activity` (static structure whose pixels share a residual) are dropped.

            A movie longer than 5000 frames (loaded, lazy or an array) is detected on at most 5000
            time bins (means of consecutive frames, as suite2p bins before detection; fewer when 5000
            would exceed 256 MiB as float64); its traces use every frame.

            The result has `.masks` (n x H x W), `.traces` (T x n, as `traces(movie, masks)`),
            `.count`, `.seeds` (n x 2: row, column), `.activity` (n), `.correlation` (the local
            correlation image) and `.mean_image`; it displays as the outlines over the mean image.

            Example:

                c = cells(sim.movie)
                v = var(c.traces, lag=1, lambda="bic")
            """) { args, ctx in
                var o = CellDetection.Options()
                o.radius = try args.number("radius")
                o.threshold = try args.number("threshold")
                o.maxCells = try args.integer("max_cells", in: 1...1_000_000)
                o.minActivity = try args.number("min_activity")
                let found: CellDetection.Result
                let traces: NDArray, mean: NDArray
                do {
                    // A loaded or lazy movie: detected on at most CellDetection.maxFrames time bins, traced whole, streamed.
                    if case .movie(let movie) = args["movie"] {
                        found = try CellDetection.detect(movie, options: o, cancellation: ctx.work.cancellation)
                        traces = found.masks.shape[0] > 0 ? try CellTraces.traces(movie, masks: found.masks, cancellation: ctx.work.cancellation)
                                                          : NDArray(shape: [movie.frameCount, 0], data: [])
                        mean = try movie.meanImage()
                    } else {
                        let movie = try args.array("movie", rank: 3, what: "a movie T x H x W")
                        found = try CellDetection.detect(movie, options: o, cancellation: ctx.work.cancellation)
                        traces = found.masks.shape[0] > 0 ? try CellTraces.traces(movie, masks: found.masks, cancellation: ctx.work.cancellation)
                                                          : NDArray(shape: [movie.shape[0], 0], data: [])
                        mean = movie.meanOverFirstAxis()
                    }
                } catch let e as NetworkError {
                    throw BuiltinError("cells(): \(e.description)", argument: e.option)
                }
                let n = found.masks.shape[0]
                let record = Record(kind: "cells", fields: [
                    ("masks", .array(found.masks)),
                    ("traces", .array(traces)),
                    ("count", .number(Double(n))),
                    ("seeds", .array(found.seeds)),
                    ("activity", .array(NDArray(shape: [n], data: found.activity))),
                    ("correlation", .array(found.correlation)),
                    ("mean_image", .array(mean)),
                ])
                record.figure = try? figureValue(cellOutlines(mean, masks: found.masks, title: "\(n) cells"))
                return .record(record)
            },
            Builtin("network", [
                Parameter("model", .record, "a fitted model from fit()"),
                Parameter("movie", .array, "a movie of the model's field of view, T x H x W"),
                Parameter("masks", .array, "n x H x W cell masks: sim.footprints, rois(...), cells(...).masks"),
                Parameter("read", .string, default: .string("cells"), "\"cells\": the model's cell traces (its reconstruction under the masks) in the calcium-aware design; \"latents\": the Jacobians through the encoder, the VAR on the latents and the decoder"),
                Parameter("frames", .integer, default: .number(256), "read=\"latents\": at most this many frame pairs, evenly spaced"),
                Parameter("lambda", [.number, .string], default: Value.none, "read=\"cells\": each cell's equation at this penalty (default least squares; \"bic\", \"aic\", a number); read=\"latents\": the VAR refitted on the model's latents at this penalty (default \"bic\"; 0 is least squares), or \"model\" for the model's own"),
            ], summary: "Which cells drive which, read from the fitted model: its reconstruction of each cell, or its encoder, sparse VAR and decoder.",
            documentation: """
            `.matrix[i, j]` is the effect of cell j at t-1 on cell i at t; `.drivers` each cell's
            out-strength `sum_{i != j} |matrix[i, j]|` (its own persistence excluded).

            `read="cells"` (the default): the model's cell traces are the mask-weighted means of its
            reconstruction (encoder, then decoder: the bottleneck keeps the cells and drops the
            shot noise); their dynamics are fitted between cells, where a network is sparse, in a
            calcium-aware design: each trace as dF/F over its running 20th percentile, calcium's
            decay removed (the AR(1) innovation, decay per cell from the autocovariances), and
            each cell's innovation at t regressed on every cell's innovations filtered over the
            recent past (an exponential filter, 0.8 per frame) at t-1, standardised, by least
            squares (`lambda=` for a lasso). `.traces` (T x n) and `.decay` (n) come with it.

            `read="latents"`: a unit rise of cell j's trace at t-1, pulled through the encoder, the
            VAR's lag-1 coefficients and the decoder, moves the predicted trace of cell i at t by
            `M[i, j]`, and the reconstructed trace of cell i at t-1 by `L[i, j]` (vector-Jacobian
            products averaged over frame pairs); `.matrix = M L^-1`, with `.prediction` (M) and
            `.reconstruction` (L). The VAR is refitted on the model's latents at BIC's penalty by
            default (`lambda="model"`: the model's own). On the simulator this read is near chance:
            the latents mix cells, and a sparse cell network is dense in their basis
            (docs/network.md measures both reads beside the classical pipeline).

            `.t` (n x n, `read="cells"`): each coefficient over its least-squares standard error
            (residual variance and `(X'X)^-1` of cell i's regression, as statsmodels' OLS; with
            `lambda=` the lasso's coefficients and residuals, a guide rather than a test).

            The result also has `.centres` (n x 2), `.read` and `.frames`; it displays as the graph
            over the mean image (arrows from driver to driven cell, width by strength, red
            excitatory, blue inhibitory). With `read="cells"` the graph draws only the significant
            links, `|t|` above the 5% two-sided normal quantile Bonferroni-corrected over the
            n(n-1) links (3.45 for 10 cells), or the 3 largest `|t|`, thin and pale, when none
            passes (the title says which); with `read="latents"` the strongest links (up to 3n).
            `heatmap(net)` draws every link (the matrix without its diagonal).

            The parts decoder trained in two stages reads best, and the same whatever its seed
            (joint training varies with the seed and reads lower; docs/network.md).

            Example:

                m = fit(sim.movie, epochs=30, decoder="parts", mode="two-stage")
                net = network(m, sim.movie, masks=sim.footprints)
                net.drivers
                heatmap(net)
            """) { args, ctx in
                let m = try fittedModel(args)
                let masks = try args.array("masks", rank: 3, what: "cell masks n x H x W")
                var o = CellNetwork.Options()
                o.read = try args.choice("read", of: CellNetwork.Read.self)
                o.frames = try args.integer("frames", in: 1...10_000_000)
                o.penalty = try readPenalty(args, throughLatents: o.read == .latents)
                let net: CellNetwork
                let meanImage: NDArray
                do {
                    // A loaded (float32, integer or lazy) movie streams; a float64 array is read as it is.
                    if case .movie(let movie) = args["movie"] {
                        net = try CellNetwork.compute(model: m, movie: movie, masks: masks, options: o, context: ctx.work)
                        meanImage = try movie.meanImage()
                    } else {
                        let movie = try args.array("movie", rank: 3, what: "a movie T x H x W")
                        net = try CellNetwork.compute(model: m, movie: movie, masks: masks, options: o, context: ctx.work)
                        meanImage = movie.meanOverFirstAxis()
                    }
                }
                catch let e as NetworkError { throw BuiltinError("network(): \(e.description)", argument: e.option ?? "masks") }
                let centres = maskCentres(masks)
                var fields: [(String, Value)] = [
                    ("matrix", .array(net.matrix)),
                    ("drivers", .array(NDArray(shape: [net.drivers.count], data: net.drivers))),
                ]
                if let t = net.t { fields.append(("t", .array(t))) }
                if let t = net.traces { fields.append(("traces", .array(t))) }
                if let g = net.decay { fields.append(("decay", .array(NDArray(shape: [g.count], data: g)))) }
                if let M = net.prediction { fields.append(("prediction", .array(M))) }
                if let L = net.reconstruction { fields.append(("reconstruction", .array(L))) }
                fields += [("centres", .array(centres)), ("read", .string(o.read.rawValue)),
                           ("frames", .number(Double(net.framesUsed)))]
                let record = Record(kind: "network", fields: fields)
                record.figure = try? figureValue(networkGraph(meanImage, masks: masks, matrix: net.matrix,
                                                              t: net.t, centres: centres, title: "network read from the model"))
                return .record(record)
            },
            Builtin("drivers", [
                Parameter("model", .record, "a fitted model from fit()"),
                Parameter("movie", .array, "a movie of the model's field of view, T x H x W"),
                Parameter("read", .string, default: .string("cells"), "\"cells\": over the regions found in the movie (as cells(movie)), network(read=\"cells\"); \"pixels\": no regions, the decoder's Jacobian and the VAR on the latents"),
                Parameter("radius", .number, default: .number(4), "read=\"pixels\": pixels within this distance count as a pixel's own region (its persistence)"),
                Parameter("frames", .integer, default: .number(256), "read=\"pixels\": at most this many frames, evenly spaced, for the decoder's Jacobian"),
                Parameter("lambda", [.number, .string], default: Value.none, "as in network() for the read chosen"),
            ], summary: "Where the regions are that drive OTHER regions, read from the fitted model; no masks needed.",
            documentation: """
            `.map` (H x W): how strongly each place drives other places, its own persistence left out.

            `read="cells"` (the default): the regions are the cells found in the movie alone (as
            `cells(movie)`: local-correlation seeds grown into masks); the model's network over them
            is `network(m, movie, masks=regions)` (its reconstruction's region traces in the
            calcium-aware design), and each region's out-strength to the OTHER regions is painted
            over its mask: `.map[p] = sum_j drivers_j w_j(p)`. `.regions` (n x H x W) and
            `.region_drivers` (n) come with it. When the movie shows fewer than two regions (or
            fewer frames than regions + 8) it falls back to the pixel read (`.read` says which ran).

            `read="pixels"`: no regions. The decoder's Jacobian `J` (pixels x latents, averaged over
            frames) and the VAR's lag-1 coefficients `B` give the model's dynamics on frames,
            `K = J B J^+`; `.map[p]` sums `|K[q, p]|` over pixels q farther than `radius` from p,
            times p's standard deviation over time. On the simulator this read is at chance
            (docs/network.md).

            The result also has `.mean_image`, `.read` and `.frames`; it displays as the map over
            the mean image.

            Example:

                d = drivers(m, sim.movie)
                image(d)
            """) { args, ctx in
                let m = try fittedModel(args)
                var o = DriverMap.Options()
                o.read = try args.choice("read", of: DriverMap.Read.self)
                o.penalty = try readPenalty(args, throughLatents: o.read == .pixels)
                o.radius = try args.number("radius")
                o.frames = try args.integer("frames", in: 1...10_000_000)
                let d: DriverMap
                do {
                    if case .movie(let movie) = args["movie"] {
                        d = try DriverMap.compute(model: m, movie: movie, options: o, context: ctx.work)
                    } else {
                        d = try DriverMap.compute(model: m, movie: try args.array("movie", rank: 3, what: "a movie T x H x W"),
                                                  options: o, context: ctx.work)
                    }
                }
                catch let e as NetworkError { throw BuiltinError("drivers(): \(e.description)", argument: e.option) }
                var map = d.map
                map.displaysAsImage = true
                var fields: [(String, Value)] = [("map", .array(map)), ("mean_image", .array(d.meanImage))]
                if let r = d.regions, let rd = d.regionDrivers {
                    fields += [("regions", .array(r)), ("region_drivers", .array(NDArray(shape: [rd.count], data: rd)))]
                } else {
                    fields.append(("radius", .number(o.radius)))
                }
                fields += [("read", .string(d.read.rawValue)), ("frames", .number(Double(d.framesUsed)))]
                let record = Record(kind: "drivers", fields: fields)
                record.figure = try? figureValue(Figure.image(d.meanImage.data, width: d.map.shape[1], height: d.map.shape[0],
                                                              limits: d.regionDrivers.flatMap(regionLimits),
                                                              overlay: d.map.data, colorbarLabel: "drives others",
                                                              options: FigureOptions(title: "drivers read from the model")))
                return .record(record)
            },
        ]
    }
}

/// The mean image in grey with each mask's outline (pixels above a fifth of its peak).
func cellOutlines(_ mean: NDArray, masks: NDArray, arrows: [ImageAnnotation] = [], outlineColor: Color? = nil,
                  title: String) throws -> Figure {
    let (H, W) = (mean.shape[0], mean.shape[1])
    let P = H * W
    var marks: [ImageAnnotation] = (0..<masks.shape[0]).map { i in
        let m = masks.data[(i * P)..<((i + 1) * P)]
        let peak = m.max() ?? 0
        return .outline(inside: m.map { $0 > 0.2 * peak && $0 > 0 },
                        color: outlineColor ?? ImageAnnotation.palette[i % ImageAnnotation.palette.count])
    }
    marks += arrows
    return try Figure.image(mean.data, width: W, height: H, colormap: .grey, annotations: marks,
                            options: FigureOptions(title: title))
}

/// The colour range of a drivers map painted over regions: from just below
/// the weakest region's out-strength to the strongest's, so that the
/// differences between regions show (least squares gives every region some
/// out-strength; the smallest is the floor, not zero). nil when all are equal.
func regionLimits(_ strengths: [Double]) -> ClosedRange<Double>? {
    guard let lo = strengths.min(), let hi = strengths.max(), hi > lo, lo >= 0 else { return nil }
    return (lo - 0.1 * (hi - lo))...hi
}

/// Each mask's weighted centre (row, column), n x 2.
func maskCentres(_ masks: NDArray) -> NDArray {
    let (n, H, W) = (masks.shape[0], masks.shape[1], masks.shape[2])
    var out = [Double](repeating: 0, count: n * 2)
    for i in 0..<n {
        var s = 0.0, sy = 0.0, sx = 0.0
        for p in 0..<(H * W) {
            let w = max(0, masks.data[i * H * W + p])
            s += w; sy += w * Double(p / W); sx += w * Double(p % W)
        }
        out[2 * i] = s > 0 ? sy / s : 0; out[2 * i + 1] = s > 0 ? sx / s : 0
    }
    return NDArray(shape: [n, 2], data: out)
}

/// The network as arrows between cell centres over the mean image, width by
/// strength, red for positive, blue for negative. With the links' t
/// statistics (the cell read), only the significant ones: |t| above
/// `CellDynamics.significanceThreshold` (Bonferroni over the n(n-1) links),
/// or the `fallback` largest |t| when none passes, drawn thin and pale (not
/// evidence, only where to look); least squares makes every
/// link non-zero, so a strength cut alone draws noise (36 arrows on a
/// 12-cell graph with 6 true links). Without t (the latents read), the
/// strongest links: up to 3n, and at least a tenth of the largest.
func networkGraph(_ mean: NDArray, masks: NDArray, matrix: NDArray, t: NDArray? = nil, centres: NDArray,
                  title: String, fallback: Int = 3) throws -> Figure {
    let n = matrix.shape[0]
    var links: [(i: Int, j: Int, w: Double, t: Double)] = []
    for i in 0..<n {
        for j in 0..<n where i != j && matrix.data[i * n + j] != 0 {
            links.append((i, j, matrix.data[i * n + j], t?.data[i * n + j] ?? 0))
        }
    }
    var shown: [(i: Int, j: Int, w: Double, t: Double)]
    var heading = title
    var pale = false
    if t != nil {
        let threshold = CellDynamics.significanceThreshold(cells: n)
        links.sort { abs($0.t) > abs($1.t) }
        shown = links.filter { abs($0.t) > threshold }
        let cut = String(format: "|t| > %.2f", threshold)
        if shown.isEmpty {
            shown = Array(links.prefix(fallback))
            pale = true
            heading += ": no link with \(cut); the \(shown.count) largest |t|"
        } else {
            heading += ": \(shown.count) of \(n * (n - 1)) links with \(cut)"
        }
    } else {
        links.sort { abs($0.w) > abs($1.w) }
        let largest = abs(links.first?.w ?? 0)
        shown = links.prefix(3 * n).filter { largest > 0 && abs($0.w) >= 0.1 * largest }
    }
    let strongest = shown.map { abs($0.w) }.max() ?? 1
    let arrows: [ImageAnnotation] = shown.map { link in
        .arrow(from: (centres.data[2 * link.j], centres.data[2 * link.j + 1]),
               to: (centres.data[2 * link.i], centres.data[2 * link.i + 1]),
               width: pale ? 1.5 : 1 + 4 * abs(link.w) / strongest,
               color: link.w > 0 ? Color(hex: pale ? 0xf2a0a1 : 0xd62728) : Color(hex: pale ? 0x9ecae1 : 0x1f77b4))
    }
    // Outlines in one pale colour, so red and blue mean only the links' signs.
    return try cellOutlines(mean, masks: masks, arrows: arrows, outlineColor: Color(hex: 0xe0e0e0), title: heading)
}

/// `lambda=` of network() and drivers(): a number or "bic" / "aic". Read
/// through the latents' VAR (`throughLatents`), the VAR refitted on the
/// model's latents at it, default "bic", or "model" for the model's own VAR
/// (nil); read from the cells' traces, each cell's equation at it, default
/// least squares (nil).
func readPenalty(_ args: Arguments, throughLatents: Bool) throws -> SparseVAR.Penalty? {
    let choices = throughLatents ? "a number, \"bic\", \"aic\" or \"model\"" : "a number, \"bic\" or \"aic\""
    switch args["lambda"] {
    case .none: return throughLatents ? .criterion(.bic) : nil
    case .number(let l):
        guard l >= 0, l.isFinite else { throw BuiltinError("\(args.function)(): 'lambda' must be >= 0, got \(formatNumber(l))", argument: "lambda") }
        return .value(l)
    case .string(let s):
        if throughLatents, s.lowercased() == "model" { return nil }
        guard let ic = InformationCriterion(rawValue: s.lowercased()) else {
            let hint = s.lowercased() == "model" ? " (\"model\", the model's own VAR, goes with read=\"latents\" or \"pixels\")" : ""
            throw BuiltinError("\(args.function)(): 'lambda' must be \(choices), got \"\(s)\"\(hint)", argument: "lambda")
        }
        return .criterion(ic)
    default: throw BuiltinError("\(args.function)(): 'lambda' must be \(choices)", argument: "lambda")
    }
}
