import Foundation

/// A fitted Lariat model: the autoencoder, the sparse VAR on its
/// standardised latents, the movie's normalisation and the held-out scores.
///
///     var options = FitOptions(); options.latent = 16; options.penalty = .ratio(0.1)
///     let model = try LatentDynamicsModel.fit(movie, options: options, context: context)
///     model.scores.latentFVU
///
/// The last `holdout` fraction of frames is never trained on; `scores`
/// are computed there.
public final class LatentDynamicsModel {
    public let options: FitOptions
    public let trainer: AutoencoderTrainer
    /// The VAR on the training frames' standardised latents.
    public let dynamics: SparseVAR
    /// Standardisation of the latents, from the training frames.
    public let latentMean: [Double]
    public let latentSD: [Double]
    /// Per-epoch mean losses by name, in order (e.g. "loss", "recon", "pred").
    public let losses: [(name: String, values: [Double])]
    public let scores: ModelScores
    public let trainingFrames: Int
    public let frameHeight: Int, frameWidth: Int

    public var network: Autoencoder { trainer.network }
    public var normalisation: MovieNormalisation { trainer.normalisation }
    /// What encodes, decodes, predicts and scores (the stored parts above, together).
    let parts: ModelParts

    init(options: FitOptions, trainer: AutoencoderTrainer, dynamics: SparseVAR, latentMean: [Double], latentSD: [Double],
         losses: [(name: String, values: [Double])], scores: ModelScores, trainingFrames: Int) {
        self.options = options; self.trainer = trainer; self.dynamics = dynamics
        self.latentMean = latentMean; self.latentSD = latentSD; self.losses = losses
        self.scores = scores; self.trainingFrames = trainingFrames
        frameHeight = trainer.network.frameHeight; frameWidth = trainer.network.frameWidth
        parts = ModelParts(options: options, trainer: trainer, dynamics: dynamics, latentMean: latentMean, latentSD: latentSD)
    }

    /// Trains on the first `1 - holdout` of `movie` and scores the rest.
    /// - Throws: `NetworkError` / `LassoInputError` for unusable input,
    ///   `CancelledError` when cancelled.
    public static func fit(_ movie: NDArray, options: FitOptions, context: WorkContext = .silent) throws -> LatentDynamicsModel {
        guard movie.rank == 3 else { throw NetworkError("the movie must be T x H x W, got shape \(movie.shape)") }
        guard movie.count > 0 else { throw NetworkError("the movie is empty (shape \(movie.shape))") }
        return try fit(Movie(movie), options: options, context: context)
    }

