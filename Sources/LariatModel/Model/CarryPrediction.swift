/// The carry predictor (beyond the paper; docs/model.md "Decoded prediction"):
///
///     xhat_t = D(zhat_t) + rho * (x_{t-1} - D(z_{t-1}))
///
/// the VAR's decoded prediction plus the current frame's reconstruction
/// residual, carried one step with a per-pixel factor `rho` in [0, 1]
/// fitted by least squares on other frames (the training frames). `rho = 0`
/// is the model's own prediction, `rho = 1` moves x_{t-1} by the decoded
/// latent change. It reads the current frame, so it is a score beside the
/// model, never the model's prediction (DESIGN.md forbids that path into
/// the decoder); holding the latent (`zhat_t = z_{t-1}`) gives its
/// no-dynamics baseline, and their MSE ratio is `carryDynamicsGain`.
struct CarryPredictor {
    /// Per pixel, `H * W`.
    let rho: [Double]

    init(rho: [Double]) { self.rho = rho }

    /// The least-squares sums behind `rho`, one frame at a time (in frame
    /// order, so the fit does not depend on how frames are windowed):
    /// the decoded frames need not all be in memory at once.
    struct Fit {
        var num: [Double], den: [Double]
        init(pixels n: Int) { num = [Double](repeating: 0, count: n); den = num }

        /// Frame t: `x` = x_t, `previous` = x_{t-1}, `previousRecon` = D(z_{t-1}), `predicted` = D(zhat_t).
        mutating func add(x: UnsafePointer<Double>, previous: UnsafePointer<Double>, previousRecon: UnsafePointer<Double>,
                          predicted: UnsafePointer<Double>) {
            for i in 0..<num.count {
                let carried = previous[i] - previousRecon[i]
                num[i] += carried * (x[i] - predicted[i])
                den[i] += carried * carried
            }
        }

        var predictor: CarryPredictor {
            CarryPredictor(rho: (0..<num.count).map { den[$0] > 0 ? min(1, max(0, num[$0] / den[$0])) : 0 })
        }
    }

    /// Squared errors of the carry predictor at frame t with the VAR's latent
    /// (`withDynamics`) and with the latent held (D(z_{t-1}) in place of
    /// D(zhat_t)), in data units squared.
    func sse(x: UnsafePointer<Double>, previous: UnsafePointer<Double>, previousRecon: UnsafePointer<Double>,
             predicted: UnsafePointer<Double>) -> (withDynamics: Double, held: Double) {
        var a = 0.0, b = 0.0
        for i in 0..<rho.count {
            let carried = rho[i] * (previous[i] - previousRecon[i])
            let e1 = predicted[i] + carried - x[i]
            let e2 = previousRecon[i] + carried - x[i]
            a += e1 * e1; b += e2 * e2
        }
        return (a, b)
    }
}
