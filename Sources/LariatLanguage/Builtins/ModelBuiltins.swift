import Foundation
import LariatModel

extension BuiltinRegistry {
    /// The model: fit the autoencoder through the lasso-VAR, and use it.
    static var model: [Builtin] {
        [
            Builtin("fit", [
                Parameter("movie", .array, "the movie, T x H x W, in raw intensities"),
                Parameter("latent", .integer, default: .number(16), "d, the latent dimension"),
                Parameter("lag", .integer, default: .number(1), "p, the order of the VAR"),
                Parameter("lambda", .number, default: Value.none, "the lasso penalty on standardised latents"),
                Parameter("lambda_ratio", .number, default: Value.none, "the penalty as a fraction of each equation's lambda_max (default 0.1 when lambda is not given)"),
                Parameter("shrink_to", .string, default: .string("persistence"), "what the lasso shrinks the VAR toward: \"persistence\" (own lag-1 coefficient 1: a large penalty predicts no change; the default, docs/model.md) or \"zero\" (a large penalty predicts the mean)"),
                Parameter("epochs", .integer, default: .number(30), "passes over the training frames"),
                Parameter("seed", .integer, default: .number(0), "fixes the initial weights and the window order"),
                Parameter("mode", .string, default: .string("joint"), "\"joint\" (trained through the lasso) or \"two-stage\" (reconstruction only, then the lasso on frozen latents)"),
                Parameter("skip", .boolean, default: .bool(true), "the static skip connection (the sequence's mean image into the decoder)"),
                Parameter("channels", .list, default: .list(Architecture.standard.channels.map { .number(Double($0)) }), "the encoder's widths before the latent map (one stride-2 convolution each, plus one to the map); the decoder mirrors them"),
                Parameter("kernel", .integer, default: .number(Double(Architecture.standard.kernel)), "every convolution's kernel size (odd)"),
                Parameter("skip_channels", .integer, default: .number(Double(Architecture.standard.skipChannels)), "feature channels of the static skip branch"),
                Parameter("map_channels", .integer, default: .number(Double(Architecture.standard.mapChannels)), "channels of the latent map before the linear layer to d"),
                Parameter("decoder", .string, default: .string(Architecture.standard.decoder.rawValue), "\"convolutional\" (transposed convolutions mirroring the encoder) or \"parts\" (one non-negative spatial part per latent, started from the movie's cells)"),
                Parameter("activation", .string, default: .string(Architecture.standard.activation.rawValue), "\"relu\" or \"tanh\", after every hidden convolution"),
                Parameter("layers", .list, default: .list([]), "registered layer types (e.g. \"tanh\") applied, in order, after every hidden convolution and its activation"),
                Parameter("window", .integer, default: .number(Double(FitOptions().window)), "frames per training step; the VAR is fitted on each window"),
                Parameter("learning_rate", .number, default: .number(0.001), "Adam's step size"),
                Parameter("warmup", .integer, default: Value.none, "joint mode: reconstruction-only epochs first (default: a fifth of the epochs)"),
                Parameter("holdout", .number, default: .number(0.2), "the fraction of final frames held out for scores"),
                Parameter("reconstruction_weight", .number, default: .number(1), "weight of the reconstruction loss"),
                Parameter("prediction_weight", .number, default: .number(1), "weight of the decoded next-frame prediction loss"),
                Parameter("latent_weight", .number, default: .number(1), "weight of the latent prediction residual"),
            ], summary: "Train the convolutional autoencoder through the sparse lasso-VAR on a movie.",
            documentation: """
            The movie is normalised (its mean and standard deviation are recorded in
            `m.normalisation`); latents are standardised before the VAR, so `lambda` is on that
            fixed scale. The last `holdout` fraction of frames (20%) is never trained on;
            `m.scores` are computed there: `prediction_ratio` (next-frame MSE over the persistence
            baseline's), `latent_fvu`, `reconstruction_r2`, `dynamics_gain` (above 1 when the learned
            dynamics help) and `ar1_prediction_ratio` (a per-pixel AR(1) baseline); beyond the paper,
            `change_prediction_ratio`, `carry_prediction_ratio` and `carry_dynamics_gain` score
            predictors that also read the current frame (docs/model.md). Shows progress
            while it trains; interrupt stops it and leaves every variable as it was.

            The result has `.coefficients` (d x d*lag, lag blocks side by side), `.intercept`,
            `.losses` (the training loss per epoch; `.loss_parts` has it beside its parts in joint
            mode: reconstruction, prediction and latent FVU), `.latents` (T x d, standardised),
            `.scores` and the options; `.architecture` describes the network's layers.

            The network: `channels=[16, 32, 32]` are the encoder's widths (each a stride-2
            convolution; one more maps to the latent map, so frames are padded to multiples of
            2^(len(channels) + 1)); the decoder mirrors them with transposed convolutions.
            `kernel=3` is every convolution's size, `skip_channels=8` the static branch's
            features, `map_channels=8` the latent map's channels before the linear layer to d,
            `activation="relu"` (or "tanh"). `layers=["tanh"]` inserts registered layer types
            after every hidden convolution (an unknown name is an error that lists them). Other widths and kernels run the generic
            convolutions (im2col + sgemm), the defaults also the tuned kernels. `decoder="parts"`
            replaces the transposed convolutions by one non-negative image per latent, started
            from the movie's cells (as `cells(movie)` finds them, then its mean image), so each
            latent stays tied to a cell and the sparse VAR is a VAR on cells (docs/network.md).
            `plot(m)` draws the loss and its parts.

            Example:

                m = fit(sim.movie, latent=16, lag=1, lambda_ratio=0.1, epochs=20, seed=0)
                m.scores
                heatmap(m)
            """) { args, ctx in
                let movie = try args.movie("movie")
                // Arguments are read here; their bounds are checked in one
                // place, FitOptions.validate(), whose error names the argument.
                var o = FitOptions()
                o.latent = try args.integer("latent")
                o.lag = try args.integer("lag")
                if let l = try args.optionalNumber("lambda") {
                    if args.isGiven("lambda_ratio") { throw BuiltinError("fit(): give 'lambda' or 'lambda_ratio', not both") }
                    o.penalty = .value(l)
                } else if let r = try args.optionalNumber("lambda_ratio") {
                    o.penalty = .ratio(r)
                }
                o.shrinkTo = try args.choice("shrink_to", of: SparseVAR.Shrinkage.self)
                o.epochs = try args.integer("epochs")
                o.seed = UInt64(try args.integer("seed", in: 0...Int(Int32.max)))
                o.mode = try args.choice("mode", of: FitOptions.Mode.self)
                o.skip = try args.bool("skip")
                o.architecture = Architecture(channels: try args.integerList("channels", in: Int.min...Int.max),
                                              kernel: try args.integer("kernel"),
                                              skipChannels: try args.integer("skip_channels"),
                                              mapChannels: try args.integer("map_channels"),
                                              activation: try args.choice("activation", of: Activation.self),
                                              decoder: try args.choice("decoder", of: Architecture.Decoder.self),
                                              insertedLayers: try layerNames(args))
                o.window = try args.integer("window")
                o.learningRate = Float(try args.number("learning_rate"))
                o.warmupEpochs = try args.optionalInteger("warmup")
                o.holdout = try args.number("holdout")
                o.weights = JointLossWeights(reconstruction: try args.number("reconstruction_weight"),
                                             prediction: try args.number("prediction_weight"),
                                             latentResidual: try args.number("latent_weight"))
                do { try o.validate() } catch let e as NetworkError {
                    throw BuiltinError("fit(): \(e.description)", argument: e.option)
                }
                let trainCount = Int((Double(movie.frameCount) * (1 - o.holdout)).rounded())
                if trainCount < o.window { o.window = max(4, trainCount) }
                let model = try LatentDynamicsModel.fit(movie, options: o, context: ctx.work)
                for w in model.dynamics.warnings { ctx.warn("fit: \(w)\n") }
                let latents = try model.encode(movie, cancellation: ctx.work.cancellation)
                return .record(modelRecord(model, latents: latents))
            },
            movieTransform("encode", "The model's standardised latents of a movie, T x d.",
                           array: { try $0.encode($1, cancellation: $2) }, movie: { .array(try $0.encode($1, cancellation: $2)) }),
            movieTransform("reconstruct", "The model's reconstruction of every frame of a movie, in the movie's units.",
                           array: { try $0.reconstruct($1, cancellation: $2) }, movie: { .movie(try $0.reconstruct($1, cancellation: $2)) }),
            movieTransform("predict", "The model's one-step predictions of frames lag..T-1, decoded from the VAR's latent predictions.",
                           array: { try $0.predictNext($1, cancellation: $2) }, movie: { .movie(try $0.predictNext($1, cancellation: $2)) }),
            Builtin("score", [Parameter("model", .record, "a fitted model"), Parameter("movie", .array, "frames of the same field of view (e.g. another session)")],
                    summary: "The model's scale-free scores on a movie (as `m.scores`, but on any frames).") { args, ctx in
                let m = try fittedModel(args)
                let movie = try args.movie("movie")
                return .record(scoresRecord(try m.evaluate(movie, staticFrom: movie, cancellation: ctx.work.cancellation)))
            },
        ]
    }
}

