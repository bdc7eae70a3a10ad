/// The losses of one training step, or their means over an epoch, in
/// normalised units: typed, so a fitted model's loss curves come from the
/// trainer's record (`AutoencoderTrainer.epochLosses`) rather than from the
/// wording of progress reports.
public struct TrainingLosses: Sendable, Equatable {
    /// The minimised loss (reconstruction-only training: the reconstruction MSE).
    public var total: Double
    /// Joint training's weighted parts; nil in reconstruction-only training.
    public var reconstruction: Double?
    public var prediction: Double?
    /// The weighted latent residual, kept only when its weight is not 1 (at 1 it equals `latentFVU`).
    public var latentResidual: Double?
    /// The window's latent fraction of variance unexplained (unweighted).
    public var latentFVU: Double?

    public init(total: Double, reconstruction: Double? = nil, prediction: Double? = nil,
                latentResidual: Double? = nil, latentFVU: Double? = nil) {
        self.total = total; self.reconstruction = reconstruction; self.prediction = prediction
        self.latentResidual = latentResidual; self.latentFVU = latentFVU
    }

    /// The figures present, by the names progress shows and a model's
    /// `losses` keeps: "loss", "recon", "pred", "latent", "fvu".
    public var named: [(name: String, value: Double)] {
        [("loss", total)] + [("recon", reconstruction), ("pred", prediction), ("latent", latentResidual), ("fvu", latentFVU)]
            .compactMap { name, v in v.map { (name, $0) } }
    }

    /// Elementwise sum (of steps with the same parts).
    static func + (a: TrainingLosses, b: TrainingLosses) -> TrainingLosses {
        func add(_ x: Double?, _ y: Double?) -> Double? { x.map { $0 + (y ?? 0) } }
        return TrainingLosses(total: a.total + b.total, reconstruction: add(a.reconstruction, b.reconstruction),
                              prediction: add(a.prediction, b.prediction), latentResidual: add(a.latentResidual, b.latentResidual),
                              latentFVU: add(a.latentFVU, b.latentFVU))
    }

    /// Every figure divided by `n` (a sum of `n` steps to their mean).
    func divided(by n: Double) -> TrainingLosses {
        TrainingLosses(total: total / n, reconstruction: reconstruction.map { $0 / n }, prediction: prediction.map { $0 / n },
                       latentResidual: latentResidual.map { $0 / n }, latentFVU: latentFVU.map { $0 / n })
    }
}
