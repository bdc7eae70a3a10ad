import Foundation

/// Trains an `Autoencoder` on one normalised movie: the loop (windows,
/// Adam, progress, cancellation, divergence) shared by reconstruction-only
/// training (the two-stage baseline's first stage) and joint training
/// through the lasso-VAR.
///
/// ```swift
/// let trainer = try AutoencoderTrainer(movie: movie, latent: 16, skip: true, options: .init(epochs: 20))
/// try trainer.trainReconstruction(context: context)
/// let z = try trainer.latents()                          // T x d
/// ```
///
/// Deterministic: the same movie, options and seed give the same weights,
/// on any number of cores (work is split into `WorkChunks` that depend only
/// on its size, reductions add the chunks in a fixed order, and OpenBLAS
/// runs one thread per call over a fixed split, see `sgemm`).
public final class AutoencoderTrainer {
    public let network: Autoencoder
    public let normalisation: MovieNormalisation
    public var options: TrainingOptions
    public let optimizer: Adam
    /// The training frames in data units (float32, integers or on disk),
    /// normalised a window at a time as training reads them.
    public let movie: Movie
    /// The static image the skip connection reads: the mean normalised frame, `H x W`.
    public let staticImage: Tensor
    /// The mean loss of every epoch so far.
    public private(set) var losses: [Double] = []
    /// Every epoch's mean losses with their parts, in order.
    public private(set) var epochLosses: [TrainingLosses] = []
    /// Optimisation steps taken.
    public private(set) var steps = 0
    var firstLoss: Double?
    var rng: SeededRandom

    /// - Parameter movie: raw frames `T x H x W` in data units.
    /// - Parameter tiles: the kernels' register tiles (by default the running
    ///   CPU's; benchmarks force one to compare them).
    /// - Throws: `NetworkError` for unusable movies or options.
    public convenience init(movie: NDArray, latent: Int, skip: Bool, architecture: Architecture = .standard,
                            options: TrainingOptions = TrainingOptions(), tiles: RegisterTiles = .detected) throws {
        guard movie.rank == 3 else { throw NetworkError("the movie must be T x H x W, got shape \(movie.shape)") }
        guard movie.count > 0 else { throw NetworkError("the movie is empty (shape \(movie.shape))") }
        try self.init(movie: Movie(movie), latent: latent, skip: skip, architecture: architecture, options: options, tiles: tiles)
    }

    /// Trains on `movie` read a window at a time (nothing beyond one window
    /// is normalised or copied, so a lazy movie stays on disk).
    public init(movie: Movie, latent: Int, skip: Bool, architecture: Architecture = .standard,
                options: TrainingOptions = TrainingOptions(), tiles: RegisterTiles = .detected,
                cancellation: Cancellation? = nil) throws {
        try options.validate(frameCount: movie.frameCount)
        self.movie = movie
        normalisation = try MovieNormalisation(fitting: movie, cancellation: cancellation)
        staticImage = normalisation.normaliseImage(try movie.meanFrame(), height: movie.height, width: movie.width)
        network = try Autoencoder(frameHeight: movie.height, frameWidth: movie.width, latent: latent,
                                  skip: skip, architecture: architecture, tiles: tiles, seed: options.seed)
        if let parts = network.spatialParts { try Self.startParts(parts, from: movie) }
        self.options = options
        optimizer = Adam(learningRate: options.learningRate)
        rng = SeededRandom(seed: options.seed, stream: 0x57494E)   // "WIN": window order
    }

    /// A trained network restored from a file (`ModelArchive`): it encodes
    /// and decodes, but holds no training frames to train on.
    init(restoring network: Autoencoder, normalisation: MovieNormalisation, staticImage: Tensor,
         options: TrainingOptions) {
        self.network = network
        self.normalisation = normalisation
        self.staticImage = staticImage
        movie = Movie(float32: [], frames: 0, height: network.frameHeight, width: network.frameWidth)
        self.options = options
        optimizer = Adam(learningRate: options.learningRate)
        rng = SeededRandom(seed: options.seed, stream: 0x57494E)
    }

