import Foundation

/// Cells found in a movie alone, by local correlation (in the spirit of
/// CaImAn's and suite2p's seeds; our own simple version):
///
/// 1. Each pixel's trace, with its mean and the global drift removed: the
///    residual of `x_p(t) ~ a_p + b_p g(t)`, `g` the frame mean (bleaching
///    and slow illumination changes make every pixel correlate otherwise).
/// 2. The local correlation image `C(p)`: the mean correlation of pixel p's
///    residual with its 8 neighbours'. Pixels of one active cell share its
///    calcium signal; shot noise is independent between pixels.
/// 3. Seeds: local maxima of `C` within `radius`, above `threshold`, in
///    decreasing order.
/// 4. Each cell's mask: the correlation of pixels within `2 * radius` with the
///    seed's neighbourhood trace, kept where it is above `0.5` of its peak
///    and connected to the seed; weights are those correlations, peak 1.
/// 5. Only active cells are kept: a mask whose trace's `activity` is below
///    `minActivity` is dropped, and at most `maxCells` are kept (the
///    strongest seeds first). Static structure (an inactive soma, a vessel
///    edge) can share a residual across its pixels and pass step 3, but its
///    trace is noise, and a region of noise then "drives" everything in a
///    network read through its collinear twin.
public enum CellDetection {
    public struct Options: Sendable, Equatable {
        /// The expected cell radius in pixels (sets the seeds' spacing and the masks' reach).
        public var radius: Double = 3
        /// The smallest local correlation a seed may have.
        public var threshold: Double = 0.2
        /// At most this many cells (the strongest seeds among the active ones).
        public var maxCells: Int = 1000
        /// The smallest `activity` a cell's trace may have (white noise has 1).
        public var minActivity: Double = 2
        public init() {}
    }

    public struct Result: Sendable {
        /// n x H x W, each cell's weights (peak 1).
        public var masks: NDArray
        /// H x W, the local correlation image the seeds came from.
        public var correlation: NDArray
        /// n x 2 seed positions (row, column).
        public var seeds: NDArray
        /// Each cell's `activity` (on the frames detected on: time bins for a long movie).
        public var activity: [Double]
    }

    /// Frames the detection of a loaded movie reads at most: a longer
    /// movie is averaged over runs of consecutive frames down to this many
    /// (suite2p detects on a binned movie the same way), and to fewer when
    /// that many would exceed `maxBytes` as float64, so finding cells in a
    /// long or lazy recording holds a bounded copy.
    public static let maxFrames = 5000
    public static let maxBytes = 256 << 20

    /// Cells of a movie held as float32, integers or on disk (binned in
    /// time to at most `maxFrames` frames first).
    public static func detect(_ movie: Movie, options o: Options = Options(),
                              cancellation: Cancellation? = nil) throws -> Result {
        try detectFrames(try binned(movie, cancellation: cancellation), options: o, cancellation: cancellation)
    }

    /// `movie` as float64, each frame the mean of `ceil(T / maxFrames)`
    /// consecutive frames (the last run may be shorter).
    static func binned(_ movie: Movie, cancellation: Cancellation?) throws -> NDArray {
        let T = movie.frameCount, P = movie.frameSize
        let k = binLength(frames: T, pixels: P)
        guard k > 1 else { return try movie.doubles() }
        var bins = TimeBins(frames: T, pixels: P, length: k)
        try movie.forEachWindow(movie.streamingWindow) { r, values in
            try cancellation?.check()
            for t in r { bins.add(t, values.baseAddress! + (t - r.lowerBound) * P) }
        }
        return bins.means(height: movie.height, width: movie.width)
    }

    /// Sums of runs of `length` consecutive frames, then their means (the
    /// last run may be shorter): the time bins detection reads.
    struct TimeBins {
        let frames: Int, pixels: Int, length: Int, bins: Int
        var sums: [Double]
        init(frames: Int, pixels: Int, length: Int) {
            (self.frames, self.pixels, self.length) = (frames, pixels, length)
            bins = (frames + length - 1) / length
            sums = [Double](repeating: 0, count: bins * pixels)
        }
        mutating func add(_ t: Int, _ frame: UnsafePointer<Float>) {
            let o = (t / length) * pixels
            for p in 0..<pixels { sums[o + p] += Double(frame[p]) }
        }
        mutating func add(_ t: Int, _ frame: UnsafePointer<Double>) {
            let o = (t / length) * pixels
            for p in 0..<pixels { sums[o + p] += frame[p] }
        }
        func means(height: Int, width: Int) -> NDArray {
            var out = sums
            for b in 0..<bins {
                let n = Double(min(length, frames - b * length))
                for p in 0..<pixels { out[b * pixels + p] /= n }
            }
            return NDArray(shape: [bins, height, width], data: out)
        }
    }

