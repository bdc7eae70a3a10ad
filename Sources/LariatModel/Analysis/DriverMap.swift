import Foundation

/// How strongly each region drives OTHER regions, read from a fitted model
/// without cell masks (DESIGN.md "Cells and networks", `drivers`). Two reads:
///
/// `.cells` (the default): the regions are the cells found in the movie
/// (`CellDetection`, as `cells(movie)`); the model's network over them is
/// `CellNetwork`'s `.cells` read, and
///
///     map[p] = sum_j drivers_j w_j(p)
///
/// with `w_j` region j's weights (peak 1) and `drivers_j` its out-strength
/// to the other regions. Pixels in no region drive nothing.
///
/// `.pixels`: no regions at all. The decoder turns latents into frames;
/// averaged over frames its Jacobian is `J` (pixels x d, by central
/// differences along each latent). In the decoder's image the model's
/// dynamics act on frames as
///
///     K = J B J^+,   B = S A_1 S^-1,   J^+ = (J'J + eps I)^-1 J'
///
/// (pixels x pixels): a change of the frame at pixel p at t-1 moves pixel q
/// at t by `K[q, p]`. `K` does not depend on how the latents mix the cells:
/// if frames are `F c` for cell activities `c` with dynamics
/// `c_t = W c_{t-1}`, then `K = F W F^+`. A pixel's own cell's persistence
/// lands near it; its links to other cells land far away. So
///
///     map[p] = sum over q farther than `radius` from p of |K[q, p]|,
///
/// scaled by the frames' standard deviation at p (a pixel that never changes
/// drives nothing). On the simulator this read is at chance
/// (docs/network.md): the VAR on the latents does not carry the links.
public struct DriverMap: Sendable {
    /// H x W.
    public let map: NDArray
    /// The movie's mean image (data units), for the overlay display.
    public let meanImage: NDArray
    public let framesUsed: Int
    /// The read that ran: `.cells` falls back to `.pixels` when the movie
    /// shows fewer than two regions (or fewer frames than regions + 8).
    public var read: Read { regions == nil ? .pixels : .cells }
    /// `.cells`: the regions (n x H x W, peak 1) and their out-strengths.
    public let regions: NDArray?
    public let regionDrivers: [Double]?

    public enum Read: String, Sendable, CaseIterable {
        case cells, pixels
    }

    public struct Options: Sendable {
        public var read: Read = .cells
        /// `.cells`: how regions are found.
        public var detection = CellDetection.Options()
        /// Pixels within this distance of p count as p's own region.
        public var radius: Double = 4
        /// At most this many frames, evenly spaced, for the decoder's Jacobian.
        public var frames: Int = 256
        /// As `CellNetwork.Options.penalty` for the read: `.cells`, each
        /// region's equation (nil: least squares); `.pixels`, the VAR refitted
        /// on the latents (nil: the model's own).
        public var penalty: SparseVAR.Penalty? = nil
        public init() {}
    }

    public static func compute(model: LatentDynamicsModel, movie: NDArray, options: Options = Options(),
                               context: WorkContext = .silent) throws -> DriverMap {
        try model.checkFrameSize(movie)
        switch options.read {
        case .cells: return try readCells(model: model, movie: movie, options: options, context: context)
        case .pixels: return try readPixels(model: model, movie: movie, options: options, context: context)
        }
    }

    /// The map of a movie held as float32, integers or on disk: the cell
    /// read finds regions in it (binned in time, `CellDetection.maxFrames`)
    /// and streams the network; the pixel read encodes it a window at a
    /// time and reads only its picked frames.
    public static func compute(model: LatentDynamicsModel, movie: Movie, options: Options = Options(),
                               context: WorkContext = .silent) throws -> DriverMap {
        try model.parts.checkFrameSize(movie)
        guard options.read == .cells else { return try readPixels(model: model, movie: movie, options: options, context: context) }
        let found = try CellDetection.detect(movie, options: options.detection, cancellation: context.cancellation)
        let n = found.masks.shape[0]
        guard n >= 2, movie.frameCount >= n + 8 else {
            return try readPixels(model: model, movie: movie, options: options, context: context)
        }
        var o = CellNetwork.Options()
        o.read = .cells
        o.penalty = options.penalty
        let net = try CellNetwork.compute(model: model, movie: movie, masks: found.masks, options: o, context: context)
        return painted(found.masks, net.drivers, meanImage: try movie.meanImage(),
                       frames: movie.frameCount)
    }