    /// Starts a parts decoder from the movie's own cells (`CellDetection`,
    /// strongest first, peak 1), then its mean image scaled to peak 1 (the
    /// global changes: bleaching, illumination); later latents keep their
    /// small random parts. Cells are found in the first 128 MiB of frames
    /// (as float64), so a long recording is never held whole for this.
    static func startParts(_ parts: SpatialParts, from whole: Movie) throws {
        let movie = try whole.frames(0..<min(whole.frameCount, max(2, (128 << 20) / (8 * whole.frameSize)))).doubles()
        let P = movie.shape[1] * movie.shape[2]
        var images: [[Float]] = []
        if let cells = try? CellDetection.detect(movie) {
            for i in 0..<cells.masks.shape[0] { images.append(cells.masks.data[(i * P)..<((i + 1) * P)].map { Float($0) }) }
        }
        images = Array(images.prefix(max(0, parts.latent - 1)))
        let mean = movie.meanOverFirstAxis().data
        let top = mean.max() ?? 0
        if top > 0 { images.append(mean.map { Float(max(0, $0) / top) }) }
        parts.setParts(images)
    }

    /// The windows of one epoch: non-overlapping runs of `window` frames from
    /// a random offset, in a random order (both drawn from the seed).
    func epochWindows() -> [Range<Int>] {
        let T = movie.frameCount, w = options.window
        let offset = rng.int(in: 0..<(T - w + 1 > w ? w : T - w + 1))
        var windows: [Range<Int>] = []
        var start = offset
        while start + w <= T { windows.append(start..<(start + w)); start += w }
        return rng.permutation(windows.count).map { windows[$0] }
    }

    /// Trains for `options.epochs` epochs with `step`, which computes a
    /// window's loss and the parameters' gradients. Reports its progress
    /// after every epoch (and within long epochs) to `progress`, or when that
    /// is nil as `ProgressReport`s to `context`; checks cancellation between
    /// windows and inside steps.
    func train(task: String, context: WorkContext, progress: ((TrainingProgress) -> Void)?,
               _ step: (Range<Int>) throws -> TrainingLosses) throws {
        let report = progress ?? { context.report($0.report) }
        let start = Date()
        let epochs = options.epochs
        let parameters = network.parameters
        for epoch in 0..<epochs {
            let windows = epochWindows()
            var sum: TrainingLosses? = nil
            var lastReport = Date()
            for (i, window) in windows.enumerated() {
                try context.cancellation.check()
                parameters.zeroGradients()
                let figures = try step(window)
                try checkDivergence(loss: figures.total, parameters: parameters, epoch: epoch, window: window)
                optimizer.update(parameters)
                steps += 1
                sum = sum.map { $0 + figures } ?? figures
                if Date().timeIntervalSince(lastReport) > 1 {
                    lastReport = Date()
                    let done = Double(epoch) + Double(i + 1) / Double(windows.count)
                    let elapsed = Date().timeIntervalSince(start)
                    // Fractional progress in thousandths so the ETA moves within an epoch.
                    report(TrainingProgress(task: task, epoch: epoch + 1, epochs: epochs, thousandthsDone: Int(done * 1000),
                                            losses: sum!.divided(by: Double(i + 1)), elapsed: elapsed, history: losses))
                }
            }
            let means = sum?.divided(by: Double(windows.count)) ?? TrainingLosses(total: .nan)
            losses.append(means.total)
            epochLosses.append(means)
            report(TrainingProgress(task: task, epoch: epoch + 1, epochs: epochs, losses: means,
                                    elapsed: Date().timeIntervalSince(start), history: losses))
        }
    }

    /// Stops with a clear error on a NaN, an infinity or a runaway loss, before
    /// the step would write it into the weights.
    func checkDivergence(loss: Double, parameters: [Parameter], epoch: Int, window: Range<Int>) throws {
        let lr = optimizer.learningRate
        let hint = "the model was not updated; try a smaller learning rate (now \(lr)) or check the movie for extreme values"
        guard loss.isFinite else {
            throw NetworkError("training diverged in epoch \(epoch + 1) (frames \(window.lowerBound)..<\(window.upperBound)): the loss is \(loss); \(hint)")
        }
        if let bad = parameters.first(where: { !$0.grad.isFinite }) {
            throw NetworkError("training diverged in epoch \(epoch + 1): the gradient of \(bad.name) is not finite; \(hint)")
        }
        if firstLoss == nil { firstLoss = max(loss, 1e-12) }
        if loss > options.divergenceFactor * firstLoss! {
            throw NetworkError(String(format: "training diverged in epoch %d: the loss %.4g is over %.0f times the first step's %.4g; ",
                                      epoch + 1, loss, options.divergenceFactor, firstLoss!) + hint)
        }
    }