/// A builtin `name(model, movie)` that applies a fitted model to a movie
/// of its field of view, streamed a window at a time. A loaded movie gives
/// float32 frames (`movie`); a float64 array (a simulation's movie, the
/// result of arithmetic) gives float64 (`array`), as everything computed
/// from arrays does.
private func movieTransform(_ name: String, _ summary: String,
                            array: @escaping (LatentDynamicsModel, NDArray, Cancellation) throws -> NDArray,
                            movie: @escaping (LatentDynamicsModel, Movie, Cancellation) throws -> Value) -> Builtin {
    Builtin(name, [Parameter("model", .record, "a fitted model"), Parameter("movie", .array, "a movie of the same field of view")],
            summary: summary) { args, ctx in
        let m = try fittedModel(args)
        if case .array(let a) = args["movie"], a.rank == 3 { return .array(try array(m, a, ctx.work.cancellation)) }
        return try movie(m, try args.movie("movie"), ctx.work.cancellation)
    }
}

/// The fitted model behind a model record.
func fittedModel(_ args: Arguments, _ name: String = "model") throws -> LatentDynamicsModel {
    let r = try args.record(name)
    guard let m = r.payload as? LatentDynamicsModel else {
        throw BuiltinError("\(args.function)(): '\(name)' must be a model from fit(), got a \(r.kind)", argument: name)
    }
    return m
}