    /// Frames per bin for a movie of `T` frames of `P` pixels (1: no binning).
    static func binLength(frames T: Int, pixels P: Int) -> Int {
        let most = max(3, min(maxFrames, maxBytes / (8 * max(P, 1))))
        return max(1, (T + most - 1) / most)
    }

    /// Cells of a float64 movie, binned in time as a loaded movie of the
    /// same length is, so both find the same cells.
    public static func detect(_ movie: NDArray, options o: Options = Options(),
                              cancellation: Cancellation? = nil) throws -> Result {
        guard movie.rank == 3, movie.shape[0] >= 3 else {
            throw NetworkError("cells() needs a movie T x H x W with at least 3 frames, got shape \(movie.shape)")
        }
        let (T, P) = (movie.shape[0], movie.shape[1] * movie.shape[2])
        let k = binLength(frames: T, pixels: P)
        guard k > 1 else { return try detectFrames(movie, options: o, cancellation: cancellation) }
        var bins = TimeBins(frames: T, pixels: P, length: k)
        movie.data.withUnsafeBufferPointer { d in for t in 0..<T { bins.add(t, d.baseAddress! + t * P) } }
        return try detectFrames(bins.means(height: movie.shape[1], width: movie.shape[2]), options: o, cancellation: cancellation)
    }

