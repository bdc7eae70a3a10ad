/// Scale-free figures of a fitted model on held-out frames (DESIGN.md):
/// each compares like with like, so none depends on the movie's units.
public struct ModelScores: Sendable, Equatable {
    /// Next-frame MSE of the decoded VAR prediction over the persistence
    /// baseline's (x_{t+1} = x_t); below 1 beats persistence.
    public var predictionRatio: Double
    /// The fraction of the (standardised) latents' variance the VAR leaves
    /// unexplained, one step ahead.
    public var latentFVU: Double
    /// 1 - SSE/SST of the reconstructions, SST around the held-out frames' global mean.
    public var reconstructionR2: Double
    /// Next-frame MSE with the latent held at its current value over the MSE
    /// with the VAR's prediction: above 1 when the learned dynamics help.
    public var dynamicsGain: Double
    /// The prediction ratio of a per-pixel AR(1) fitted on the training frames:
    /// the simplest dynamic baseline, reported beside `predictionRatio`.
    public var ar1PredictionRatio: Double
    /// Next-frame MSE of `x_t + D(zhat_{t+1}) - D(z_t)` (the current frame
    /// moved by the decoded latent change) over persistence's. The latent
    /// held at its current value gives exactly persistence here, so below 1
    /// means the VAR's predicted change helps. Beyond the paper; see docs/model.md.
    public var changePredictionRatio: Double
    /// Next-frame MSE of the carry predictor `D(zhat_{t+1}) + rho (x_t - D(z_t))`
    /// (per-pixel `rho` fitted on the training frames) over persistence's.
    /// Reads the current frame, so it is a baseline beside the model; see `CarryPredictor`.
    public var carryPredictionRatio: Double
    /// The carry predictor's MSE with the latent held over its MSE with the
    /// VAR's prediction: above 1 when the learned dynamics help it.
    public var carryDynamicsGain: Double
    /// Held-out frames scored.
    public var frames: Int
}
