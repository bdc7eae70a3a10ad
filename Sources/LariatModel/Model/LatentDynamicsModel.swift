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

    init(options: FitOptions, trainer: AutoencoderTrainer, dynamics: SparseVAR, latentMean: [Double], latentSD: [Double],
         losses: [(name: String, values: [Double])], scores: ModelScores, trainingFrames: Int) {
        self.options = options; self.trainer = trainer; self.dynamics = dynamics
        self.latentMean = latentMean; self.latentSD = latentSD; self.losses = losses
        self.scores = scores; self.trainingFrames = trainingFrames
        frameHeight = trainer.network.frameHeight; frameWidth = trainer.network.frameWidth
    }

    /// Trains on the first `1 - holdout` of `movie` and scores the rest.
    /// - Throws: `NetworkError` / `LassoInputError` for unusable input,
    ///   `CancelledError` when cancelled.
    public static func fit(_ movie: NDArray, options: FitOptions, context: WorkContext = .silent) throws -> LatentDynamicsModel {
        guard movie.rank == 3 else { throw NetworkError("the movie must be T x H x W, got shape \(movie.shape)") }
        guard options.holdout > 0, options.holdout < 0.9 else { throw NetworkError("holdout must be in (0, 0.9), got \(options.holdout)") }
        guard options.latent >= 1, options.latent <= 1024 else { throw NetworkError("latent must be in 1...1024, got \(options.latent)") }
        guard options.lag >= 1 else { throw NetworkError("lag must be at least 1, got \(options.lag)") }
        try options.architecture.validate()
        // The whole movie, held-out frames too: a NaN there would pass training
        // and come back as NaN scores.
        if let k = movie.data.firstIndex(where: { !$0.isFinite }) {
            let n = movie.shape[1] * movie.shape[2]
            throw NetworkError("the movie has a non-finite value (\(movie.data[k])) in frame \(k / n), row \((k % n) / movie.shape[2]), column \(k % movie.shape[2]); remove or replace NaN/Inf pixels first")
        }
        let T = movie.shape[0]
        let trainCount = Int((Double(T) * (1 - options.holdout)).rounded())
        let heldOut = T - trainCount
        guard heldOut >= options.lag + 2 else {
            throw NetworkError("the movie has \(T) frames; holding out \(heldOut) leaves too few to score a lag-\(options.lag) model (need \(options.lag + 2))")
        }
        var training = TrainingOptions(epochs: options.epochs, window: min(options.window, trainCount),
                                       learningRate: options.learningRate, seed: options.seed)
        training.divergenceFactor = 1e4
        let train = NDArray(shape: [trainCount, movie.shape[1], movie.shape[2]],
                            data: Array(movie.data[0 ..< trainCount * movie.shape[1] * movie.shape[2]]))
        let trainer = try AutoencoderTrainer(movie: train, latent: options.latent, skip: options.skip,
                                             architecture: options.architecture, options: training)

        // Collect every epoch's mean losses from the trainer's final
        // per-epoch report, and pass progress on.
        let recorder = LossRecorder()
        let warmup = options.resolvedWarmup
        func stage(_ epochs: Int, offset: Int) -> WorkContext {
            WorkContext(cancellation: context.cancellation) { report in
                if report.total == epochs {
                    // Warm-up epochs report only "loss", which is the reconstruction term.
                    var v = report.values
                    if offset == 0 && options.mode == .joint, !v.contains(where: { $0.0 == "recon" }) {
                        v += v.filter { $0.0 == "loss" }.map { ("recon", $0.1) }
                    }
                    recorder.record(v)
                }
                var r = report
                let scale = report.total == epochs ? 1 : 1000
                r.done = report.done + offset * scale
                r.total = options.epochs * scale
                r.values = report.values.map { $0.0 == "epoch" ? ("epoch", $0.1 + Double(offset)) : $0 }
                r.history = recorder.totals
                context.report(r)
            }
        }
        if warmup > 0 {
            trainer.options.epochs = warmup
            try trainer.trainReconstruction(context: stage(warmup, offset: 0))
        }
        if options.mode == .joint, options.epochs - warmup > 0 {
            let rest = options.epochs - warmup
            trainer.options.epochs = rest
            try trainer.trainJoint(lag: options.lag, penalty: options.penalty, weights: options.weights,
                                   context: stage(rest, offset: warmup))
        }

        // The final VAR on all training latents, standardised once.
        try context.cancellation.check()
        let z = try trainer.latents(cancellation: context.cancellation).toNDArray()
        guard z.data.allSatisfy(\.isFinite) else {
            throw NetworkError("training ended with non-finite latents; no model was made. Try a smaller learning rate (now \(options.learningRate))")
        }
        let (mean, sd) = columnMoments(z)
        let zs = standardise(z, mean: mean, sd: sd)
        let dynamics = try SparseVAR.fit(zs, lag: options.lag, penalty: options.penalty, context: context)
        let model = LatentDynamicsModel(options: options, trainer: trainer, dynamics: dynamics, latentMean: mean,
                                        latentSD: sd, losses: recorder.series, scores: ModelScores(
                                            predictionRatio: .nan, latentFVU: .nan, reconstructionR2: .nan,
                                            dynamicsGain: .nan, ar1PredictionRatio: .nan, changePredictionRatio: .nan,
                                            carryPredictionRatio: .nan, carryDynamicsGain: .nan, frames: 0),
                                        trainingFrames: trainCount)
        let heldOutMovie = NDArray(shape: [heldOut, movie.shape[1], movie.shape[2]],
                                   data: Array(movie.data[trainCount * movie.shape[1] * movie.shape[2] ..< movie.count]))
        let scores = try model.evaluate(heldOutMovie, staticFrom: nil, ar1From: train, cancellation: context.cancellation)
        guard dynamics.coefficients.data.allSatisfy(\.isFinite), dynamics.intercept.allSatisfy(\.isFinite),
              scores.reconstructionR2.isFinite, scores.predictionRatio.isFinite, scores.latentFVU.isFinite else {
            throw NetworkError("training ended with a non-finite model (scores \(scores)); no model was made. Try a smaller learning rate (now \(options.learningRate))")
        }
        return LatentDynamicsModel(options: options, trainer: trainer, dynamics: dynamics, latentMean: mean, latentSD: sd,
                                   losses: recorder.series, scores: scores, trainingFrames: trainCount)
    }

    // MARK: - Using a fitted model

    /// Standardised latents of a movie of the same field of view, `T x d`.
    public func encode(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try checkFrameSize(movie)
        let z = try trainer.latents(of: normalisation.normalise(movie), cancellation: cancellation).toNDArray()
        return standardise(z, mean: latentMean, sd: latentSD)
    }

    /// Decodes standardised latents `T x d` with a static image (normalised
    /// units; nil: the training frames' mean), returning data units.
    public func decode(_ latents: NDArray, staticImage: Tensor? = nil, cancellation: Cancellation? = nil) throws -> NDArray {
        let z = destandardise(latents)
        var out: [Float] = []
        let T = latents.shape[0]
        let s = staticImage ?? trainer.staticImage
        for start in stride(from: 0, to: T, by: options.window) {
            let chunk = z.frames(start..<min(T, start + options.window))
            out += try network.decode(chunk, static: s, cancellation: cancellation).data
        }
        return normalisation.denormalise(Tensor(shape: [T, frameHeight, frameWidth, 1], data: out))
    }

    /// Reconstructions of a movie's frames (data units).
    public func reconstruct(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try decode(try encode(movie, cancellation: cancellation), staticImage: staticImage(of: movie), cancellation: cancellation)
    }

    /// The decoded VAR predictions of frames `lag..<T` from the frames before
    /// each (data units), `(T - lag) x H x W`.
    public func predictNext(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        let zs = try encode(movie, cancellation: cancellation)
        return try decode(dynamics.predict(zs), staticImage: staticImage(of: movie), cancellation: cancellation)
    }

    /// The skip connection's input for a sequence: its own mean frame
    /// (normalised), since the static content is per sequence.
    func staticImage(of movie: NDArray) -> Tensor {
        let mean = movie.meanOverFirstAxis()
        let n = normalisation
        return Tensor(shape: [frameHeight, frameWidth], data: mean.data.map { Float(($0 - n.offset) / n.scale) })
    }

    func checkFrameSize(_ movie: NDArray) throws {
        guard movie.rank == 3, movie.shape[1] == frameHeight, movie.shape[2] == frameWidth else {
            throw NetworkError("the model was trained on \(frameHeight) x \(frameWidth) frames; this movie has shape \(movie.shape)")
        }
    }

    /// Scores on `movie` (e.g. held-out frames). `staticFrom`: the movie whose
    /// mean is the static image (nil: the training frames' mean);
    /// `ar1From`: frames to fit the per-pixel AR(1) baseline on (nil: `movie` itself).
    public func evaluate(_ movie: NDArray, staticFrom: NDArray? = nil, ar1From: NDArray? = nil,
                         cancellation: Cancellation? = nil) throws -> ModelScores {
        try checkFrameSize(movie)
        let p = options.lag
        let T = movie.shape[0], n = frameHeight * frameWidth
        guard T >= p + 2 else { throw NetworkError("scoring needs at least \(p + 2) frames, got \(T)") }
        let s = staticFrom.map(staticImage(of:)) ?? trainer.staticImage
        let zs = try encode(movie, cancellation: cancellation)
        let zhat = dynamics.predict(zs)                                  // rows: times p..<T
        let recon = try decode(zs, staticImage: s, cancellation: cancellation)
        let predicted = try decode(zhat, staticImage: s, cancellation: cancellation)
        let held = try decode(NDArray(shape: [T - p, zs.shape[1]], data: Array(zs.data[(p - 1) * zs.shape[1] ..< (T - 1) * zs.shape[1]])),
                              staticImage: s, cancellation: cancellation)   // z_{t-1} decoded as a guess of x_t
        // Everything in normalised units so the sums are well scaled.
        let x = movie.data, scale = normalisation.scale
        var ssePred = 0.0, ssePersist = 0.0, sseHeld = 0.0, sseChange = 0.0
        for r in 0..<(T - p) {
            let t = r + p
            for i in 0..<n {
                let target = x[t * n + i]
                let e1 = (predicted.data[r * n + i] - target) / scale
                let e2 = (x[(t - 1) * n + i] - target) / scale
                let e3 = (held.data[r * n + i] - target) / scale
                // x_{t-1} + D(zhat_t) - D(z_{t-1}): the frame moved by the decoded latent change.
                let e4 = (x[(t - 1) * n + i] + predicted.data[r * n + i] - recon.data[(t - 1) * n + i] - target) / scale
                ssePred += e1 * e1; ssePersist += e2 * e2; sseHeld += e3 * e3; sseChange += e4 * e4
            }
        }
        var mean = 0.0
        for v in x { mean += v }
        mean /= Double(x.count)
        var sse = 0.0, sst = 0.0
        for i in 0..<x.count {
            let e = (recon.data[i] - x[i]) / scale, c = (x[i] - mean) / scale
            sse += e * e; sst += c * c
        }
        // Latent FVU: one-step residual over the variance around each coordinate's mean.
        let d = zs.shape[1]
        var res = 0.0, tot = 0.0
        var mu = [Double](repeating: 0, count: d)
        for t in p..<T { for i in 0..<d { mu[i] += zs.data[t * d + i] } }
        for i in 0..<d { mu[i] /= Double(T - p) }
        for r in 0..<(T - p) { for i in 0..<d {
            let target = zs.data[(r + p) * d + i]
            let e = zhat.data[r * d + i] - target, c = target - mu[i]
            res += e * e; tot += c * c
        }}
        let ar1 = perPixelAR1Ratio(fit: ar1From ?? movie, score: movie)
        // The carry predictor, its factors fitted on `ar1From` (else in-sample).
        var carry = CarryPredictor(x: x, recon: recon.data, predicted: predicted.data, frames: T, pixels: n, lag: p)
        if let other = ar1From, other.shape[0] >= p + 2 {
            let so = staticFrom == nil ? trainer.staticImage : staticImage(of: other)
            let zo = try encode(other, cancellation: cancellation)
            carry = CarryPredictor(x: other.data, recon: try decode(zo, staticImage: so, cancellation: cancellation).data,
                                   predicted: try decode(dynamics.predict(zo), staticImage: so, cancellation: cancellation).data,
                                   frames: other.shape[0], pixels: n, lag: p)
        }
        let carrySSE = carry.sse(x: x, recon: recon.data, predicted: predicted.data, heldDecoded: held.data, frames: T, pixels: n, lag: p)
        return ModelScores(predictionRatio: ssePred / ssePersist, latentFVU: res / max(tot, 1e-300),
                           reconstructionR2: 1 - sse / max(sst, 1e-300), dynamicsGain: sseHeld / max(ssePred, 1e-300),
                           ar1PredictionRatio: ar1, changePredictionRatio: sseChange / max(ssePersist, 1e-300),
                           carryPredictionRatio: carrySSE.withDynamics / max(ssePersist * scale * scale, 1e-300),
                           carryDynamicsGain: carrySSE.held / max(carrySSE.withDynamics, 1e-300), frames: T)
    }

    func destandardise(_ zs: NDArray) -> Tensor {
        let d = zs.shape[1]
        var out = [Float](repeating: 0, count: zs.count)
        for k in 0..<zs.count { out[k] = Float(zs.data[k] * latentSD[k % d] + latentMean[k % d]) }
        return Tensor(shape: zs.shape, data: out)
    }
}