    /// One reconstruction step on `window`: the loss `mean (D(E(x), static) - x)^2`
    /// and its gradients (the caller updates).
    public func reconstructionGradients(window: Range<Int>, cancellation: Cancellation? = nil) throws -> Double {
        let x = try normalised(window)
        let (z, encTape) = try network.encodeRecording(x, cancellation: cancellation)
        let (y, decTape) = try network.decodeRecording(z, static: staticImage, cancellation: cancellation)
        let (loss, dy) = meanSquaredError(y, x)
        let dz = try network.decoderBackward(dy, tape: decTape, cancellation: cancellation)
        try network.encoderBackward(dz, tape: encTape, cancellation: cancellation)
        return loss
    }

    /// Reconstruction-only training (stage one of the two-stage baseline).
    /// Appends each epoch's mean reconstruction MSE (normalised units) to `losses`.
    /// Progress goes to `progress` when given, else to `context` as reports.
    /// - Throws: `CancelledError` when cancelled (the weights stay as after
    ///   the last whole step), `NetworkError` on divergence.
    public func trainReconstruction(context: WorkContext = .silent, progress: ((TrainingProgress) -> Void)? = nil) throws {
        try train(task: "fit", context: context, progress: progress) { window in
            TrainingLosses(total: try reconstructionGradients(window: window, cancellation: context.cancellation))
        }
    }

    /// Training frames `window`, normalised, `count x H x W x 1`.
    func normalised(_ window: Range<Int>) throws -> Tensor {
        try normalised(movie, window)
    }

    /// Frames `window` of `movie`, normalised, `count x H x W x 1`.
    func normalised(_ movie: Movie, _ window: Range<Int>) throws -> Tensor {
        let inv = 1 / normalisation.scale, offset = normalisation.offset
        var x = Tensor(zeros: [window.count, movie.height, movie.width, 1])
        try x.data.withUnsafeMutableBufferPointer { p in
            try movie.read(window, into: p.baseAddress!)
            for i in p.indices { p[i] = Float((Double(p[i]) - offset) * inv) }
        }
        return x
    }

    /// Latents of a movie (default: the training frames), `T x d`, read,
    /// normalised and encoded a window at a time.
    public func latents(of movie: Movie? = nil, cancellation: Cancellation? = nil) throws -> Tensor {
        let m = movie ?? self.movie, T = m.frameCount
        var out: [Float] = []
        out.reserveCapacity(T * network.latent)
        for start in stride(from: 0, to: T, by: options.window) {
            try cancellation?.check()
            out += try network.encode(try normalised(m, start..<min(T, start + options.window)), cancellation: cancellation).data
        }
        return Tensor(shape: [T, network.latent], data: out)
    }

    /// Latents of normalised frames, `T x d`, encoded in chunks of windows.
    public func latents(of frames: Tensor, cancellation: Cancellation? = nil) throws -> Tensor {
        let x = frames
        var out: [Float] = []
        let T = x.shape[0]
        for start in stride(from: 0, to: T, by: options.window) {
            out += try network.encode(x.frames(start..<min(T, start + options.window)), cancellation: cancellation).data
        }
        return Tensor(shape: [T, network.latent], data: out)
    }

    /// Decoded frames for latents `T x d` (with this movie's static image), in normalised units.
    public func reconstruct(latents z: Tensor, cancellation: Cancellation? = nil) throws -> Tensor {
        var out: [Float] = []
        let T = z.shape[0]
        for start in stride(from: 0, to: T, by: options.window) {
            out += try network.decode(z.frames(start..<min(T, start + options.window)), static: staticImage,
                                      cancellation: cancellation).data
        }
        return Tensor(shape: [T, network.frameHeight, network.frameWidth, 1], data: out)
    }
}
