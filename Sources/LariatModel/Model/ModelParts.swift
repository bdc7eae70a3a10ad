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
    /// Normalised a window at a time (the trainer's windows), so a long
    /// movie is never held twice.
    func encode(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try checkFrameSize(movie)
        let T = movie.shape[0], n = frameHeight * frameWidth, w = max(1, trainer.options.window)
        var z: [Float] = []
        z.reserveCapacity(T * network.latent)
        for start in stride(from: 0, to: T, by: w) {
            let end = min(T, start + w)
            let window = NDArray(shape: [end - start, frameHeight, frameWidth], data: Array(movie.data[(start * n)..<(end * n)]))
            z += try trainer.latents(of: normalisation.normalise(window), cancellation: cancellation).data
        }
        return LatentStandardisation.standardise(Tensor(shape: [T, network.latent], data: z).toNDArray(),
                                                 mean: latentMean, sd: latentSD)
    }

    /// Frames `window * k ..< window * (k + 1)` of `decode(latents)`, flat (data units).
    func decodedWindow(_ k: Int, of z: Tensor, staticImage s: Tensor, cancellation: Cancellation?) throws -> [Double] {
        let w = options.window, T = z.shape[0]
        let chunk = z.frames((k * w)..<min(T, (k + 1) * w))
        let out = try network.decode(chunk, static: s, cancellation: cancellation)
        return normalisation.denormalise(out).data
    }

    /// The carry predictor fitted on `other`, decoding its frames a window
    /// at a time (its reconstructions and predictions are never held whole).
    func carryPredictor(fittedOn other: NDArray, staticImage s: Tensor, cancellation: Cancellation?) throws -> CarryPredictor {
        let p = options.lag, T = other.shape[0], n = frameHeight * frameWidth, w = options.window
        let zo = try encode(other, cancellation: cancellation)
        let z = destandardise(zo), zhat = destandardise(dynamics.predict(zo))
        var fit = CarryPredictor.Fit(pixels: n)
        var recon: [Int: [Double]] = [:]       // decoded windows of z still needed
        var predicted: (index: Int, frames: [Double]) = (-1, [])
        for r in 0..<(T - p) {
            let t = r + p
            let (k, j) = ((t - 1) / w, r / w)
            if recon[k] == nil {
                recon = recon.filter { $0.key >= k }
                recon[k] = try decodedWindow(k, of: z, staticImage: s, cancellation: cancellation)
            }
            if predicted.index != j { predicted = (j, try decodedWindow(j, of: zhat, staticImage: s, cancellation: cancellation)) }
            let (a, b) = ((t - 1 - k * w) * n, (r - j * w) * n)
            fit.add(x: other.data[(t * n)..<((t + 1) * n)], previous: other.data[((t - 1) * n)..<(t * n)],
                    previousRecon: recon[k]![a..<(a + n)], predicted: predicted.frames[b..<(b + n)])
        }
        return fit.predictor
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

    /// Reconstructions of a movie's frames (data units).
    func reconstruct(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
        try decode(try encode(movie, cancellation: cancellation), staticImage: staticImage(of: movie), cancellation: cancellation)
    }

    /// The decoded VAR predictions of frames `lag..<T` from the frames before
    /// each (data units), `(T - lag) x H x W`.
    func predictNext(_ movie: NDArray, cancellation: Cancellation? = nil) throws -> NDArray {
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
    func evaluate(_ movie: NDArray, staticFrom: NDArray? = nil, ar1From: NDArray? = nil,
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
            carry = try carryPredictor(fittedOn: other, staticImage: so, cancellation: cancellation)
        }
        let carrySSE = carry.sse(x: x, recon: recon.data, predicted: predicted.data, heldDecoded: held.data, frames: T, pixels: n, lag: p)
        return ModelScores(predictionRatio: ssePred / ssePersist, latentFVU: res / max(tot, 1e-300),
                           reconstructionR2: 1 - sse / max(sst, 1e-300), dynamicsGain: sseHeld / max(ssePred, 1e-300),
                           ar1PredictionRatio: ar1, changePredictionRatio: sseChange / max(ssePersist, 1e-300),
                           carryPredictionRatio: carrySSE.withDynamics / max(ssePersist * scale * scale, 1e-300),
                           carryDynamicsGain: carrySSE.held / max(carrySSE.withDynamics, 1e-300), frames: T)
    }

    func destandardise(_ zs: NDArray) -> Tensor {
        LatentStandardisation.destandardise(zs, mean: latentMean, sd: latentSD)
    }
}
