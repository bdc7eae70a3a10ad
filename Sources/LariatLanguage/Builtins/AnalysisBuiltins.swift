import Foundation
import LariatFigures
import LariatModel

extension BuiltinRegistry {
    /// Analysis with a fitted model: the sequence test and contribution maps
    /// (LariatModel/Analysis).
    static var analysis: [Builtin] {
        [
            Builtin("compare", [
                Parameter("a", .array, "the first sequence, a movie T x H x W of the model's field of view"),
                Parameter("b", .array, "the second sequence, same field of view"),
                Parameter("model", .record, "a fitted model from fit(); both sequences are encoded with it"),
                Parameter("resamples", .integer, default: .number(200), "block permutations drawn for the null distribution"),
                Parameter("seed", .integer, default: .number(0), "fixes the permutations"),
                Parameter("block", .integer, default: Value.none, "frames per block (default: 100, or less so each sequence gives 8 blocks)"),
                Parameter("lag", .integer, default: Value.none, "the VAR's order (default: the model's)"),
                Parameter("lambda", .number, default: Value.none, "the lasso penalty on standardised latents (default: the model's penalty)"),
                Parameter("lambda_ratio", .number, default: Value.none, "the penalty as a fraction of each equation's lambda_max on the pooled blocks"),
            ], summary: "Test whether two sequences of one field of view follow the same sparse latent dynamics.",
            documentation: """
            Both movies are encoded with the model and cut into contiguous blocks, each centred on
            its own mean. A sparse VAR is fitted by LARS to each sequence's blocks at the same
            per-equation lambda. The statistic is a distance: how much worse each sequence's lasso
            objective gets when it is explained by the other's VAR instead of its own, relative,
            averaged over both directions (0 when the fits agree). The null distribution comes from
            block permutations: the blocks of both sequences are pooled and dealt at random into two
            groups of the original sizes — whole blocks, never single frames, so the temporal
            dependence inside each block is kept. The p-value is one-sided (small when the dynamics
            differ): (1 + #{null >= statistic}) / (1 + resamples). Shows progress; interrupt stops it.

            The result has `.pvalue`, `.statistic`, `.null` (the null draws), `.resamples`,
            `.block`, `.blocks` ([blocks of a, blocks of b]), `.lag`, `.lambdas`,
            `.coefficients_a`, `.coefficients_b` and `.seed`; it displays as a short report with
            a histogram of the null and the observed statistic marked (`hist(test)` draws it too).
            Calibration on the simulator is in docs/sequence-test.md.

            Example:

                s1 = simulate(seed=1, session=1)
                s2 = simulate(seed=1, session=2, rewired=true)
                m = fit(s1.movie, epochs=10)
                test = compare(s1.movie, s2.movie, model=m, resamples=200, seed=0)
                test.pvalue
            """) { args, ctx in
                let m = try fittedModel(args)
                let a = try args.movie("a")
                let b = try args.movie("b")
                var o = SequenceTest.Options()
                o.resamples = try args.integer("resamples", in: 1...1_000_000)
                o.seed = UInt64(try args.integer("seed", in: 0...Int(Int32.max)))
                o.block = try args.optionalInteger("block", in: 3...10_000_000)
                o.lag = try args.optionalInteger("lag", in: 1...64)
                if let l = try args.optionalNumber("lambda") {
                    if args.isGiven("lambda_ratio") { throw BuiltinError("compare(): give 'lambda' or 'lambda_ratio', not both") }
                    o.penalty = .value(l)
                } else if let r = try args.optionalNumber("lambda_ratio") {
                    o.penalty = .ratio(r)
                }
                let test: SequenceTest
                do {
                    test = try SequenceTest.compare(a, b, model: m, options: o, context: ctx.work)
                } catch let e as LassoInputError {
                    throw BuiltinError("compare(): '\(e.argument)' \(e.problem)", argument: e.argument)
                }
                return .record(sequenceTestRecord(test))
            },
            Builtin("contributions", [
                Parameter("model", .record, "a fitted model from fit()"),
                Parameter("movie", .array, "a movie of the model's field of view"),
                Parameter("method", .string, default: .string("gradient"), "\"gradient\" (gradient x input), \"occlusion\" (patches replaced by the mean image) or \"decoder\" (where the decoded predicted change lands)"),
                Parameter("links", .boolean, default: .bool(false), "only the VAR's links between different latents (each latent's own persistence left out); gradient and occlusion"),
                Parameter("frames", .integer, default: .number(500), "average over at most this many evenly spaced frames (0: all)"),
                Parameter("patch", .integer, default: .number(4), "occlusion: the side of the square patch, in pixels"),
            ], summary: "Maps of how strongly each pixel drives the model's learned sparse dynamics.",
            documentation: """
            `gradient`: for each frame, the gradient of the VAR's prediction of the next latents
            (standardised, per equation) with respect to the frame, times the frame's departure
            from its mean image, in absolute value, averaged over frames. `occlusion`: the mean
            absolute change of the VAR's prediction when a patch of each frame is replaced by the
            mean image. `decoder`: the mean absolute change of the decoded frame that the VAR's
            predicted latent change causes, i.e. where in the image the learned dynamics act.

            The result has `.map` (H x W, the sum over latent equations), `.latent_maps`
            (d x H x W), `.mean_image` and `.method`; it displays as the map over the mean image
            with a colour bar (`image(c)` draws it too). How localised each method is, joint
            beside two-stage, is in docs/contribution-maps.md.

            Example:

                c = contributions(m, sim.movie)
                image(c)
            """) { args, ctx in
                let m = try fittedModel(args)
                var o = ContributionMap.Options()
                o.method = try args.choice("method", of: ContributionMap.Method.self)
                o.offDiagonal = try args.bool("links")
                o.frames = try args.integer("frames", in: 0...10_000_000)
                o.patch = try args.integer("patch", in: 1...4096)
                // A loaded or lazy movie: only the picked frames are read.
                let c: ContributionMap
                if case .movie(let movie) = args["movie"] {
                    c = try ContributionMap.compute(model: m, movie: movie, options: o, context: ctx.work)
                } else {
                    c = try ContributionMap.compute(model: m, movie: try args.array("movie", rank: 3, what: "a movie T x H x W"),
                                                    options: o, context: ctx.work)
                }
                var map = c.map
                map.displaysAsImage = true
                let record = Record(kind: "contributions", fields: [
                    ("map", .array(map)),
                    ("latent_maps", .array(c.latentMaps)),
                    ("mean_image", .array(c.meanImage)),
                    ("method", .string(c.method.rawValue)),
                    ("links", .bool(o.offDiagonal)),
                    ("frames", .number(Double(c.framesUsed))),
                ])
                record.figure = try? figureValue(Figure.image(c.meanImage.data, width: c.map.shape[1], height: c.map.shape[0],
                                                              overlay: c.map.data,
                                                              colorbarLabel: "contribution", options: FigureOptions(title: "contributions (\(c.method.rawValue))")))
                return .record(record)
            },
        ]
    }
}