    /// Each region's out-strength painted over its mask.
    static func painted(_ masks: NDArray, _ drivers: [Double], meanImage: NDArray, frames: Int) -> DriverMap {
        let (n, H, W) = (masks.shape[0], masks.shape[1], masks.shape[2])
        let P = H * W
        var map = [Double](repeating: 0, count: P)
        for j in 0..<n { for p in 0..<P { map[p] += drivers[j] * masks.data[j * P + p] } }
        return DriverMap(map: NDArray(shape: [H, W], data: map), meanImage: meanImage,
                         framesUsed: frames, regions: masks, regionDrivers: drivers)
    }

    static func readCells(model: LatentDynamicsModel, movie: NDArray, options: Options,
                          context: WorkContext) throws -> DriverMap {
        let (H, W) = (model.frameHeight, model.frameWidth)
        let found = try CellDetection.detect(movie, options: options.detection, cancellation: context.cancellation)
        let n = found.masks.shape[0]
        // Too few regions, or too few frames for their dynamics: no region
        // network to read; the pixel read needs neither (`read` says which ran).
        guard n >= 2, movie.shape[0] >= n + 8 else {
            return try readPixels(model: model, movie: movie, options: options, context: context)
        }
        var o = CellNetwork.Options()
        o.read = .cells
        o.penalty = options.penalty
        let net = try CellNetwork.compute(model: model, movie: movie, masks: found.masks, options: o, context: context)
        return painted(found.masks, net.drivers, meanImage: movie.meanOverFirstAxis(), frames: movie.shape[0])
    }

    static func readPixels(model: LatentDynamicsModel, movie: NDArray, options: Options,
                           context: WorkContext) throws -> DriverMap {
        try checkRadius(options)
        let picked = evenlySpacedFrames(options.frames, of: movie.shape[0])
        let P = model.frameHeight * model.frameWidth
        return try readPixels(model: model, latents: try model.encode(movie, cancellation: context.cancellation),
                              staticImage: model.staticImage(of: movie),
                              pickedFrames: picked.map { t in Array(movie.data[(t * P)..<((t + 1) * P)]) },
                              picked: picked, meanImage: movie.meanOverFirstAxis(), options: options, context: context)
    }

    /// The pixel read of a movie held as float32, integers or on disk:
    /// encoded a window at a time, and only the picked frames read whole.
    static func readPixels(model: LatentDynamicsModel, movie: Movie, options: Options,
                           context: WorkContext) throws -> DriverMap {
        try checkRadius(options)
        let picked = evenlySpacedFrames(options.frames, of: movie.frameCount)
        return try readPixels(model: model, latents: try model.encode(movie, cancellation: context.cancellation),
                              staticImage: try model.parts.staticImage(of: movie),
                              pickedFrames: try picked.map { try movie.floats($0..<($0 + 1)).map(Double.init) },
                              picked: picked, meanImage: try movie.meanImage(context: context),
                              options: options, context: context)
    }

    static func checkRadius(_ options: Options) throws {
        guard options.radius >= 0, options.radius.isFinite else {
            throw NetworkError("radius must be >= 0 pixels, got \(options.radius)", option: "radius")
        }
    }


