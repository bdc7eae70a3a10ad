/// How a movie's raw intensities were scaled for the network, so outputs
/// map back to the data's units: `normalised = (raw - offset) / scale`.
///
/// Fitted as the mean and standard deviation over every pixel of every
/// frame (one pair for the movie, so relative brightness between pixels is
/// kept); a constant movie gets `scale = 1`.
public struct MovieNormalisation: Sendable, Equatable {
    public var offset: Double
    public var scale: Double

    public init(offset: Double, scale: Double) {
        precondition(scale > 0 && scale.isFinite, "MovieNormalisation: scale must be positive, got \(scale)")
        self.offset = offset; self.scale = scale
    }

    /// The mean and standard deviation of `movie` (accumulated in double).
    /// - Throws: `NetworkError` when the movie is empty or not finite.
    public init(fitting movie: NDArray) throws {
        guard movie.count > 0 else { throw NetworkError("the movie is empty (shape \(movie.shape))") }
        var sum = 0.0
        for v in movie.data {
            guard v.isFinite else { throw NetworkError("the movie has a non-finite value (\(v)); remove or replace NaN/Inf pixels first") }
            sum += v
        }
        let mean = sum / Double(movie.count)
        var ss = 0.0
        for v in movie.data { ss += (v - mean) * (v - mean) }
        let sd = (ss / Double(movie.count)).squareRoot()
        self.init(offset: mean, scale: sd > 1e-12 * max(1, abs(mean)) ? sd : 1)
    }

    /// The mean and standard deviation of `movie`, streamed a window at a
    /// time in two passes (accumulated in double), so a lazy movie is never
    /// held whole.
    /// - Throws: `NetworkError` when the movie is empty or not finite,
    ///   `CancelledError`, `DataFileError` when a lazy movie's file fails.
    public init(fitting movie: Movie, cancellation: Cancellation? = nil) throws {
        let count = movie.frameCount * movie.frameSize
        guard count > 0 else { throw NetworkError("the movie is empty (shape \(movie.shape))") }
        var sum = 0.0
        try movie.forEachWindow(movie.streamingWindow) { r, values in
            try cancellation?.check()
            var s = 0.0
            for v in values { s += Double(v) }
            guard s.isFinite else {
                let k = values.firstIndex { !$0.isFinite }!
                throw NetworkError("the movie has a non-finite value (\(values[k])) in frame \(r.lowerBound + k / movie.frameSize); remove or replace NaN/Inf pixels first")
            }
            sum += s
        }
        let mean = sum / Double(count)
        var ss = 0.0
        try movie.forEachWindow(movie.streamingWindow) { _, values in
            try cancellation?.check()
            for v in values { let d = Double(v) - mean; ss += d * d }
        }
        let sd = (ss / Double(count)).squareRoot()
        self.init(offset: mean, scale: sd > 1e-12 * max(1, abs(mean)) ? sd : 1)
    }

    /// Normalised float32 frames `T x H x W x 1` from raw float32 values.
    public func normalise(_ values: UnsafeBufferPointer<Float>, frames: Int, height: Int, width: Int) -> Tensor {
        let inv = 1 / scale
        return Tensor(shape: [frames, height, width, 1], data: values.map { Float((Double($0) - offset) * inv) })
    }

    /// A `T x H x W` movie to normalised float32 frames `T x H x W x 1`.
    public func normalise(_ movie: NDArray) -> Tensor {
        precondition(movie.rank == 3, "normalise: expected T x H x W, got \(movie.shape)")
        let inv = 1 / scale
        return Tensor(shape: movie.shape + [1], data: movie.data.map { Float(($0 - offset) * inv) })
    }

    /// An image in data units (e.g. a mean frame), normalised, `H x W`.
    public func normaliseImage(_ image: [Double], height: Int, width: Int) -> Tensor {
        Tensor(shape: [height, width], data: image.map { Float(($0 - offset) / scale) })
    }

    /// Normalised frames back to data units, `T x H x W`.
    public func denormalise(_ frames: Tensor) -> NDArray {
        precondition(frames.rank >= 3, "denormalise: expected T x H x W (x 1), got \(frames.shape)")
        return NDArray(shape: Array(frames.shape.prefix(3)), data: frames.data.map { Double($0) * scale + offset })
    }
}
