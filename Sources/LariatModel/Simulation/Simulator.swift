import Foundation

/// One simulated recording with its ground truth.
///
/// The movie is `drift_t * (background + sum_i footprint_i * (resting_i +
/// gain_i * calcium_{t,i}))` in photon units, observed with shot noise
/// (Poisson, normal-approximated above 30 photons) and a little read noise.
public struct Simulation: Sendable {
    /// T x H x W raw intensities.
    public var movie: NDArray
    /// N x N network matrix of the latent drive's VAR(1): `truth[i, j]` is
    /// the effect of neuron j at t-1 on neuron i at t (diagonal: persistence).
    public var truth: NDArray
    /// N x H x W, each neuron's footprint (peak 1).
    public var footprints: NDArray
    /// T x N calcium traces (AR(1) of the spikes).
    public var activity: NDArray
    /// T x N spike counts per frame.
    public var spikes: NDArray
    /// T x N latent drive (the VAR state that sets each neuron's spike rate).
    public var drive: NDArray
    /// H x W static background (neuropil, inactive somata, vessels), without cells or drift.
    public var background: NDArray
    /// T drift factors multiplying each frame's noiseless intensity.
    public var drift: NDArray
    /// N x 2 footprint centres (row, column).
    public var centers: NDArray
    /// The options that produced it.
    public var options: SimulationOptions
}

/// The simulator with ground truth (DESIGN.md "Simulator with ground truth").
public enum Simulator {
    // Independent random streams per purpose, so changing one (e.g. the
    // session) leaves the others (the cells, the network) as they were.
    private static let fieldStream: UInt64 = 1
    private static let networkStream: UInt64 = 2
    private static let rewiredStream: UInt64 = 3
    private static func sessionStream(_ session: Int, _ k: UInt64) -> UInt64 {
        1000 &+ UInt64(bitPattern: Int64(session)) &* 16 &+ k
    }

    /// The bytes a simulation of these options holds at its peak: the
    /// movie, the footprints, the network (with the permutation its links
    /// are drawn from), the T x N traces and a few images; nil when the
    /// count overflows. Options are validated first (sizes positive).
    static func peakBytes(_ o: SimulationOptions) -> Int? {
        let (n, t) = (o.neurons, o.frames)
        let pixels = o.size * o.size
        let terms: [Int?] = [MemoryBudget.product(t, pixels), MemoryBudget.product(n, pixels),
                             MemoryBudget.product([2, n, n]), MemoryBudget.product([3, t, n]),
                             t, MemoryBudget.product(8, pixels)]
        var total = 0
        for term in terms {
            guard let term, let s = MemoryBudget.sum(total, term) else { return nil }
            total = s
        }
        return MemoryBudget.product(total, 8)
    }

