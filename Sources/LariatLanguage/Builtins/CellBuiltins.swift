import Foundation
import LariatFigures
import LariatModel

extension BuiltinRegistry {
    /// Cells and their network (DESIGN.md "Cells and networks").
    static var cells: [Builtin] {
        [
            Builtin("traces", [
                Parameter("movie", .array, "a movie T x H x W"),
                Parameter("masks", .array, "n x H x W cell masks (weights >= 0): sim.footprints, rois(...), cells(...).masks"),
                Parameter("neuropil", .number, default: .number(0), "subtract this times the mean of each cell's neuropil ring (suite2p uses 0.7); 0: none"),
            ], summary: "Each cell's trace, T x n: the mask-weighted mean of every frame.",
            documentation: """
            `F_i(t) = sum_p w_ip x_t(p) / sum_p w_ip`. With `neuropil=r`, suite2p's correction
            `F - r * Fneu`, `Fneu` the mean of the pixels outside every mask between 2 and 7 pixels
            from the cell's mask. With `var(...)` this is the classical route to a network of cells.

            Example:

                F = traces(sim.movie, sim.footprints)
                v = var(F, lag=1, lambda="bic")
            """) { args, ctx in
                let movie = try args.array("movie", rank: 3, what: "a movie T x H x W")
                let masks = try args.array("masks", rank: 3, what: "cell masks n x H x W")
                do {
                    return .array(try CellTraces.traces(movie, masks: masks, neuropil: try args.number("neuropil"),
                                                        cancellation: ctx.work.cancellation))
                } catch let e as NetworkError {
                    throw BuiltinError("traces(): \(e.description)", argument: e.option ?? "masks")
                }
            },
            Builtin("cells", [
                Parameter("movie", .array, "a movie T x H x W"),
                Parameter("radius", .number, default: .number(3), "the expected cell radius in pixels"),
                Parameter("threshold", .number, default: .number(0.2), "the smallest local correlation a cell's seed may have"),
                Parameter("max_cells", .integer, default: .number(1000), "at most this many cells (the strongest)"),
            ], summary: "Cells found in the movie alone (local-correlation seeds grown into masks).",
            documentation: """
            Each pixel's trace is detrended against the frame mean (drift and bleaching); the local
            correlation image is each pixel's mean correlation with its 8 neighbours. Seeds are its
            local maxima within `radius` above `threshold`; each cell's mask holds the pixels within
            2 x radius whose correlation with the seed's neighbourhood is above half its peak,
            connected to the seed, weighted by that correlation (peak 1).

            The result has `.masks` (n x H x W), `.traces` (T x n, as `traces(movie, masks)`),
            `.count`, `.seeds` (n x 2: row, column), `.correlation` (the local correlation image)
            and `.mean_image`; it displays as the outlines over the mean image.

            Example:

                c = cells(sim.movie)
                v = var(c.traces, lag=1, lambda="bic")
            """) { args, ctx in
                let movie = try args.array("movie", rank: 3, what: "a movie T x H x W")
                var o = CellDetection.Options()
                o.radius = try args.number("radius")
                o.threshold = try args.number("threshold")
                o.maxCells = try args.integer("max_cells", in: 1...1_000_000)
                let found: CellDetection.Result
                do { found = try CellDetection.detect(movie, options: o, cancellation: ctx.work.cancellation) } catch let e as NetworkError {
                    throw BuiltinError("cells(): \(e.description)", argument: e.option)
                }
                let n = found.masks.shape[0]
                let traces = n > 0 ? try CellTraces.traces(movie, masks: found.masks, cancellation: ctx.work.cancellation)
                                   : NDArray(shape: [movie.shape[0], 0], data: [])
                let mean = movie.meanOverFirstAxis()
                let record = Record(kind: "cells", fields: [
                    ("masks", .array(found.masks)),
                    ("traces", .array(traces)),
                    ("count", .number(Double(n))),
                    ("seeds", .array(found.seeds)),
                    ("correlation", .array(found.correlation)),
                    ("mean_image", .array(mean)),
                ])
                record.figure = try? figureValue(cellOutlines(mean, masks: found.masks, title: "\(n) cells"))
                return .record(record)
            },
        ]
    }
}

/// The mean image in grey with each mask's outline (pixels above a fifth of its peak).
func cellOutlines(_ mean: NDArray, masks: NDArray, arrows: [ImageAnnotation] = [], title: String) throws -> Figure {
    let (H, W) = (mean.shape[0], mean.shape[1])
    let P = H * W
    var marks: [ImageAnnotation] = (0..<masks.shape[0]).map { i in
        let m = masks.data[(i * P)..<((i + 1) * P)]
        let peak = m.max() ?? 0
        return .outline(inside: m.map { $0 > 0.2 * peak && $0 > 0 },
                        color: ImageAnnotation.palette[i % ImageAnnotation.palette.count])
    }
    marks += arrows
    return try Figure.image(mean.data, width: W, height: H, colormap: .grey, annotations: marks,
                            options: FigureOptions(title: title))
}
