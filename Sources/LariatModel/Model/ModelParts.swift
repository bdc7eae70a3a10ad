import Foundation

/// A fitted model's working parts: the trained network with its movie
/// normalisation, the latents' standardisation and the sparse VAR, which
/// encode, decode, predict and score. `LatentDynamicsModel.fit` scores the
/// held-out frames with these parts before the model exists (so no model
/// is ever made with placeholder scores); a model forwards its own
/// encoding, decoding and scoring to them.
struct ModelParts {
    let options: FitOptions
    let trainer: AutoencoderTrainer
    let dynamics: SparseVAR
    let latentMean: [Double]
    let latentSD: [Double]

    var network: Autoencoder { trainer.network }
    var normalisation: MovieNormalisation { trainer.normalisation }
    var frameHeight: Int { trainer.network.frameHeight }
    var frameWidth: Int { trainer.network.frameWidth }

    /// Standardised latents of a movie of the same field of view, `T x d`.
    /// Read and normalised a window at a time (the trainer's windows), so a
    /// long movie is never held twice, and a lazy one never at all.
    func encode(_ movie: Movie, cancellation: Cancellation? = nil) throws -> NDArray {
        try checkFrameSize(movie)
        let z = try trainer.latents(of: movie, cancellation: cancellation)
        return LatentStandardisation.standardise(z.toNDArray(), mean: latentMean, sd: latentSD)
    }

    /// Decoded frames, flat float32 in data units, for destandardised
    /// latents `z` (`T x d`), a window at a time.
    func decodedFloats(_ z: Tensor, staticImage s: Tensor, cancellation: Cancellation?) throws -> [Float] {
        let T = z.shape[0], w = max(1, options.window)
        let (scale, offset) = (normalisation.scale, normalisation.offset)
        var out: [Float] = []
        out.reserveCapacity(T * frameHeight * frameWidth)
        for start in stride(from: 0, to: T, by: w) {
            let y = try network.decode(z.frames(start..<min(T, start + w)), static: s, cancellation: cancellation)
            out += y.data.map { Float(Double($0) * scale + offset) }
        }
        return out
    }

    /// Frames `range` of `decode(z)` in data units, as double (the scores' working precision).
    func decodedFrames(_ z: Tensor, _ range: Range<Int>, staticImage s: Tensor, cancellation: Cancellation?) throws -> [Double] {
        guard !range.isEmpty else { return [] }
        let out = try network.decode(z.frames(range), static: s, cancellation: cancellation)
        return normalisation.denormalise(out).data
    }

