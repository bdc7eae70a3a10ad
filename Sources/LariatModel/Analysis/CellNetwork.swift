import Foundation

/// Which cells drive which, read from a fitted model (DESIGN.md "Cells and
/// networks"). Two reads:
///
/// `.cells` (the default): the model's own cell traces, the mask-weighted
/// means of its reconstruction `decoder(encoder(x_t))`, in the calcium-aware
/// design of `CellDynamics` (innovations on their filtered history, per
/// cell). The autoencoder's bottleneck keeps the cells' signals and drops
/// the shot noise; the dynamics are then fitted where the links are sparse,
/// between cells. Measured on the simulator it is the read that carries the
/// links (docs/network.md): a VAR over all latents spreads each cell over
/// several latents, where a sparse cell network is dense and the lasso
/// drops it.
///
/// `.latents`: through the encoder, the sparse VAR on the latents and the
/// decoder, linearised. For cell masks `w_i` let `p_i = w_i / sum(w_i)`
/// read cell i's trace from a frame and `u_j = w_j / (sum w_j^2 / sum w_j)`
/// raise cell j's trace by one. Around each frame pair (t-1, t):
///
///     M[i, j] = mean_t p_i' J_D(zhat_t) S A_1 S^-1 J_E(x_{t-1}) u_j     (predicted trace at t)
///     L[i, j] = mean_t p_i' J_D(z_{t-1}) J_E(x_{t-1}) u_j                (reconstructed trace at t-1)
///
/// with `J_E`, `J_D` the encoder's and decoder's Jacobians, `S` the latents'
/// standard deviations and `A_1` the VAR's lag-1 block on standardised
/// latents; `W = M L^-1` is the model's cell dynamics in trace units (`L`
/// undoes how the autoencoder mixes cells into its latents, so `W` does not
/// depend on the latents' basis). Each `p_i' J_D ...` row is one
/// vector-Jacobian product through the decoder and one through the encoder.
///
/// Either way `drivers[j] = sum_{i != j} |matrix[i, j]|`, each cell's
/// out-strength without its own persistence.
public struct CellNetwork: Sendable {
    /// n x n, `[i, j]` the effect of cell j at t-1 on cell i at t (trace units).
    public let matrix: NDArray
    /// `.cells`: n x n, each coefficient's t statistic (`CellDynamics.tStatistics`); `.latents`: nil.
    public let t: NDArray?
    /// n, out-strength without the diagonal.
    public let drivers: [Double]
    /// `.latents`: n x n, `M` and `L` above; `.cells`: nil.
    public let prediction: NDArray?
    public let reconstruction: NDArray?
    /// `.cells`: T x n, the model's cell traces (its reconstruction's mask means), and each cell's calcium decay.
    public let traces: NDArray?
    public let decay: [Double]?
    public let framesUsed: Int

    public enum Read: String, Sendable, CaseIterable {
        case cells, latents
    }

    public struct Options: Sendable {
        public var read: Read = .cells
        /// `.latents`: at most this many frame pairs, evenly spaced.
        public var frames: Int = 256
        /// `.latents`: the VAR read through the decoder and encoder: nil, the
        /// model's own; else refitted at this penalty on the model's
        /// standardised latents of the movie (`.value(0)`: least squares).
        /// `.cells`: the penalty of each cell's equation (nil: least squares).
        public var penalty: SparseVAR.Penalty? = nil
        /// `.cells`: the design (baseline, filter).
        public var dynamics = CellDynamics.Options()
        public init() {}
    }

    public static func compute(model: LatentDynamicsModel, movie: NDArray, masks: NDArray, options: Options = Options(),
                               context: WorkContext = .silent) throws -> CellNetwork {
        try model.checkFrameSize(movie)
        switch options.read {
        case .cells: return try readCells(model: model, movie: movie, masks: masks, options: options, context: context)
        case .latents: return try readLatents(model: model, movie: movie, masks: masks, options: options, context: context)
        }
    }

    /// The network of a movie held as float32, integers or on disk: the
    /// cell read streams it a window at a time; the latent read, which
    /// needs every frame at once, reads it whole (as float64).
    public static func compute(model: LatentDynamicsModel, movie: Movie, masks: NDArray, options: Options = Options(),
                               context: WorkContext = .silent) throws -> CellNetwork {
        guard options.read == .cells else {
            return try compute(model: model, movie: try movie.doubles(context: context), masks: masks, options: options, context: context)
        }
        let traces = try modelTraces(model: model, movie: movie, masks: masks, context: context)
        return try network(of: traces, options: options, context: context)
    }

    /// The model's cell traces, a window of frames at a time (the
    /// reconstruction of the whole movie is never held).
    public static func modelTraces(model: LatentDynamicsModel, movie: NDArray, masks: NDArray,
                                   context: WorkContext = .silent) throws -> NDArray {
        try model.checkFrameSize(movie)
        return try modelTraces(model: model, latents: try model.encode(movie, cancellation: context.cancellation),
                               staticImage: model.staticImage(of: movie), masks: masks, context: context)
    }

