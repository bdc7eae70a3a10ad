/// Everything `fit` can be told (DESIGN.md "The model"; the choices the
/// paper leaves open are documented in docs/model.md).
public struct FitOptions: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// The autoencoder is trained through the lasso-VAR (the paper's method).
        case joint
        /// Reconstruction only, then the lasso-VAR on frozen latents (the baseline).
        case twoStage = "two-stage"
    }

    /// d, the latent dimension.
    public var latent: Int = 16
    /// p, the VAR's order.
    public var lag: Int = 1
    /// The lasso penalty on standardised latents.
    public var penalty: SparseVAR.Penalty = .ratio(0.1)
    public var epochs: Int = 30
    public var seed: UInt64 = 0
    public var mode: Mode = .joint
    /// The static skip connection (the sequence's mean image into the decoder).
    public var skip: Bool = true
    /// The autoencoder's layers: widths, kernel size, skip and map channels, activation.
    public var architecture: Architecture = .standard
    /// Frames per training window (the VAR is fitted on each window). One
    /// window is one Adam step: 32 gives four times the steps of 128 for the
    /// same compute; with it the FVU claim holds on every simulator seed
    /// tried, where 128 reversed both claims on one (docs/model.md).
    public var window: Int = 32
    public var learningRate: Float = 1e-3
    public var weights = JointLossWeights()
    /// The fraction of final frames held out for `scores`.
    public var holdout: Double = 0.2
    /// Joint mode: epochs of reconstruction-only training before the joint
    /// loss takes over, so the VAR first sees latents that carry the frames.
    public var warmupEpochs: Int? = nil

    public init() {}

    /// Warm-up epochs actually used: the given number, else a fifth of the epochs.
    var resolvedWarmup: Int {
        guard mode == .joint else { return epochs }
        return min(epochs - 1, max(0, warmupEpochs ?? epochs / 5))
    }
}
