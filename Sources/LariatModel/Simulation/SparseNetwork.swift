import Foundation

/// The ground-truth network: a sparse, stable VAR(1) on each neuron's
/// latent drive, `x_t = A x_{t-1} + sigma e_t`. `A[i][j]` is the effect of
/// neuron j's drive at t-1 on neuron i's at t; the diagonal is each
/// neuron's own persistence, the off-diagonal links are "some neurons drive
/// others".
///
/// Stability: every row's absolute sum is at most 0.97, so the spectral
/// radius (bounded by the max-row-sum norm) is below 1.
struct SparseNetwork {
    let n: Int
    /// Row-major N x N.
    var a: [Double]

    static let maxRowSum = 0.97

    init(neurons n: Int, density: Double, rng: inout SeededRandom) {
        self.n = n
        a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = rng.uniform(0.75, 0.9) }
        guard n > 1 else { return }
        let pairs = n * (n - 1)
        let links = max(1, min(pairs, Int((density * Double(pairs)).rounded())))
        // A random subset of ordered pairs (i <- j, i != j).
        let chosen = rng.permutation(pairs).prefix(links)
        for p in chosen {
            let i = p / (n - 1)
            var j = p % (n - 1)
            if j >= i { j += 1 }
            let sign: Double = rng.bernoulli(0.75) ? 1 : -1
            a[i * n + j] = sign * rng.uniform(0.25, 0.45)
        }
        for i in 0..<n {
            let s = (0..<n).reduce(0) { $0 + abs(a[i * n + $1]) }
            if s > Self.maxRowSum {
                for j in 0..<n { a[i * n + j] *= Self.maxRowSum / s }
            }
        }
    }

    /// The activity of one session: latent drive, Poisson spikes with rate
    /// `rate * exp(x - 1/2)` (mean `rate` for unit-variance drive; capped at
    /// 3 per frame), and AR(1) calcium `c_t = gamma_i c_{t-1} + s_t`.
    /// The first `burnIn` steps are discarded so the recording starts in the
    /// stationary regime. Returns row-major T x N arrays.
    /// `check` is called every 64 steps (it throws to cancel).
    func run(frames: Int, rate: Double, decay: [Double], rng: inout SeededRandom, check: () throws -> Void = {}) throws
        -> (drive: [Double], spikes: [Double], calcium: [Double]) {
        let burnIn = 200
        // Innovation scale so a self-persistence of 0.85 alone gives unit variance.
        let sigma = (1 - 0.85 * 0.85).squareRoot()
        var x = [Double](repeating: 0, count: n), next = x, c = x
        var drive = [Double](repeating: 0, count: frames * n)
        var spikes = drive, calcium = drive
        for t in -burnIn..<frames {
            if t & 63 == 0 { try check() }
            for i in 0..<n {
                var s = sigma * rng.normal()
                for j in 0..<n where a[i * n + j] != 0 { s += a[i * n + j] * x[j] }
                next[i] = s
            }
            swap(&x, &next)
            for i in 0..<n {
                let lambda = min(3, rate * exp(x[i] - 0.5))
                let k = Double(rng.poisson(lambda))
                c[i] = decay[i] * c[i] + k
                if t >= 0 {
                    drive[t * n + i] = x[i]
                    spikes[t * n + i] = k
                    calcium[t * n + i] = c[i]
                }
            }
        }
        return (drive, spikes, calcium)
    }
}
