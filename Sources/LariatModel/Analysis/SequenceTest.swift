import Foundation

/// The sequence test of DESIGN.md ("Sequence test"): do two sequences of one
/// observational unit follow the same sparse latent dynamics?
///
///     var o = SequenceTest.Options(); o.resamples = 199; o.seed = 0
///     let test = try SequenceTest.compare(sessionA, sessionB, model: model, options: o)
///     test.pvalue      // one-sided: small when the dynamics differ
///
/// **Statistic.** Each sequence's latents are cut into contiguous blocks;
/// within a block the lagged rows `(z_{t-p..t-1} -> z_t)` are centred on the
/// block's own means (so levels, session offsets and slow drift never count
/// as dynamics). Each group of blocks gets its sparse VAR by LARS at the
/// same per-equation lambda. With the lasso objective
/// `Q_g(B) = sum_i ||y_i - X b_i||^2 / (2 n_g) + lambda_i ||b_i||_1` on
/// group g, the statistic is the symmetric relative cross-prediction loss
///
///     S = 1/2 [ (Q_a(B_b) - Q_a(B_a)) / Q_a(B_a) + (Q_b(B_a) - Q_b(B_b)) / Q_b(B_b) ],
///
/// how much worse each sequence is explained by the other's sparse VAR than
/// by its own. `B_g` minimises `Q_g`, so S >= 0 (to rounding): a distance.
///
/// **Null.** Block permutation: the blocks of both sequences are pooled and
/// dealt at random into groups of the original sizes; S is recomputed on
/// each deal. Blocks, never single frames, move, so the temporal
/// dependence within each block is kept. Every group statistic is a sum of
/// per-block sufficient statistics (X'X, X'Y, y'y), so a resample costs a
/// few small sums and one LARS per latent coordinate.
/// The p-value is `(1 + #{S_null >= S}) / (1 + resamples)`.
///
/// Assumptions (docs/sequence-test.md): under the null the blocks are
/// exchangeable — the same dynamics in both sequences, and blocks long
/// against the latents' memory so neighbouring blocks are nearly independent.
public struct SequenceTest: Sendable {
    public struct Options: Sendable, Equatable {
        /// VAR order p (nil: the model's lag; 1 without a model).
        public var lag: Int? = nil
        /// The per-equation penalty. `.value` is used as is; `.ratio` is a
        /// fraction of each equation's lambda_max on the pooled blocks;
        /// `.criterion` is not accepted here. nil: the model's penalty
        /// (its fitted lambdas when it chose them by a criterion).
        public var penalty: SparseVAR.Penalty? = nil
        /// Null draws.
        public var resamples: Int = 200
        /// Frames per block (nil: chosen from the lengths, see `defaultBlock`).
        public var block: Int? = nil
        public var seed: UInt64 = 0

        public init() {}
    }

    /// The observed statistic S (see the type's documentation).
    public let statistic: Double
    /// One-sided permutation p-value: small when the sequences differ.
    public let pvalue: Double
    /// The null draws of S, in draw order.
    public let null: [Double]
    public let block: Int
    /// Blocks from each sequence.
    public let blocksA: Int, blocksB: Int
    public let lag: Int
    /// The lambda each equation was solved at (shared by every fit).
    public let lambdas: [Double]
    /// Each sequence's sparse VAR coefficients on its blocks, `d x d*p`.
    public let coefficientsA: NDArray, coefficientsB: NDArray
    /// The two directions of S: Q_a's and Q_b's relative increase.
    public let crossA: Double, crossB: Double
    public let seed: UInt64

    /// A block length for sequences of `frames` frames (the shorter one):
    /// 100 frames (a few calcium decay times at 30 Hz), but short enough
    /// that each sequence gives at least 8 blocks, and never under 8 * lag.
    public static func defaultBlock(frames: Int, lag: Int) -> Int {
        max(8 * lag, min(100, frames / 8))
    }

    /// Encodes both movies with `model` (the encoder reads each frame alone;
    /// the latents are standardised with the model's training moments) and
    /// runs the test on the latents.
    public static func compare(_ a: NDArray, _ b: NDArray, model: LatentDynamicsModel, options: Options = Options(),
                               context: WorkContext = .silent) throws -> SequenceTest {
        try model.checkFrameSize(a)
        try model.checkFrameSize(b)
        return try compare(Movie(a), Movie(b), model: model, options: options, context: context)
    }

    /// The same for movies held as float32, integers or on disk (encoded a
    /// window at a time).
    public static func compare(_ a: Movie, _ b: Movie, model: LatentDynamicsModel, options: Options = Options(),
                               context: WorkContext = .silent) throws -> SequenceTest {
        var o = options
        if o.lag == nil { o.lag = model.options.lag }
        if o.penalty == nil {
            switch model.options.penalty {
            case .criterion: o.penalty = nil
            default: o.penalty = model.options.penalty
            }
        }
        let za = try model.encode(a, cancellation: context.cancellation)
        let zb = try model.encode(b, cancellation: context.cancellation)
        // A criterion-chosen model: reuse the lambdas it settled on.
        let fixed = o.penalty == nil ? model.dynamics.lambdas : nil
        return try run(za, zb, options: o, lambdas: fixed, context: context)
    }