    /// The same for a movie read a window at a time.
    public static func modelTraces(model: LatentDynamicsModel, movie: Movie, masks: NDArray,
                                   context: WorkContext = .silent) throws -> NDArray {
        let zs = try model.encode(movie, cancellation: context.cancellation)     // checks the frame size
        return try modelTraces(model: model, latents: zs, staticImage: try model.parts.staticImage(of: movie),
                               masks: masks, context: context)
    }

    /// The masks' traces of `decode(zs)`, decoded 256 frames at a time.
    static func modelTraces(model: LatentDynamicsModel, latents zs: NDArray, staticImage: Tensor, masks: NDArray,
                            context: WorkContext) throws -> NDArray {
        let (T, H, W) = (zs.shape[0], model.frameHeight, model.frameWidth)
        let cells = try CellTraces.maskLists(masks, height: H, width: W)
        let n = cells.count, d = model.network.latent
        let window = 256
        var out = [Double](); out.reserveCapacity(T * n)
        let start = Date()
        for t0 in stride(from: 0, to: T, by: window) {
            let t1 = min(T, t0 + window)
            let z = NDArray(shape: [t1 - t0, d], data: Array(zs.data[(t0 * d)..<(t1 * d)]))
            let frames = try model.decode(z, staticImage: staticImage, cancellation: context.cancellation)
            out += CellTraces.traces(frames, cells: cells)
            context.report(ProgressReport(task: "network", done: t1, total: T, elapsed: Date().timeIntervalSince(start)))
        }
        return NDArray(shape: [T, n], data: out)
    }

    static func readCells(model: LatentDynamicsModel, movie: NDArray, masks: NDArray, options: Options,
                          context: WorkContext) throws -> CellNetwork {
        let traces = try modelTraces(model: model, movie: movie, masks: masks, context: context)
        return try network(of: traces, options: options, context: context)
    }

    /// The calcium-aware dynamics of the model's cell traces.
    static func network(of traces: NDArray, options: Options, context: WorkContext) throws -> CellNetwork {
        let fitted = try CellDynamics.fit(traces, options: options.dynamics, penalty: options.penalty,
                                          cancellation: context.cancellation)
        return CellNetwork(matrix: fitted.matrix, t: fitted.t, drivers: fitted.drivers, prediction: nil, reconstruction: nil,
                           traces: traces, decay: fitted.decay, framesUsed: traces.shape[0])
    }