    /// Trains on the first `1 - holdout` of `movie` and scores the rest,
    /// reading the frames a window at a time: working memory beyond the
    /// movie's own storage (none when lazy) does not grow with its length,
    /// except for the latents.
    public static func fit(_ movie: Movie, options: FitOptions, context: WorkContext = .silent) throws -> LatentDynamicsModel {
        try options.validate()
        // The whole movie, held-out frames too: a NaN there would pass training
        // and come back as NaN scores.
        if let bad = try movie.firstNonFinite() {
            throw NetworkError("the movie has a non-finite value (\(bad.value)) in frame \(bad.frame), row \(bad.row), column \(bad.column); remove or replace NaN/Inf pixels first")
        }
        let T = movie.frameCount
        let trainCount = Int((Double(T) * (1 - options.holdout)).rounded())
        let heldOut = T - trainCount
        guard heldOut >= options.lag + 2 else {
            throw NetworkError("the movie has \(T) frames; holding out \(heldOut) leaves too few to score a lag-\(options.lag) model (need \(options.lag + 2))")
        }
        var training = TrainingOptions(epochs: options.epochs, window: min(options.window, trainCount),
                                       learningRate: options.learningRate, seed: options.seed)
        training.divergenceFactor = 1e4
        let train = movie.frames(0..<trainCount)
        let trainer = try AutoencoderTrainer(movie: train, latent: options.latent, skip: options.skip,
                                             architecture: options.architecture, options: training,
                                             cancellation: context.cancellation)

        // Pass progress on, as one run of `options.epochs` epochs.
        let warmup = options.resolvedWarmup
        func stage(after offset: Int) -> (TrainingProgress) -> Void {
            { context.report($0.rebased(after: offset, of: options.epochs).report) }
        }
        if warmup > 0 {
            trainer.options.epochs = warmup
            try trainer.trainReconstruction(context: context, progress: stage(after: 0))
        }
        if options.mode == .joint, options.epochs - warmup > 0 {
            let rest = options.epochs - warmup
            trainer.options.epochs = rest
            try trainer.trainJoint(lag: options.lag, penalty: options.penalty, shrinkTo: options.shrinkTo, weights: options.weights,
                                   context: context, progress: stage(after: warmup))
        }

        // The final VAR on all training latents, standardised once.
        try context.cancellation.check()
        let z = try trainer.latents(cancellation: context.cancellation)
        guard z.data.allSatisfy(\.isFinite) else {
            throw NetworkError("training ended with non-finite latents; no model was made. Try a smaller learning rate (now \(options.learningRate))")
        }
        let standard = LatentStandardisation(z)
        let (mean, sd) = (standard.mean, standard.sd)
        let dynamics = try SparseVAR.fit(standard.standardised, lag: options.lag, penalty: options.penalty,
                                         shrinkTo: options.shrinkTo, context: context)
        let parts = ModelParts(options: options, trainer: trainer, dynamics: dynamics, latentMean: mean, latentSD: sd)
        let heldOutMovie = movie.frames(trainCount..<T)
        let scores = try parts.evaluate(heldOutMovie, staticFrom: nil, ar1From: train, cancellation: context.cancellation)
        guard dynamics.coefficients.data.allSatisfy(\.isFinite), dynamics.intercept.allSatisfy(\.isFinite),
              scores.reconstructionR2.isFinite, scores.predictionRatio.isFinite, scores.latentFVU.isFinite else {
            throw NetworkError("training ended with a non-finite model (scores \(scores)); no model was made. Try a smaller learning rate (now \(options.learningRate))")
        }
        // Warm-up epochs of a joint fit minimise the reconstruction alone: their loss is that part.
        let epochs = trainer.epochLosses.enumerated().map { epoch, l -> [(name: String, value: Double)] in
            options.mode == .joint && epoch < warmup && l.reconstruction == nil ? l.named + [("recon", l.total)] : l.named
        }
        return LatentDynamicsModel(options: options, trainer: trainer, dynamics: dynamics, latentMean: mean, latentSD: sd,
                                   losses: lossSeries(epochs), scores: scores, trainingFrames: trainCount)
    }

    // MARK: - Using a fitted model (ModelParts does the work)

    /// Standardised latents of a movie of the same field of view, `T x d`.
    public func encode(_ movie: Movie, cancellation: Cancellation? = nil) throws -> NDArray {
        try parts.encode(movie, cancellation: cancellation)
    }

    /// Decodes standardised latents `T x d` with a static image (normalised
    /// units; nil: the training frames' mean), returning data units.
    public func decode(_ latents: NDArray, staticImage: Tensor? = nil, cancellation: Cancellation? = nil) throws -> NDArray {
        try parts.decode(latents, staticImage: staticImage, cancellation: cancellation)
    }

    /// Reconstructions of a movie's frames (data units, float32).
    public func reconstruct(_ movie: Movie, cancellation: Cancellation? = nil) throws -> Movie {
        try parts.reconstruct(movie, cancellation: cancellation)
    }

    /// The decoded VAR predictions of frames `lag..<T` from the frames before
    /// each (data units, float32), `(T - lag) x H x W`.
    public func predictNext(_ movie: Movie, cancellation: Cancellation? = nil) throws -> Movie {
        try parts.predictNext(movie, cancellation: cancellation)
    }

    /// Scores on `movie` (e.g. held-out frames). `staticFrom`: the movie whose
    /// mean is the static image (nil: the training frames' mean);
    /// `ar1From`: frames to fit the per-pixel AR(1) baseline on (nil: `movie` itself).
    public func evaluate(_ movie: Movie, staticFrom: Movie? = nil, ar1From: Movie? = nil,
                         cancellation: Cancellation? = nil) throws -> ModelScores {
        try parts.evaluate(movie, staticFrom: staticFrom, ar1From: ar1From, cancellation: cancellation)
    }