    /// The test on two latent series `Ta x d` and `Tb x d`.
    /// - Parameter lambdas: per-equation penalties overriding `options.penalty`.
    /// - Throws: `LassoInputError` for unusable series or options,
    ///   `CancelledError` when cancelled.
    public static func run(_ za: NDArray, _ zb: NDArray, options: Options = Options(), lambdas fixed: [Double]? = nil,
                           context: WorkContext = .silent) throws -> SequenceTest {
        let p = options.lag ?? 1
        guard za.rank == 2, zb.rank == 2, za.shape[1] == zb.shape[1], za.shape[1] > 0 else {
            throw LassoInputError(argument: "b", problem: "must have as many latent columns as a: got shapes \(za.shape) and \(zb.shape)")
        }
        guard p >= 1 else { throw LassoInputError(argument: "lag", problem: "must be at least 1, got \(p)") }
        guard options.resamples >= 1, options.resamples <= 1_000_000 else {
            throw LassoInputError(argument: "resamples", problem: "must be in 1...1000000, got \(options.resamples)")
        }
        try LassoInputError.requireFinite(za.data, argument: "a", shape: za.shape)
        try LassoInputError.requireFinite(zb.data, argument: "b", shape: zb.shape)
        let k = za.shape[1], kp = k * p
        let L = options.block ?? defaultBlock(frames: min(za.shape[0], zb.shape[0]), lag: p)
        guard L >= p + 2 else {
            throw LassoInputError(argument: "block", problem: "must be at least lag + 2 = \(p + 2) frames, got \(L)")
        }
        let na = za.shape[0] / L, nb = zb.shape[0] / L
        guard na >= 2, nb >= 2 else {
            throw LassoInputError(argument: "block", problem: "\(L) frames gives \(na) and \(nb) blocks for sequences of \(za.shape[0]) and \(zb.shape[0]) frames; each needs at least 2 (use a shorter block)")
        }
        let blocks = BlockStatistics.cut(za, count: na, lag: p) + BlockStatistics.cut(zb, count: nb, lag: p)

        // Per-equation lambda, fixed once from the pooled blocks so that every
        // deal solves the same problems.
        let pooled = BlockStatistics.sum(blocks, 0..<blocks.count)
        let lambdas: [Double]
        if let fixed {
            guard fixed.count == k else { throw LassoInputError(argument: "lambda", problem: "needs \(k) values, got \(fixed.count)") }
            lambdas = fixed
        } else {
            switch options.penalty ?? .ratio(0.1) {
            case .value(let v):
                try LassoProblem.validateLambda(v, argument: "lambda")
                lambdas = [Double](repeating: v, count: k)
            case .ratio(let r):
                guard r.isFinite, r >= 0, r <= 1 else {
                    throw LassoInputError(argument: "lambda_ratio", problem: "must be between 0 and 1, got \(r)")
                }
                lambdas = (0..<k).map { i in r * (0..<kp).map { abs(pooled.xy[$0 * k + i]) }.max()! / Double(pooled.n) }
            case .criterion:
                throw LassoInputError(argument: "lambda", problem: "a criterion is not accepted by the sequence test; give a value or a ratio")
            }
        }

        func statistic(_ assignA: [Int], _ assignB: [Int]) -> (s: Double, a: Double, b: Double, Ba: [Double], Bb: [Double]) {
            let sa = BlockStatistics.sum(blocks, assignA), sb = BlockStatistics.sum(blocks, assignB)
            let Ba = sa.solve(lambdas: lambdas), Bb = sb.solve(lambdas: lambdas)
            let qaa = sa.objective(Ba, lambdas: lambdas), qab = sa.objective(Bb, lambdas: lambdas)
            let qbb = sb.objective(Bb, lambdas: lambdas), qba = sb.objective(Ba, lambdas: lambdas)
            let ca = (qab - qaa) / max(qaa, 1e-300), cb = (qba - qbb) / max(qbb, 1e-300)
            return (0.5 * (ca + cb), ca, cb, Ba, Bb)
        }

        let start = Date()
        try context.cancellation.check()
        let observed = statistic(Array(0..<na), Array(na..<(na + nb)))
        var rng = SeededRandom(seed: options.seed, stream: 0x5345_5154)   // "SEQT"
        var null: [Double] = []
        null.reserveCapacity(options.resamples)
        var lastReport = Date.distantPast
        for r in 0..<options.resamples {
            try context.cancellation.check()
            let deal = rng.permutation(blocks.count)
            null.append(statistic(Array(deal[0..<na]).sorted(), Array(deal[na...]).sorted()).s)
            if r + 1 == options.resamples || Date().timeIntervalSince(lastReport) > 0.25 {
                lastReport = Date()
                let exceed = null.filter { $0 >= observed.s }.count
                context.report(ProgressReport(task: "compare", done: r + 1, total: options.resamples,
                                              values: [("statistic", observed.s),
                                                       ("p", Double(1 + exceed) / Double(2 + r))],
                                              elapsed: Date().timeIntervalSince(start)))
            }
        }
        let exceed = null.filter { $0 >= observed.s }.count
        return SequenceTest(statistic: observed.s, pvalue: Double(1 + exceed) / Double(1 + null.count), null: null,
                            block: L, blocksA: na, blocksB: nb, lag: p, lambdas: lambdas,
                            coefficientsA: NDArray(shape: [k, kp], data: observed.Ba),
                            coefficientsB: NDArray(shape: [k, kp], data: observed.Bb),
                            crossA: observed.a, crossB: observed.b, seed: options.seed)
    }
}