    /// Simulates a recording; deterministic for the options. Checks
    /// `context` for cancellation at least every few milliseconds of work
    /// in every phase (placing cells, the network's activity, the frames),
    /// and refuses options whose arrays would not fit in memory.
    public static func simulate(_ o: SimulationOptions, context: WorkContext = .silent) throws -> Simulation {
        try o.validate()
        if let s = MemoryBudget.shortfall(bytes: peakBytes(o), what: "a simulation of \(o.frames) frames of \(o.size) x \(o.size) with \(o.neurons) neurons") {
            throw SimulationError(message: s + "; use fewer frames=, a smaller size= or fewer neurons=")
        }
        let (n, t, size) = (o.neurons, o.frames, o.size)
        let pixels = size * size
        let check = { try context.cancellation.check() }

        var fieldRandom = SeededRandom(seed: o.seed, stream: fieldStream)
        let field = try FieldOfView(size: size, neurons: n, rng: &fieldRandom, check: check)
        // Calcium decay is a property of the cell (indicator expression), not of the session.
        let decay = (0..<n).map { _ in min(0.995, max(0, o.decay + fieldRandom.uniform(-0.02, 0.02))) }

        var networkRandom = SeededRandom(seed: o.seed, stream: o.rewired ? rewiredStream : networkStream)
        try check()
        let network = SparseNetwork(neurons: n, density: o.density, rng: &networkRandom)
        try check()

        var activityRandom = SeededRandom(seed: o.seed, stream: sessionStream(o.session, 0))
        let activity = try network.run(frames: t, rate: o.rate, decay: decay, rng: &activityRandom, check: check)
        try context.cancellation.check()

        // Slow drift: bleaching by up to ~10% plus a slow oscillation of a few percent.
        var driftRandom = SeededRandom(seed: o.seed, stream: sessionStream(o.session, 1))
        let bleach = 0.1 * o.drift * driftRandom.uniform(0.5, 1)
        let wobble = 0.03 * o.drift, phase = driftRandom.uniform(0, 2 * .pi)
        let cycles = driftRandom.uniform(0.5, 2)
        let drift = (0..<t).map { k -> Double in
            let s = Double(k) / Double(t)
            return (1 - bleach * s) * (1 + wobble * sin(2 * .pi * cycles * s + phase))
        }

        let clock = ContinuousClock.now
        var noiseRandom = SeededRandom(seed: o.seed, stream: sessionStream(o.session, 2))
        let readNoise = 2.0
        // The movie is written frame by frame without zero-filling it first:
        // filling gigabytes up front was a second or more (page faults) that
        // no cancellation check could interrupt. Every element is written
        // below before the array is returned.
        let movie = try [Double](unsafeUninitializedCapacity: t * pixels) { movie, initialized in
            initialized = 0  // Double needs no deinitialization if a cancel throws midway
            var frame = [Double](repeating: 0, count: pixels)
            for k in 0..<t {
                // Every frame: a large field (4096 x 4096) takes a good part of a second each.
                try check()
                for p in 0..<pixels { frame[p] = field.background[p] }
                for i in 0..<n {
                    let f = field.footprints[i]
                    let level = field.resting[i] + field.gain[i] * activity.calcium[k * n + i]
                    for (p, w) in zip(f.pixels, f.weights) { frame[p] += level * w }
                }
                let base = k * pixels
                let scale = drift[k]
                if o.noise == 0 {
                    for p in 0..<pixels { movie[base + p] = scale * frame[p] }
                } else {
                    for p in 0..<pixels {
                        let mu = max(0, scale * frame[p])
                        let shot = mu < 30 ? Double(noiseRandom.poisson(mu)) - mu : mu.squareRoot() * noiseRandom.normal()
                        movie[base + p] = mu + o.noise * (shot + readNoise * noiseRandom.normal())
                    }
                }
                if k % 256 == 255 {
                    let d = clock.duration(to: .now).components
                    context.report(ProgressReport(task: "simulate", done: k + 1, total: t,
                                                  elapsed: Double(d.seconds) + Double(d.attoseconds) * 1e-18))
                }
            }
            initialized = t * pixels
        }

        var footprints = [Double](repeating: 0, count: n * pixels)
        var centers = [Double](repeating: 0, count: n * 2)
        for i in 0..<n {
            let f = field.footprints[i]
            for (p, w) in zip(f.pixels, f.weights) { footprints[i * pixels + p] = w }
            centers[2 * i] = f.center.y
            centers[2 * i + 1] = f.center.x
        }
        return Simulation(
            movie: NDArray(shape: [t, size, size], data: movie),
            truth: NDArray(shape: [n, n], data: network.a),
            footprints: NDArray(shape: [n, size, size], data: footprints),
            activity: NDArray(shape: [t, n], data: activity.calcium),
            spikes: NDArray(shape: [t, n], data: activity.spikes),
            drive: NDArray(shape: [t, n], data: activity.drive),
            background: NDArray(shape: [size, size], data: field.background),
            drift: NDArray(shape: [t], data: drift),
            centers: NDArray(shape: [n, 2], data: centers),
            options: o)
    }
}