/// A sequence test as a record, with its null histogram as the figure.
func sequenceTestRecord(_ t: SequenceTest) -> Record {
    let record = Record(kind: "sequence test", fields: [
        ("pvalue", .number(t.pvalue)),
        ("statistic", .number(t.statistic)),
        ("null", .array(NDArray(shape: [t.null.count], data: t.null))),
        ("resamples", .number(Double(t.null.count))),
        ("block", .number(Double(t.block))),
        ("blocks", .list([.number(Double(t.blocksA)), .number(Double(t.blocksB))])),
        ("lag", .number(Double(t.lag))),
        ("lambdas", .array(NDArray(shape: [t.lambdas.count], data: t.lambdas))),
        ("cross_a", .number(t.crossA)),
        ("cross_b", .number(t.crossB)),
        ("coefficients_a", .array(t.coefficientsA)),
        ("coefficients_b", .array(t.coefficientsB)),
        ("seed", .number(Double(t.seed))),
    ])
    let exceed = t.null.filter { $0 >= t.statistic }.count
    let title = String(format: "sequence test: p = %.3g (%d of %d null draws >= observed)", t.pvalue, exceed, t.null.count)
    record.figure = try? figureValue(Figure.hist(t.null, marker: t.statistic, markerLabel: "observed",
                                                 options: FigureOptions(title: title, xLabel: "statistic (relative cross-prediction loss)")))
    return record
}

func figureValue(_ f: Figure) -> FigureValue {
    FigureValue(png: f.png, width: f.width, height: f.height, description: f.description, kind: f.kind)
}