/// The sufficient statistics of one block's (or a group's) lagged
/// regression: `G = X'X` (kp x kp), `xy = X'Y` (kp x k, row-major),
/// `yy[i] = y_i'y_i`, with X and Y centred on the block's own means.
struct BlockStatistics {
    let k: Int, kp: Int
    var n: Int
    var gram: [Double]
    var xy: [Double]
    var yy: [Double]

    /// Cuts `z` (`T x k`) into `count` contiguous blocks of (nearly) equal
    /// length (the first `T mod count` blocks are one frame longer).
    static func cut(_ z: NDArray, count: Int, lag p: Int) -> [BlockStatistics] {
        let T = z.shape[0]
        var out: [BlockStatistics] = []
        var start = 0
        for b in 0..<count {
            let length = T / count + (b < T % count ? 1 : 0)
            let piece = NDArray(shape: [length, z.shape[1]], data: Array(z.data[start * z.shape[1] ..< (start + length) * z.shape[1]]))
            out.append(BlockStatistics(block: piece, lag: p))
            start += length
        }
        return out
    }

    init(k: Int, kp: Int) {
        self.k = k; self.kp = kp; n = 0
        gram = [Double](repeating: 0, count: kp * kp)
        xy = [Double](repeating: 0, count: kp * k)
        yy = [Double](repeating: 0, count: k)
    }

    init(block: NDArray, lag p: Int) {
        let design = LaggedDesign(series: block, lag: p)
        self.init(k: design.k, kp: design.featureCount)
        self.n = design.n
        let products = design.crossProducts()
        gram = products.gram.values
        xy = products.xy
        yy = products.yy
    }

    static func sum<S: Sequence>(_ blocks: [BlockStatistics], _ which: S) -> BlockStatistics where S.Element == Int {
        var s = BlockStatistics(k: blocks[0].k, kp: blocks[0].kp)
        for j in which {
            let b = blocks[j]
            s.n += b.n
            for i in 0..<s.gram.count { s.gram[i] += b.gram[i] }
            for i in 0..<s.xy.count { s.xy[i] += b.xy[i] }
            for i in 0..<s.k { s.yy[i] += b.yy[i] }
        }
        return s
    }

    /// One lasso per equation by LARS on these statistics; `k x kp` row-major.
    func solve(lambdas: [Double]) -> [Double] {
        var B = [Double](repeating: 0, count: k * kp)
        gram.withUnsafeBufferPointer { g in
            for i in 0..<k {
                let c = (0..<kp).map { xy[$0 * k + i] }
                let sol = c.withUnsafeBufferPointer {
                    LassoSolution.solve(gram: g.baseAddress!, xy: $0.baseAddress!, featureCount: kp, sampleCount: n,
                                        lambda: lambdas[i], maxIterations: 8 * kp + 100)
                }
                for j in 0..<kp { B[i * kp + j] = sol.coefficients[j] }
            }
        }
        return B
    }

    /// The lasso objective summed over equations:
    /// `sum_i (yy_i - 2 b_i'xy_i + b_i'G b_i) / (2n) + lambda_i ||b_i||_1`.
    func objective(_ B: [Double], lambdas: [Double]) -> Double {
        var total = 0.0
        for i in 0..<k {
            var rss = yy[i], l1 = 0.0
            for a in 0..<kp {
                let ba = B[i * kp + a]
                if ba == 0 { continue }
                l1 += abs(ba)
                rss -= 2 * ba * xy[a * k + i]
                var gb = 0.0
                for b in 0..<kp { gb += gram[a * kp + b] * B[i * kp + b] }
                rss += ba * gb
            }
            total += max(rss, 0) / (2 * Double(n)) + lambdas[i] * l1
        }
        return total
    }
}