    static func readLatents(model: LatentDynamicsModel, movie: NDArray, masks: NDArray, options: Options,
                            context: WorkContext) throws -> CellNetwork {
        let (T, H, W) = (movie.shape[0], model.frameHeight, model.frameWidth)
        let P = H * W, d = model.network.latent, lag = model.options.lag
        let cells = try CellTraces.maskLists(masks, height: H, width: W)
        let n = cells.count
        guard T >= lag + 2 else { throw NetworkError("network: the movie has \(T) frames; need at least \(lag + 2)") }

        // Readers p_i and raisers u_j, as dense images.
        var readers = [Float](repeating: 0, count: n * P), raisers = [Double](repeating: 0, count: n * P)
        for (i, cell) in cells.enumerated() {
            let total = cell.reduce(0) { $0 + $1.1 }, squares = cell.reduce(0) { $0 + $1.1 * $1.1 }
            for (p, w) in cell {
                readers[i * P + p] = Float(w / total)
                raisers[i * P + p] = w * total / squares
            }
        }

        // All latents once (standardised), then the VAR's predictions.
        let zs = try model.encode(movie, cancellation: context.cancellation)       // T x d
        let dynamics = try options.penalty.map { try SparseVAR.fit(zs, lag: lag, penalty: $0, shrinkTo: model.options.shrinkTo, context: context) } ?? model.dynamics
        let A1 = dynamics.lagMatrices[0]
        let sd = model.latentSD, mu = model.latentMean
        let pairs = T - lag
        let targets = evenlySpacedFrames(options.frames, of: pairs).map { lag + $0 }
        let count = targets.count
        let staticImage = model.staticImage(of: movie)
        let x = model.normalisation.normalise(movie)                               // T x H x W x 1
        let zhat = dynamics.predict(zs)                                            // rows: times lag..<T

        var M = [Double](repeating: 0, count: n * n), L = [Double](repeating: 0, count: n * n)
        let chunk = max(1, model.options.window)
        let start = Date()
        for c0 in stride(from: 0, to: count, by: chunk) {
            let batch = Array(targets[c0..<min(count, c0 + chunk)])
            let b = batch.count
            // The frames x_{t-1} the perturbations enter.
            var previous = [Float](); previous.reserveCapacity(b * P)
            for t in batch { previous += x.data[((t - 1) * P)..<(t * P)] }
            func latents(_ rows: (Int) -> Int, _ source: NDArray) -> Tensor {
                var data = [Float](repeating: 0, count: b * d)
                for (r, t) in batch.enumerated() { for k in 0..<d {
                    data[r * d + k] = Float(source.data[rows(t) * d + k] * sd[k] + mu[k])
                }}
                return Tensor(shape: [b, d], data: data)
            }
            let (_, previousTape) = try model.network.encodeRecording(Tensor(shape: [b, H, W, 1], data: previous),
                                                                     cancellation: context.cancellation)
            let (_, predictedTape) = try model.network.decodeRecording(latents({ $0 - lag }, zhat), static: staticImage,
                                                                     cancellation: context.cancellation)
            let (_, reconstructedTape) = try model.network.decodeRecording(latents({ $0 - 1 }, zs), static: staticImage,
                                                                         cancellation: context.cancellation)
            for i in 0..<n {
                try context.cancellation.check()
                var dy = Tensor(zeros: [b, H, W, 1])
                for r in 0..<b { for p in 0..<P { dy.data[r * P + p] = readers[i * P + p] } }
                // Prediction: back through the decoder at zhat, the VAR and the encoder at x_{t-1}.
                let dzhat = try model.network.decoderBackward(dy, tape: predictedTape, cancellation: context.cancellation)
                var dPrevious = Tensor(zeros: [b, d])
                for r in 0..<b { for k in 0..<d {
                    // zhat = mu + S (c + A_1 zs_{t-1} + ...), zs = S^-1 (z - mu): dz_{t-1} = S^-1 A_1' S dzhat.
                    var s = 0.0
                    for m in 0..<d { s += Double(dzhat.data[r * d + m]) * sd[m] * A1[m, k] }
                    dPrevious.data[r * d + k] = Float(s / sd[k])
                }}
                let gPrevious = try model.network.encoderBackward(dPrevious, tape: previousTape, inputGradient: true,
                                                                  cancellation: context.cancellation)!
                // Reconstruction: back through the decoder at z_{t-1} and the encoder at x_{t-1}.
                let dz = try model.network.decoderBackward(dy, tape: reconstructedTape, cancellation: context.cancellation)
                let gCurrent = try model.network.encoderBackward(dz, tape: previousTape, inputGradient: true,
                                                                 cancellation: context.cancellation)!
                for j in 0..<n {
                    var m = 0.0, l = 0.0
                    for r in 0..<b { for (p, _) in cells[j] {
                        m += Double(gPrevious.data[r * P + p]) * raisers[j * P + p]
                        l += Double(gCurrent.data[r * P + p]) * raisers[j * P + p]
                    }}
                    M[i * n + j] += m / Double(count)
                    L[i * n + j] += l / Double(count)
                }
            }
            context.report(ProgressReport(task: "network", done: min(count, c0 + chunk), total: count,
                                          elapsed: Date().timeIntervalSince(start)))
        }
        model.network.parameters.zeroGradients()

        // W = M L^-1, i.e. W L = M: solve L' W' = M' row by row.
        let Wm = try solveRight(M, L, n)
        var drivers = [Double](repeating: 0, count: n)
        for j in 0..<n { for i in 0..<n where i != j { drivers[j] += abs(Wm[i * n + j]) } }
        return CellNetwork(matrix: NDArray(shape: [n, n], data: Wm), t: nil, drivers: drivers,
                           prediction: NDArray(shape: [n, n], data: M), reconstruction: NDArray(shape: [n, n], data: L),
                           traces: nil, decay: nil, framesUsed: count)
    }

    /// `X` with `X L = M` (n x n, row-major), by Gaussian elimination with
    /// partial pivoting on `L'`; a ridge of 1e-9 x the largest entry of L'L
    /// keeps a singular L (a cell the model cannot see) from dividing by zero.
    static func solveRight(_ M: [Double], _ L: [Double], _ n: Int) throws -> [Double] {
        // X L = M  <=>  L' X' = M'. Normal equations with a tiny ridge: (L L') X' = L M'.
        var G = [Double](repeating: 0, count: n * n), R = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n {
            var g = 0.0, r = 0.0
            for k in 0..<n { g += L[a * n + k] * L[b * n + k]; r += L[a * n + k] * M[b * n + k] }
            G[a * n + b] = g; R[a * n + b] = r
        }}
        let ridge = 1e-9 * (G.map(abs).max() ?? 0)
        for a in 0..<n { G[a * n + a] += ridge }
        // Solve G Y = R (Y = X'), columns of R at once.
        for col in 0..<n {
            var piv = col
            for r in col..<n where abs(G[r * n + col]) > abs(G[piv * n + col]) { piv = r }
            guard G[piv * n + col] != 0 else { throw NetworkError("network: the model cannot tell the cells apart (a singular reconstruction matrix)") }
            if piv != col { for c in 0..<n { G.swapAt(piv * n + c, col * n + c); R.swapAt(piv * n + c, col * n + c) } }
            for r in 0..<n where r != col {
                let f = G[r * n + col] / G[col * n + col]
                if f == 0 { continue }
                for c in 0..<n { G[r * n + c] -= f * G[col * n + c]; R[r * n + c] -= f * R[col * n + c] }
            }
        }
        var X = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n { X[b * n + a] = R[a * n + b] / G[a * n + a] } }
        return X
    }
}