func scoresRecord(_ s: ModelScores) -> Record {
    Record(kind: "scores", fields: [
        ("prediction_ratio", .number(s.predictionRatio)),
        ("latent_fvu", .number(s.latentFVU)),
        ("reconstruction_r2", .number(s.reconstructionR2)),
        ("dynamics_gain", .number(s.dynamicsGain)),
        ("ar1_prediction_ratio", .number(s.ar1PredictionRatio)),
        ("change_prediction_ratio", .number(s.changePredictionRatio)),
        ("carry_prediction_ratio", .number(s.carryPredictionRatio)),
        ("carry_dynamics_gain", .number(s.carryDynamicsGain)),
        ("frames", .number(Double(s.frames))),
    ])
}

func modelRecord(_ m: LatentDynamicsModel, latents: NDArray) -> Record {
    let o = m.options
    let penalty: Value
    switch o.penalty {
    case .value(let l): penalty = .number(l)
    case .ratio(let r): penalty = .string("\(formatNumber(r)) x lambda_max")
    case .criterion(let c): penalty = .string("\(c)")
    }
    // `.losses` is the curve (the training loss per epoch), as scikit-learn's
    // `loss_curve_`; `.loss_parts` has it beside its parts.
    let parts = Record(kind: "losses", fields: m.losses.map { ($0.name, .array(NDArray(shape: [$0.values.count], data: $0.values))) })
    let total = m.losses.first { $0.name == "loss" }?.values ?? m.losses.first?.values ?? []
    let nonzero = m.dynamics.coefficients.data.filter { $0 != 0 }.count
    return Record(kind: "model", fields: [
        ("mode", .string(o.mode.rawValue)),
        ("latent", .number(Double(o.latent))),
        ("lag", .number(Double(o.lag))),
        ("lambda", penalty),
        ("lambdas", .array(NDArray(shape: [m.dynamics.lambdas.count], data: m.dynamics.lambdas))),
        ("shrink_to", .string(o.shrinkTo.rawValue)),
        ("skip", .bool(o.skip)),
        ("architecture", .string(m.network.architectureDescription)),
        // Which implementation each convolution resolved to when the network was built (ConvolutionKernels).
        ("kernels", .record(Record(kind: "kernels", fields: m.network.convolutionKernels.map { ($0.layer, .string($0.kernel)) }))),
        ("epochs", .number(Double(o.epochs))),
        ("seed", .number(Double(o.seed))),
        ("coefficients", .array(m.dynamics.coefficients)),
        ("intercept", .array(NDArray(shape: [m.dynamics.intercept.count], data: m.dynamics.intercept))),
        ("nonzero", .number(Double(nonzero))),
        ("scores", .record(scoresRecord(m.scores))),
        ("losses", .array(NDArray(shape: [total.count], data: total))),
        ("loss_parts", .record(parts)),
        ("latents", .array(latents)),
        ("normalisation", .record(Record(kind: "normalisation", fields: [
            ("offset", .number(m.normalisation.offset)), ("scale", .number(m.normalisation.scale))]))),
        ("training_frames", .number(Double(m.trainingFrames))),
    ], payload: m)
}

/// `fit`'s `layers=`: a list of layer-type names (checked against the
/// registry by `FitOptions.validate()`).
private func layerNames(_ args: Arguments) throws -> [String] {
    guard case .list(let items) = args["layers"] else {
        throw BuiltinError("fit(): 'layers' must be a list of strings, got \(args["layers"].describedForError)", argument: "layers")
    }
    return try items.map { item in
        guard case .string(let name) = item else {
            throw BuiltinError("fit(): 'layers' must hold strings, got \(item.describedForError)", argument: "layers")
        }
        return name
    }
}