/// The per-pixel AR(1) baseline: x_{t+1} = a + b x_t fitted per pixel by
/// least squares on `fit`, its one-step MSE on `score` over persistence's.
func perPixelAR1Ratio(fit: NDArray, score: NDArray) -> Double {
    let n = fit.shape[1] * fit.shape[2]
    let Tf = fit.shape[0], Ts = score.shape[0]
    guard Tf >= 3, Ts >= 2 else { return .nan }
    var ssePred = 0.0, ssePersist = 0.0
    for i in 0..<n {
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for t in 0..<(Tf - 1) {
            let a = fit.data[t * n + i], b = fit.data[(t + 1) * n + i]
            sx += a; sy += b; sxx += a * a; sxy += a * b
        }
        let m = Double(Tf - 1)
        let vx = sxx - sx * sx / m
        let slope = vx > 1e-12 ? (sxy - sx * sy / m) / vx : 0
        let intercept = (sy - slope * sx) / m
        for t in 0..<(Ts - 1) {
            let a = score.data[t * n + i], b = score.data[(t + 1) * n + i]
            let e = intercept + slope * a - b, e0 = a - b
            ssePred += e * e; ssePersist += e0 * e0
        }
    }
    return ssePred / max(ssePersist, 1e-300)
}

func columnMoments(_ z: NDArray) -> (mean: [Double], sd: [Double]) {
    let (T, d) = (z.shape[0], z.shape[1])
    var mu = [Double](repeating: 0, count: d), v = [Double](repeating: 0, count: d)
    for t in 0..<T { for i in 0..<d { mu[i] += z.data[t * d + i] } }
    for i in 0..<d { mu[i] /= Double(T) }
    for t in 0..<T { for i in 0..<d { let c = z.data[t * d + i] - mu[i]; v[i] += c * c } }
    return (mu, v.map { ($0 / Double(T) + 1e-6).squareRoot() })
}

func standardise(_ z: NDArray, mean: [Double], sd: [Double]) -> NDArray {
    let d = z.shape[1]
    var out = z
    for k in 0..<z.count { out.data[k] = (z.data[k] - mean[k % d]) / sd[k % d] }
    return out
}

/// Gathers the per-epoch means that the trainer reports at each epoch's end.
/// A series that starts late (the joint terms after the warm-up) is padded
/// with NaN so every series has one value per epoch.
final class LossRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []
    private var values: [String: [Double]] = [:]
    private var epochs = 0

    func record(_ figures: [(String, Double)]) {
        lock.lock(); defer { lock.unlock() }
        for (name, v) in figures where name != "epoch" {
            if values[name] == nil {
                names.append(name)
                values[name] = [Double](repeating: .nan, count: epochs)
            }
            values[name]!.append(v)
        }
        epochs += 1
        for name in names where values[name]!.count < epochs { values[name]!.append(.nan) }
    }

    var series: [(name: String, values: [Double])] {
        lock.lock(); defer { lock.unlock() }
        return names.map { ($0, values[$0]!) }
    }

    var totals: [Double] {
        lock.lock(); defer { lock.unlock() }
        return values["loss"] ?? []
    }
}