    /// Decodes standardised latents `T x d` with a static image (normalised
    /// units; nil: the training frames' mean), returning data units.
    func decode(_ latents: NDArray, staticImage: Tensor? = nil, cancellation: Cancellation? = nil) throws -> NDArray {
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

    /// Reconstructions of a movie's frames (data units, float32), streamed.
    func reconstruct(_ movie: Movie, cancellation: Cancellation? = nil) throws -> Movie {
        let z = destandardise(try encode(movie, cancellation: cancellation))
        let values = try decodedFloats(z, staticImage: try staticImage(of: movie), cancellation: cancellation)
        return Movie(float32: values, frames: movie.frameCount, height: frameHeight, width: frameWidth)
    }

    /// The decoded VAR predictions of frames `lag..<T` from the frames before
    /// each (data units, float32), `(T - lag) x H x W`.
    func predictNext(_ movie: Movie, cancellation: Cancellation? = nil) throws -> Movie {
        let zs = try encode(movie, cancellation: cancellation)
        let zhat = destandardise(dynamics.predict(zs))
        let values = try decodedFloats(zhat, staticImage: try staticImage(of: movie), cancellation: cancellation)
        return Movie(float32: values, frames: zhat.shape[0], height: frameHeight, width: frameWidth)
    }

    /// The skip connection's input for a sequence: its own mean frame
    /// (normalised), since the static content is per sequence.
    func staticImage(of movie: Movie) throws -> Tensor {
        normalisation.normaliseImage(try movie.meanFrame(), height: frameHeight, width: frameWidth)
    }

    func staticImage(of movie: NDArray) -> Tensor {
        normalisation.normaliseImage(movie.meanOverFirstAxis().data, height: frameHeight, width: frameWidth)
    }

    func checkFrameSize(_ movie: Movie) throws {
        guard movie.height == frameHeight, movie.width == frameWidth else {
            throw NetworkError("the model was trained on \(frameHeight) x \(frameWidth) frames; this movie has shape \(movie.shape)")
        }
    }

    func checkFrameSize(_ movie: NDArray) throws {
        guard movie.rank == 3, movie.shape[1] == frameHeight, movie.shape[2] == frameWidth else {
            throw NetworkError("the model was trained on \(frameHeight) x \(frameWidth) frames; this movie has shape \(movie.shape)")
        }
    }

    /// One frame t of a sequence as the scores see it, in data units:
    /// x_t, x_{t-1}, D(z_t), D(z_{t-1}) and, for t >= lag, D(zhat_t) (the
    /// VAR's decoded prediction). Pointers are valid during the call only.
    struct ScoredFrame {
        let t: Int
        let x: UnsafePointer<Double>, previous: UnsafePointer<Double>?
        let recon: UnsafePointer<Double>, previousRecon: UnsafePointer<Double>?
        let predicted: UnsafePointer<Double>?
    }

    /// Walks frames 0..<T of `movie` in order, a window at a time (reading
    /// and decoding only that window), handing each to `body`. `zs`: the
    /// movie's standardised latents, `encode(movie)`.
    func walk(_ movie: Movie, latents zs: NDArray, staticImage s: Tensor, cancellation: Cancellation?,
              _ body: (ScoredFrame) throws -> Void) throws {
        let p = options.lag, T = movie.frameCount, n = frameHeight * frameWidth, w = max(1, options.window)
        let z = destandardise(zs), zhat = destandardise(dynamics.predict(zs))   // zhat rows: t = p..<T
        for a in stride(from: 0, to: T, by: w) {
            try cancellation?.check()
            let b = min(T, a + w), lo = max(0, a - 1)                  // frames lo..<b: the window and the one before
            let x = try movie.floats(lo..<b).map(Double.init)
            let recon = try decodedFrames(z, lo..<b, staticImage: s, cancellation: cancellation)
            let pa = max(a, p)
            let predicted = try decodedFrames(zhat, (pa - p)..<max(pa - p, b - p), staticImage: s, cancellation: cancellation)
            try x.withUnsafeBufferPointer { xb in try recon.withUnsafeBufferPointer { rb in
                try predicted.withUnsafeBufferPointer { pb in
                    for t in a..<b {
                        let k = t - lo
                        try body(ScoredFrame(t: t, x: xb.baseAddress! + k * n, previous: t > 0 ? xb.baseAddress! + (k - 1) * n : nil,
                                             recon: rb.baseAddress! + k * n, previousRecon: t > 0 ? rb.baseAddress! + (k - 1) * n : nil,
                                             predicted: t >= p ? pb.baseAddress! + (t - pa) * n : nil))
                    }
                }
            }}
        }
    }

    /// The carry predictor fitted on `other`, walking its frames a window at
    /// a time (its reconstructions and predictions are never held whole).
    func carryPredictor(fittedOn other: Movie, latents zs: NDArray, staticImage s: Tensor,
                        cancellation: Cancellation?) throws -> CarryPredictor {
        var fit = CarryPredictor.Fit(pixels: frameHeight * frameWidth)
        try walk(other, latents: zs, staticImage: s, cancellation: cancellation) { f in
            guard let predicted = f.predicted, let previous = f.previous, let previousRecon = f.previousRecon else { return }
            fit.add(x: f.x, previous: previous, previousRecon: previousRecon, predicted: predicted)
        }
        return fit.predictor
    }

    /// Scores on `movie` (e.g. held-out frames), streamed a window at a time.
    /// `staticFrom`: the movie whose mean is the static image (nil: the
    /// training frames' mean); `ar1From`: frames to fit the per-pixel AR(1)
    /// baseline and the carry predictor on (nil: `movie` itself).
    func evaluate(_ movie: Movie, staticFrom: Movie? = nil, ar1From: Movie? = nil,
                  cancellation: Cancellation? = nil) throws -> ModelScores {
        try checkFrameSize(movie)
        let p = options.lag
        let T = movie.frameCount, n = frameHeight * frameWidth
        guard T >= p + 2 else { throw NetworkError("scoring needs at least \(p + 2) frames, got \(T)") }
        let s = try staticFrom.map(staticImage(of:)) ?? trainer.staticImage
        let zs = try encode(movie, cancellation: cancellation)
        // The carry predictor, its factors fitted on `ar1From` (else in-sample: a first walk,
        // since the frames are not held for a second look).
        let carry: CarryPredictor
        if let other = ar1From, other.frameCount >= p + 2 {
            let so = staticFrom == nil ? trainer.staticImage : try staticImage(of: other)
            carry = try carryPredictor(fittedOn: other, latents: try encode(other, cancellation: cancellation), staticImage: so,
                                       cancellation: cancellation)
        } else {
            carry = try carryPredictor(fittedOn: movie, latents: zs, staticImage: s, cancellation: cancellation)
        }
        // Everything in normalised units so the sums are well scaled.
        let scale = normalisation.scale
        let mean = try movie.meanFrame().reduce(0, +) / Double(n)
        var ssePred = 0.0, ssePersist = 0.0, sseHeld = 0.0, sseChange = 0.0, sse = 0.0, sst = 0.0
        var carryPred = 0.0, carryHeld = 0.0
        try walk(movie, latents: zs, staticImage: s, cancellation: cancellation) { f in
            for i in 0..<n {
                let e = (f.recon[i] - f.x[i]) / scale, c = (f.x[i] - mean) / scale
                sse += e * e; sst += c * c
            }
            guard let predicted = f.predicted, let previous = f.previous, let held = f.previousRecon else { return }
            // held: z_{t-1} decoded as a guess of x_t.
            for i in 0..<n {
                let target = f.x[i]
                let e1 = (predicted[i] - target) / scale
                let e2 = (previous[i] - target) / scale
                let e3 = (held[i] - target) / scale
                // x_{t-1} + D(zhat_t) - D(z_{t-1}): the frame moved by the decoded latent change.
                let e4 = (previous[i] + predicted[i] - held[i] - target) / scale
                ssePred += e1 * e1; ssePersist += e2 * e2; sseHeld += e3 * e3; sseChange += e4 * e4
            }
            let c = carry.sse(x: f.x, previous: previous, previousRecon: held, predicted: predicted)
            carryPred += c.withDynamics; carryHeld += c.held
        }
        // Latent FVU: one-step residual over the variance around each coordinate's mean.
        let zhat = dynamics.predict(zs)
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
        let ar1 = try perPixelAR1Ratio(fit: ar1From ?? movie, score: movie, cancellation: cancellation)
        return ModelScores(predictionRatio: ssePred / ssePersist, latentFVU: res / max(tot, 1e-300),
                           reconstructionR2: 1 - sse / max(sst, 1e-300), dynamicsGain: sseHeld / max(ssePred, 1e-300),
                           ar1PredictionRatio: ar1, changePredictionRatio: sseChange / max(ssePersist, 1e-300),
                           carryPredictionRatio: carryPred / max(ssePersist * scale * scale, 1e-300),
                           carryDynamicsGain: carryHeld / max(carryPred, 1e-300), frames: T)
    }

    func destandardise(_ zs: NDArray) -> Tensor {
        LatentStandardisation.destandardise(zs, mean: latentMean, sd: latentSD)
    }
}