    /// The pixel read from the movie's standardised latents `zs`, its static
    /// image, the picked frames (raw values, one array each) and its mean image.
    static func readPixels(model: LatentDynamicsModel, latents zs: NDArray, staticImage: Tensor,
                           pickedFrames: [[Double]], picked: [Int], meanImage: NDArray, options: Options,
                           context: WorkContext) throws -> DriverMap {
        let (H, W) = (model.frameHeight, model.frameWidth)
        let P = H * W, d = model.network.latent
        let count = picked.count
        let sd = model.latentSD, mu = model.latentMean

        // J: the decoder's mean Jacobian along each latent, in encoder units.
        var J = [Double](repeating: 0, count: P * d)                  // P x d
        let chunk = max(1, model.options.window)
        let start = Date()
        for c0 in stride(from: 0, to: count, by: chunk) {
            let batch = Array(picked[c0..<min(count, c0 + chunk)])
            let b = batch.count
            var base = [Float](repeating: 0, count: b * d)
            for (r, t) in batch.enumerated() { for k in 0..<d { base[r * d + k] = Float(zs.data[t * d + k] * sd[k] + mu[k]) } }
            for k in 0..<d {
                try context.cancellation.check()
                // A step of a hundredth of the latent's spread: small against its range, large against float32 rounding.
                let h = Float(0.01 * sd[k])
                var up = base, down = base
                for r in 0..<b { up[r * d + k] += h; down[r * d + k] -= h }
                let yu = try model.network.decode(Tensor(shape: [b, d], data: up), static: staticImage, cancellation: context.cancellation)
                let yd = try model.network.decode(Tensor(shape: [b, d], data: down), static: staticImage, cancellation: context.cancellation)
                for r in 0..<b { for p in 0..<P {
                    J[p * d + k] += Double(yu.data[r * P + p] - yd.data[r * P + p]) / Double(2 * h) / Double(count)
                }}
            }
            context.report(ProgressReport(task: "drivers", done: min(count, c0 + chunk), total: count,
                                          elapsed: Date().timeIntervalSince(start)))
        }

        // C = B J^+ (d x P), with B = S A_1 S^-1 and J^+ = (J'J + eps I)^-1 J'.
        var G = [Double](repeating: 0, count: d * d)
        for p in 0..<P { for a in 0..<d { for b in 0..<d { G[a * d + b] += J[p * d + a] * J[p * d + b] } } }
        let eps = 1e-6 * ((0..<d).map { G[$0 * d + $0] }.max() ?? 0) + 1e-300
        for a in 0..<d { G[a * d + a] += eps }
        let Ginv = try invert(G, d)
        let dynamics = try options.penalty.map { try SparseVAR.fit(zs, lag: model.options.lag, penalty: $0, shrinkTo: model.options.shrinkTo, context: context) }
            ?? model.dynamics
        let A1 = dynamics.lagMatrices[0]
        var B = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for b in 0..<d { B[a * d + b] = sd[a] * A1[a, b] / sd[b] } }
        var BG = [Double](repeating: 0, count: d * d)                 // B (J'J)^-1
        for a in 0..<d { for b in 0..<d { var s = 0.0; for k in 0..<d { s += B[a * d + k] * Ginv[k * d + b] }; BG[a * d + b] = s } }
        var C = [Double](repeating: 0, count: d * P)                  // (B (J'J)^-1 J')[:, p]
        for p in 0..<P { for a in 0..<d { var s = 0.0; for k in 0..<d { s += BG[a * d + k] * J[p * d + k] }; C[a * P + p] = s } }

        // The pixels' own spread (normalised units), over the picked frames.
        let (offset, inv) = (model.normalisation.offset, 1 / model.normalisation.scale)
        var spread = [Double](repeating: 0, count: P)
        for p in 0..<P {
            var s = 0.0, s2 = 0.0
            for frame in pickedFrames { let v = Double(Float((frame[p] - offset) * inv)); s += v; s2 += v * v }
            let m = s / Double(count)
            spread[p] = max(0, s2 / Double(count) - m * m).squareRoot()
        }

        // map[p] = spread[p] * sum_{|q - p| > radius} |sum_k J[q, k] C[k, p]|.
        var map = [Double](repeating: 0, count: P)
        let r2 = options.radius * options.radius
        for p in 0..<P {
            if p % W == 0 { try context.cancellation.check() }
            let (py, px) = (p / W, p % W)
            var column = [Double](repeating: 0, count: d)
            for k in 0..<d { column[k] = C[k * P + p] }
            var out = 0.0
            for q in 0..<P {
                let dy = Double(q / W - py), dx = Double(q % W - px)
                if dy * dy + dx * dx <= r2 { continue }
                var s = 0.0
                for k in 0..<d { s += J[q * d + k] * column[k] }
                out += abs(s)
            }
            map[p] = out * spread[p]
        }
        return DriverMap(map: NDArray(shape: [H, W], data: map), meanImage: meanImage, framesUsed: count,
                         regions: nil, regionDrivers: nil)
    }

    /// The inverse of a small symmetric positive-definite matrix (Gauss-Jordan, partial pivoting).
    static func invert(_ A: [Double], _ n: Int) throws -> [Double] {
        var a = A, inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            var piv = col
            for r in col..<n where abs(a[r * n + col]) > abs(a[piv * n + col]) { piv = r }
            guard a[piv * n + col] != 0 else { throw NetworkError("drivers: the decoder ignores a latent (a singular Jacobian)") }
            if piv != col { for c in 0..<n { a.swapAt(piv * n + c, col * n + c); inv.swapAt(piv * n + c, col * n + c) } }
            let f = 1 / a[col * n + col]
            for c in 0..<n { a[col * n + c] *= f; inv[col * n + c] *= f }
            for r in 0..<n where r != col {
                let g = a[r * n + col]
                if g == 0 { continue }
                for c in 0..<n { a[r * n + c] -= g * a[col * n + c]; inv[r * n + c] -= g * inv[col * n + c] }
            }
        }
        return inv
    }
}
