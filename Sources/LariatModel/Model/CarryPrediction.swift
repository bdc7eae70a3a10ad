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

    /// Fits `rho` on a sequence: `x` frames `T x n`, `recon` D(z_t) `T x n`,
    /// `predicted` D(zhat_t) for t = p..<T, `(T - p) x n` (all data units).
    init(x: [Double], recon: [Double], predicted: [Double], frames T: Int, pixels n: Int, lag p: Int) {
        var fit = Fit(pixels: n)
        for r in 0..<(T - p) {
            let t = r + p
            fit.add(x: x[(t * n)..<((t + 1) * n)], previous: x[((t - 1) * n)..<(t * n)],
                    previousRecon: recon[((t - 1) * n)..<(t * n)], predicted: predicted[(r * n)..<((r + 1) * n)])
        }
        self = fit.predictor
    }

    init(rho: [Double]) { self.rho = rho }

    /// The least-squares sums behind `rho`, one frame at a time (in frame
    /// order, so a fit fed frame by frame equals the fit of whole arrays):
    /// the decoded frames need not all be in memory at once.
    struct Fit {
        var num: [Double], den: [Double]
        init(pixels n: Int) { num = [Double](repeating: 0, count: n); den = num }

        /// Frame t: `x` = x_t, `previous` = x_{t-1}, `previousRecon` = D(z_{t-1}), `predicted` = D(zhat_t).
        mutating func add(x: ArraySlice<Double>, previous: ArraySlice<Double>, previousRecon: ArraySlice<Double>,
                          predicted: ArraySlice<Double>) {
            let (a, b, c, e) = (x.startIndex, previous.startIndex, previousRecon.startIndex, predicted.startIndex)
            for i in 0..<num.count {
                let carried = previous[b + i] - previousRecon[c + i]
                num[i] += carried * (x[a + i] - predicted[e + i])
                den[i] += carried * carried
            }
        }

        var predictor: CarryPredictor {
            CarryPredictor(rho: (0..<num.count).map { den[$0] > 0 ? min(1, max(0, num[$0] / den[$0])) : 0 })
        }
    }

    /// Sums of squared errors of the carry predictor with the VAR's latent
    /// (`withDynamics`) and with the latent held (`held`: `heldDecoded` is
    /// D(z_{t-1}) for t = p..<T), in data units squared.
    func sse(x: [Double], recon: [Double], predicted: [Double], heldDecoded: [Double],
             frames T: Int, pixels n: Int, lag p: Int) -> (withDynamics: Double, held: Double) {
        var a = 0.0, b = 0.0
        for r in 0..<(T - p) {
            let t = r + p
            for i in 0..<n {
                let carried = rho[i] * (x[(t - 1) * n + i] - recon[(t - 1) * n + i])
                let e1 = predicted[r * n + i] + carried - x[t * n + i]
                let e2 = heldDecoded[r * n + i] + carried - x[t * n + i]
                a += e1 * e1; b += e2 * e2
            }
        }
        return (a, b)
    }
}