    // The same on float64 arrays (a simulation's movie, tests, analyses
    // that hold the movie): the network reads float32, outputs stay float64.
    public func encode(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try parts.checkFrameSize(movie)
        return try encode(Movie(movie), cancellation: cancellation)
    }

    public func reconstruct(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try decode(try encode(movie, cancellation: cancellation), staticImage: staticImage(of: movie), cancellation: cancellation)
    }

    public func predictNext(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        let zs = try encode(movie, cancellation: cancellation)
        return try decode(dynamics.predict(zs), staticImage: staticImage(of: movie), cancellation: cancellation)
    }

    public func evaluate(_ movie: NDArray, staticFrom: NDArray? = nil, ar1From: NDArray? = nil,
                         cancellation: Cancellation? = nil) throws -> ModelScores {
        try parts.checkFrameSize(movie)
        return try evaluate(Movie(movie), staticFrom: staticFrom.map(Movie.init), ar1From: ar1From.map(Movie.init),
                            cancellation: cancellation)
    }

    /// The skip connection's input for a sequence: its own mean frame (normalised).
    func staticImage(of movie: NDArray) -> Tensor { parts.staticImage(of: movie) }

    func checkFrameSize(_ movie: NDArray) throws { try parts.checkFrameSize(movie) }

    func destandardise(_ zs: NDArray) -> Tensor { parts.destandardise(zs) }
}

/// The per-pixel AR(1) baseline: x_{t+1} = a + b x_t fitted per pixel by
/// least squares on `fit`, its one-step MSE on `score` over persistence's.
/// Both movies are streamed a window at a time.
func perPixelAR1Ratio(fit: Movie, score: Movie, cancellation: Cancellation? = nil) throws -> Double {
    let n = fit.frameSize
    let Tf = fit.frameCount, Ts = score.frameCount
    guard Tf >= 3, Ts >= 2 else { return .nan }
    /// Calls `body(previous, current)` for each consecutive pair of frames.
    func pairs(_ m: Movie, _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> Void) throws {
        var previous = [Float](repeating: 0, count: n)
        try m.forEachWindow(m.streamingWindow) { r, values in
            try cancellation?.check()
            for t in r {
                let current = values.baseAddress! + (t - r.lowerBound) * n
                if t > 0 { previous.withUnsafeBufferPointer { body($0.baseAddress!, current) } }
                previous.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: current, count: n) }
            }
        }
    }
    var sx = [Double](repeating: 0, count: n), sy = sx, sxx = sx, sxy = sx
    try pairs(fit) { a, b in
        for i in 0..<n {
            let (x, y) = (Double(a[i]), Double(b[i]))
            sx[i] += x; sy[i] += y; sxx[i] += x * x; sxy[i] += x * y
        }
    }
    let m = Double(Tf - 1)
    var slope = [Double](repeating: 0, count: n), intercept = slope
    for i in 0..<n {
        let vx = sxx[i] - sx[i] * sx[i] / m
        slope[i] = vx > 1e-12 ? (sxy[i] - sx[i] * sy[i] / m) / vx : 0
        intercept[i] = (sy[i] - slope[i] * sx[i]) / m
    }
    var ssePred = 0.0, ssePersist = 0.0
    try pairs(score) { a, b in
        for i in 0..<n {
            let (x, y) = (Double(a[i]), Double(b[i]))
            let e = intercept[i] + slope[i] * x - y, e0 = x - y
            ssePred += e * e; ssePersist += e0 * e0
        }
    }
    return ssePred / max(ssePersist, 1e-300)
}

/// Per-epoch figures as one series per name, names in order of first
/// appearance; a series that starts late (the joint terms after the
/// warm-up) is padded with NaN so every series has one value per epoch.
func lossSeries(_ epochs: [[(name: String, value: Double)]]) -> [(name: String, values: [Double])] {
    var names: [String] = []
    for e in epochs { for (name, _) in e where !names.contains(name) { names.append(name) } }
    return names.map { name in (name, epochs.map { e in e.first { $0.name == name }?.value ?? .nan }) }
}
