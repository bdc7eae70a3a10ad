import Foundation

/// Contribution maps (DESIGN.md "Contribution maps"): per pixel, how
/// strongly it drives the dynamics the sparse VAR predicts, per latent
/// equation and overall.
///
///     let c = try ContributionMap.compute(model: model, movie: movie)
///     c.map            // H x W
///     c.latentMaps     // d x H x W
///
/// Methods (docs/contribution-maps.md measures how localised each is):
/// - `.gradient`: gradient x input. For frame t and equation i the target is
///   the VAR's prediction `zhat_i = c_i + sum_l (A_l z)_i` on standardised
///   latents; its gradient with respect to the frame x_t, times the frame's
///   departure from the sequence's mean image (the static content, which
///   carries no dynamics), in absolute value, averaged over frames. Lag
///   blocks are summed (frame t enters the next p predictions).
///   (`relativeToMean = false`: times the normalised frame itself.)
/// - `.occlusion`: each `patch x patch` square of every frame is replaced by
///   the mean image; the map is the mean absolute change of the VAR's
///   predicted latents (per equation for `latentMaps`), spread over the patch.
/// - `.decoder`: decoder side: where in the frame the VAR's predicted latent
///   change `zhat_{t+1} - z_t` moves the decoded image,
///   `|D(zhat_{t+1}, s) - D(z_t, s)|`, averaged over frames; per latent, the
///   change of that coordinate alone.
/// `offDiagonal` keeps only the links between different latents (each
/// coordinate's own persistence `A_l[i, i]` removed), i.e. "what drives
/// whom"; it applies to `.gradient` and `.occlusion`.
/// The overall `map` is the sum of the per-latent maps (for `.decoder`, the
/// joint change).
public struct ContributionMap: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case gradient, occlusion, decoder
    }

    public struct Options: Sendable {
        public var method: Method = .gradient
        public var offDiagonal: Bool = false
        /// At most this many frames, evenly spaced, are averaged (0: all).
        public var frames: Int = 500
        /// The occlusion square's side in pixels.
        public var patch: Int = 4
        /// Gradient: multiply by the frame's departure from the mean image
        /// (true) or by the normalised frame itself (false, plain gradient x input).
        public var relativeToMean: Bool = true
        public init() {}
    }

    /// `H x W`, non-negative.
    public let map: NDArray
    /// `d x H x W`, one map per latent equation.
    public let latentMaps: NDArray
    /// The movie's mean image, data units (for the overlay display).
    public let meanImage: NDArray
    public let method: Method
    public let framesUsed: Int

    /// - Throws: `NetworkError` when the movie does not fit the model,
    ///   `CancelledError` when cancelled.
    public static func compute(model: LatentDynamicsModel, movie: NDArray, options: Options = Options(),
                               context: WorkContext = .silent) throws -> ContributionMap {
        try model.checkFrameSize(movie)
        let T = movie.shape[0], n = model.frameHeight * model.frameWidth
        guard T >= 1 else { throw NetworkError("contributions: the movie has no frames") }
        let picked = pickedFrames(T, options)
        var picks: [Double] = []
        picks.reserveCapacity(picked.count * n)
        for t in picked { picks += movie.data[t * n ..< (t + 1) * n] }
        return try compute(model: model, picked: NDArray(shape: [picked.count, model.frameHeight, model.frameWidth], data: picks),
                           meanImage: movie.meanOverFirstAxis(), staticImage: model.staticImage(of: movie),
                           options: options, context: context)
    }

    /// The same for a movie held as float32, integers or on disk: only the
    /// picked frames are read (and the mean frame streamed).
    public static func compute(model: LatentDynamicsModel, movie: Movie, options: Options = Options(),
                               context: WorkContext = .silent) throws -> ContributionMap {
        try model.parts.checkFrameSize(movie)
        guard movie.frameCount >= 1 else { throw NetworkError("contributions: the movie has no frames") }
        let picked = pickedFrames(movie.frameCount, options)
        var picks: [Double] = []
        picks.reserveCapacity(picked.count * movie.frameSize)
        for t in picked { picks += try movie.floats(t..<(t + 1)).map(Double.init) }
        return try compute(model: model, picked: NDArray(shape: [picked.count, movie.height, movie.width], data: picks),
                           meanImage: try movie.meanImage(),
                           staticImage: try model.parts.staticImage(of: movie), options: options, context: context)
    }

    /// At most `options.frames` frames of `T`, evenly spaced (0: all).
    static func pickedFrames(_ T: Int, _ options: Options) -> [Int] {
        evenlySpacedFrames(options.frames <= 0 ? T : options.frames, of: T)
    }

    /// The maps from the picked frames (data units), the movie's mean image
    /// and its static image (normalised).
    static func compute(model: LatentDynamicsModel, picked sub: NDArray, meanImage: NDArray, staticImage: Tensor,
                        options: Options, context: WorkContext) throws -> ContributionMap {
        let count = sub.shape[0], (H, W) = (model.frameHeight, model.frameWidth), n = H * W
        let p = model.options.lag, d = model.network.latent
        let x = model.normalisation.normalise(sub)                          // count x H x W x 1

        // M = sum_l A_l (standardised latents), optionally without its diagonal.
        let kp = d * p
        var M = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for l in 0..<p { for j in 0..<d { M[i * d + j] += model.dynamics.coefficients.data[i * kp + l * d + j] } } }
        if options.offDiagonal { for i in 0..<d { M[i * d + i] = 0 } }

        var latent = [Double](repeating: 0, count: d * n)
        let chunk = max(1, model.options.window)
        let start = Date()
        func progress(_ done: Int, _ total: Int) {
            context.report(ProgressReport(task: "contributions", done: done, total: total, elapsed: Date().timeIntervalSince(start)))
        }
        switch options.method {
        case .gradient:
            let reference = options.relativeToMean ? staticImage.data : [Float](repeating: 0, count: n)
            for c0 in stride(from: 0, to: count, by: chunk) {
                let frames = x.frames(c0..<min(count, c0 + chunk))
                let m = frames.shape[0]
                let (_, tape) = try model.network.encodeRecording(frames, cancellation: context.cancellation)
                for i in 0..<d where (0..<d).contains(where: { M[i * d + $0] != 0 }) {
                    try context.cancellation.check()
                    var dz = Tensor(zeros: [m, d])
                    for t in 0..<m { for j in 0..<d { dz.data[t * d + j] = Float(M[i * d + j] / model.latentSD[j]) } }
                    guard let g = try model.network.encoderBackward(dz, tape: tape, inputGradient: true,
                                                                    cancellation: context.cancellation) else { continue }
                    for t in 0..<m { for q in 0..<n {
                        latent[i * n + q] += abs(Double(g.data[t * n + q]) * Double(frames.data[t * n + q] - reference[q]))
                    }}
                }
                progress(min(count, c0 + chunk), count)
            }
            model.network.parameters.zeroGradients()
        case .occlusion:
            let q = max(1, options.patch)
            let base = try model.trainer.latents(of: x, cancellation: context.cancellation)
            let patches = ((H + q - 1) / q) * ((W + q - 1) / q)
            var done = 0
            for py in stride(from: 0, to: H, by: q) {
                for px in stride(from: 0, to: W, by: q) {
                    try context.cancellation.check()
                    var occluded = x
                    let rows = py..<min(H, py + q), cols = px..<min(W, px + q)
                    for t in 0..<count { for r in rows { for c in cols { occluded.data[t * n + r * W + c] = staticImage.data[r * W + c] } } }
                    let z = try model.trainer.latents(of: occluded, cancellation: context.cancellation)
                    var effect = [Double](repeating: 0, count: d)
                    for t in 0..<count {
                        for i in 0..<d {
                            var s = 0.0
                            for j in 0..<d { s += M[i * d + j] * Double(z.data[t * d + j] - base.data[t * d + j]) / model.latentSD[j] }
                            effect[i] += abs(s)
                        }
                    }
                    for i in 0..<d { for r in rows { for c in cols { latent[i * n + r * W + c] = effect[i] } } }
                    done += 1
                    progress(done, patches)
                }
            }
        case .decoder:
            let zs = try model.encode(sub, cancellation: context.cancellation)
            var predicted = zs                                             // zhat_{t+1} from z_t (and earlier picked frames)
            for t in 0..<count {
                for i in 0..<d {
                    var s = model.dynamics.intercept[i]
                    for l in 1...p where t - l + 1 >= 0 {
                        for j in 0..<d { s += model.dynamics.coefficients.data[i * kp + (l - 1) * d + j] * zs.data[(t - l + 1) * d + j] }
                    }
                    predicted.data[t * d + i] = s
                }
            }
            let now = try model.decode(zs, staticImage: staticImage, cancellation: context.cancellation)
            var joint = [Double](repeating: 0, count: n)
            let next = try model.decode(predicted, staticImage: staticImage, cancellation: context.cancellation)
            for t in 0..<count { for q in 0..<n { joint[q] += abs(next.data[t * n + q] - now.data[t * n + q]) } }
            for i in 0..<d {
                try context.cancellation.check()
                var one = zs
                for t in 0..<count { one.data[t * d + i] = predicted.data[t * d + i] }
                let moved = try model.decode(one, staticImage: staticImage, cancellation: context.cancellation)
                for t in 0..<count { for q in 0..<n { latent[i * n + q] += abs(moved.data[t * n + q] - now.data[t * n + q]) } }
                progress(i + 1, d)
            }
            let inv = 1 / Double(count)
            return ContributionMap(map: NDArray(shape: [H, W], data: joint.map { $0 * inv }),
                                   latentMaps: NDArray(shape: [d, H, W], data: latent.map { $0 * inv }),
                                   meanImage: meanImage, method: .decoder, framesUsed: count)
        }
        let inv = 1 / Double(count)
        for k in latent.indices { latent[k] *= inv }
        var total = [Double](repeating: 0, count: n)
        for i in 0..<d { for q in 0..<n { total[q] += latent[i * n + q] } }
        return ContributionMap(map: NDArray(shape: [H, W], data: total), latentMaps: NDArray(shape: [d, H, W], data: latent),
                               meanImage: meanImage, method: options.method, framesUsed: count)
    }

    /// The fraction of a non-negative map's mass on `mask` (H x W, true on
    /// cells): the localisation figure of docs/contribution-maps.md.
    public static func massFraction(_ map: NDArray, on mask: [Bool]) -> Double {
        precondition(map.count == mask.count)
        var on = 0.0, all = 0.0
        for (v, m) in zip(map.data, mask) { let a = abs(v); all += a; if m { on += a } }
        return all > 0 ? on / all : .nan
    }

    /// Pixels where some footprint (`N x H x W`, peak 1) reaches `threshold`.
    public static func cellMask(footprints: NDArray, threshold: Double = 0.25) -> [Bool] {
        let n = footprints.shape[1] * footprints.shape[2]
        var mask = [Bool](repeating: false, count: n)
        for c in 0..<footprints.shape[0] { for q in 0..<n where footprints.data[c * n + q] >= threshold { mask[q] = true } }
        return mask
    }

    /// The brightness baseline: the mean of |x| over frames (data units).
    public static func brightnessMap(_ movie: NDArray) -> NDArray {
        let n = movie.shape[1] * movie.shape[2]
        var out = [Double](repeating: 0, count: n)
        for t in 0..<movie.shape[0] { for q in 0..<n { out[q] += abs(movie.data[t * n + q]) } }
        return NDArray(shape: [movie.shape[1], movie.shape[2]], data: out.map { $0 / Double(movie.shape[0]) })
    }
}
