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

    /// A `T x H x W` movie to normalised float32 frames `T x H x W x 1`.
    public func normalise(_ movie: NDArray) -> Tensor {
        precondition(movie.rank == 3, "normalise: expected T x H x W, got \(movie.shape)")
        let inv = 1 / scale
        return Tensor(shape: movie.shape + [1], data: movie.data.map { Float(($0 - offset) * inv) })
    }

    /// Normalised frames back to data units, `T x H x W`.
    public func denormalise(_ frames: Tensor) -> NDArray {
        precondition(frames.rank >= 3, "denormalise: expected T x H x W (x 1), got \(frames.shape)")
        return NDArray(shape: Array(frames.shape.prefix(3)), data: frames.data.map { Double($0) * scale + offset })
    }
}
