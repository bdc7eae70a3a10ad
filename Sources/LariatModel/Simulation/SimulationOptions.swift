/// What `simulate(...)` draws: the field of view, its network and one
/// recording of it. Defaults give a small movie (40 x 40, 1500 frames) in
/// well under a second.
///
/// Seeds and streams: `seed` fixes the observational unit (cell positions
/// and shapes, the static background, the network `truth`); `session`
/// draws a new recording of that unit (new spikes, drift phase and shot
/// noise); `rewired` swaps the network for another one of the same
/// sparsity and strength while keeping every footprint. Same options, same
/// movie, bit for bit.
public struct SimulationOptions: Sendable, Equatable {
    /// Active neurons (cells whose footprints carry the dynamics).
    public var neurons: Int = 20
    /// Frames in the movie (T).
    public var frames: Int = 1500
    /// Height and width of the square field of view, in pixels.
    public var size: Int = 40
    /// Fixes the field of view and the network.
    public var seed: Int = 0
    /// Which recording of the unit (new activity and noise, same cells and network).
    public var session: Int = 0
    /// A different network on the same cells (for changed-dynamics pairs).
    public var rewired: Bool = false
    /// Fraction of the N(N-1) ordered neuron pairs that are linked (at least one link).
    public var density: Double = 0.05
    /// Mean spikes per frame per neuron.
    public var rate: Double = 0.08
    /// Mean calcium AR(1) coefficient per frame (0.95 is a ~0.65 s decay at 30 Hz).
    public var decay: Double = 0.95
    /// Scales shot and read noise (0: a noiseless movie, useful to check footprints).
    public var noise: Double = 1
    /// Scales the slow drift (bleaching and a slow oscillation); 0 turns it off.
    public var drift: Double = 1

    public init(neurons: Int = 20, frames: Int = 1500, size: Int = 40, seed: Int = 0,
                session: Int = 0, rewired: Bool = false) {
        self.neurons = neurons; self.frames = frames; self.size = size
        self.seed = seed; self.session = session; self.rewired = rewired
    }

    /// Throws a message naming the option when a value is out of range.
    public func validate() throws {
        func fail(_ s: String) -> SimulationError { SimulationError(message: s) }
        guard neurons >= 1 else { throw fail("neurons must be at least 1 (got \(neurons))") }
        guard frames >= 2 else { throw fail("frames must be at least 2 (got \(frames))") }
        guard size >= 8 else { throw fail("size must be at least 8 pixels (got \(size))") }
        guard size <= 4096 else { throw fail("size must be at most 4096 pixels (got \(size))") }
        guard Double(frames) * Double(size * size) <= 2e9 else {
            throw fail("a movie of \(frames) x \(size) x \(size) is too large to simulate in memory")
        }
        guard (0...1).contains(density) else { throw fail("density must be in [0, 1] (got \(density))") }
        guard rate > 0, rate < 5 else { throw fail("rate must be in (0, 5) spikes per frame (got \(rate))") }
        guard decay >= 0, decay < 1 else { throw fail("decay must be in [0, 1) (got \(decay))") }
        guard noise >= 0 else { throw fail("noise must be non-negative (got \(noise))") }
        guard drift >= 0 else { throw fail("drift must be non-negative (got \(drift))") }
    }
}

/// A bad simulation option, with a message naming it.
public struct SimulationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "simulate: \(message)" }
}