    static func detectFrames(_ movie: NDArray, options o: Options, cancellation: Cancellation?) throws -> Result {
        guard movie.rank == 3, movie.shape[0] >= 3 else {
            throw NetworkError("cells() needs a movie T x H x W with at least 3 frames, got shape \(movie.shape)")
        }
        guard o.radius >= 1, o.radius <= 50 else { throw NetworkError("radius must be in 1...50 pixels, got \(o.radius)", option: "radius") }
        guard o.threshold > 0, o.threshold < 1 else { throw NetworkError("threshold must be in (0, 1), got \(o.threshold)", option: "threshold") }
        guard o.minActivity >= 0, o.minActivity.isFinite else {
            throw NetworkError("min_activity must be a finite number >= 0, got \(o.minActivity)", option: "min_activity")
        }
        let (T, H, W) = (movie.shape[0], movie.shape[1], movie.shape[2])
        let P = H * W
        let r = residuals(movie)                       // P x T, each row unit norm
        try cancellation?.check()

        // Local correlation image.
        func corr(_ p: Int, _ q: Int) -> Double {
            var s = 0.0
            let a = p * T, b = q * T
            for t in 0..<T { s += r[a + t] * r[b + t] }
            return s
        }
        var C = [Double](repeating: 0, count: P)
        for y in 0..<H {
            if y % 16 == 0 { try cancellation?.check() }
            for x in 0..<W {
                var s = 0.0, k = 0
                for dy in -1...1 { for dx in -1...1 where dy != 0 || dx != 0 {
                    let yy = y + dy, xx = x + dx
                    guard yy >= 0, yy < H, xx >= 0, xx < W else { continue }
                    s += corr(y * W + x, yy * W + xx); k += 1
                }}
                C[y * W + x] = s / Double(max(k, 1))
            }
        }

        // Seeds: local maxima within the radius, strongest first.
        let reach = Int(o.radius.rounded(.up))
        var candidates: [Int] = []
        for p in 0..<P where C[p] > o.threshold {
            let (y, x) = (p / W, p % W)
            var isMax = true
            for dy in -reach...reach { for dx in -reach...reach where isMax {
                let yy = y + dy, xx = x + dx
                guard yy >= 0, yy < H, xx >= 0, xx < W, Double(dy * dy + dx * dx) <= o.radius * o.radius else { continue }
                let q = yy * W + xx
                if C[q] > C[p] || (C[q] == C[p] && q < p) { isMax = false }
            }}
            if isMax { candidates.append(p) }
        }
        candidates.sort { C[$0] > C[$1] }
        // Masks grown from the seeds, strongest first: an empty or inactive
        // one is skipped, and at most maxCells are kept.
        let grow = 2 * o.radius
        let span = Int(grow.rounded(.up))
        func grownMask(_ s: Int) -> [Double]? {
            let (sy, sx) = (s / W, s % W)
            var reference = [Double](repeating: 0, count: T)
            for dy in -1...1 { for dx in -1...1 {
                let yy = sy + dy, xx = sx + dx
                guard yy >= 0, yy < H, xx >= 0, xx < W else { continue }
                let q = (yy * W + xx) * T
                for t in 0..<T { reference[t] += r[q + t] }
            }}
            let norm = reference.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return nil }
            var weight = [Double](repeating: 0, count: P)
            var peak = 0.0
            for yy in max(0, sy - span)...min(H - 1, sy + span) { for xx in max(0, sx - span)...min(W - 1, sx + span) {
                let dy = Double(yy - sy), dx = Double(xx - sx)
                guard dy * dy + dx * dx <= grow * grow else { continue }
                let q = yy * W + xx
                var c = 0.0
                for t in 0..<T { c += r[q * T + t] * reference[t] }
                c /= norm
                weight[q] = max(0, c)
                peak = max(peak, weight[q])
            }}
            guard peak > 0 else { return nil }
            // Keep what is above half the peak and connected to the seed.
            var keep = [Bool](repeating: false, count: P)
            var stack = [s]
            keep[s] = weight[s] >= 0.5 * peak
            while let q = stack.popLast(), keep[q] {
                let (y, x) = (q / W, q % W)
                for (dy, dx) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                    let yy = y + dy, xx = x + dx
                    guard yy >= 0, yy < H, xx >= 0, xx < W else { continue }
                    let n = yy * W + xx
                    if !keep[n], weight[n] >= 0.5 * peak { keep[n] = true; stack.append(n) }
                }
            }
            var mask = [Double](repeating: 0, count: P)
            for q in 0..<P where keep[q] { mask[q] = weight[q] / peak }
            return mask.contains(where: { $0 > 0 }) ? mask : nil
        }
        var kept = [Double](), keptSeeds = [Int](), activities = [Double]()
        for s in candidates where keptSeeds.count < o.maxCells {
            try cancellation?.check()
            guard let mask = grownMask(s) else { continue }
            let a = activity(maskTrace(movie, mask: mask))
            guard a >= o.minActivity else { continue }
            kept += mask; keptSeeds.append(s); activities.append(a)
        }
        return Result(masks: NDArray(shape: [keptSeeds.count, H, W], data: kept),
                      correlation: NDArray(shape: [H, W], data: C),
                      seeds: NDArray(shape: [keptSeeds.count, 2], data: keptSeeds.flatMap { [Double($0 / W), Double($0 % W)] }),
                      activity: activities)
    }

    /// How far a trace rises above its noise: the standard deviation of the
    /// trace minus its running 20th percentile (301 frames, the baseline of
    /// `CellDynamics`) over the noise's, estimated from the first differences
    /// as `1.4826 MAD(diff) / sqrt(2)` (robust to the transients). White
    /// noise, with or without slow drift, gives about 1; calcium transients
    /// give much more (7.8 to 40 for the simulator's cells at its defaults).
    /// A trace without noise (constant steps) has infinite activity.
    static func activity(_ f: [Double]) -> Double {
        let T = f.count
        guard T >= 3 else { return .infinity }
        let base = RunningPercentile.filter(f, window: 301, percentile: 20)
        var mean = 0.0
        for t in 0..<T { mean += f[t] - base[t] }
        mean /= Double(T)
        var ss = 0.0
        for t in 0..<T { let e = f[t] - base[t] - mean; ss += e * e }
        let spread = (ss / Double(T)).squareRoot()
        let d = (1..<T).map { f[$0] - f[$0 - 1] }
        let md = median(d)
        let noise = 1.4826 * median(d.map { abs($0 - md) }) / 2.0.squareRoot()
        guard noise > 0 else { return spread > 0 ? .infinity : 0 }
        return spread / noise
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// The mask-weighted mean of each frame, `T` values.
    static func maskTrace(_ movie: NDArray, mask: [Double]) -> [Double] {
        let (T, P) = (movie.shape[0], mask.count)
        let pixels = (0..<P).filter { mask[$0] > 0 }
        let total = pixels.reduce(0) { $0 + mask[$1] }
        return (0..<T).map { t in pixels.reduce(0) { $0 + mask[$1] * movie.data[t * P + $1] } / total }
    }

    /// Each pixel's trace minus its fit on the frame-mean trace (intercept
    /// and slope), scaled to unit norm: `P x T`, pixel-major. Constant pixels are zero.
    static func residuals(_ movie: NDArray) -> [Double] {
        let (T, P) = (movie.shape[0], movie.shape[1] * movie.shape[2])
        var g = [Double](repeating: 0, count: T)
        for t in 0..<T {
            var s = 0.0
            for p in 0..<P { s += movie.data[t * P + p] }
            g[t] = s / Double(P)
        }
        let gm = g.reduce(0, +) / Double(T)
        let gc = g.map { $0 - gm }
        let gg = gc.reduce(0) { $0 + $1 * $1 }
        var r = [Double](repeating: 0, count: P * T)
        for p in 0..<P {
            var m = 0.0
            for t in 0..<T { m += movie.data[t * P + p] }
            m /= Double(T)
            var cov = 0.0
            for t in 0..<T { cov += (movie.data[t * P + p] - m) * gc[t] }
            let b = gg > 0 ? cov / gg : 0
            var ss = 0.0
            for t in 0..<T {
                let e = movie.data[t * P + p] - m - b * gc[t]
                r[p * T + t] = e; ss += e * e
            }
            let inv = ss > 0 ? 1 / ss.squareRoot() : 0
            for t in 0..<T { r[p * T + t] *= inv }
        }
        return r
    }
}
