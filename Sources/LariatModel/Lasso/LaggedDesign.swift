/// The regression behind a VAR(p) on a `T x k` series Z, with rows
/// t = p..T-1 (n = T - p of them):
///
///     X[t - p, (l - 1) k + j] = Z[t - l, j]    (lag blocks side by side)
///     Y[t - p, i]             = Z[t, i]
///
/// both centred over their n rows, which is how the unpenalised intercept
/// c = ybar - B xbar leaves the lasso.
struct LaggedDesign: Sendable {
    let lag: Int
    let k: Int
    let n: Int
    var featureCount: Int { k * lag }
    /// Centred lagged design, `n x kp` row-major.
    var Xc: [Double]
    /// Centred targets, `n x k`.
    var Yc: [Double]
    /// Column means of X and Y.
    var xbar: [Double]
    var ybar: [Double]

    init(series Z: NDArray, lag: Int) {
        let T = Z.shape[0]
        let k = Z.shape[1]
        let n = T - lag
        self.k = k
        self.lag = lag
        self.n = n
        let kp = k * lag
        var X = [Double](repeating: 0, count: n * kp)
        var Y = [Double](repeating: 0, count: n * k)
        Z.data.withUnsafeBufferPointer { z in
            for r in 0..<n {
                let t = r + lag
                for l in 1...lag {
                    let src = (t - l) * k, dst = r * kp + (l - 1) * k
                    for j in 0..<k { X[dst + j] = z[src + j] }
                }
                for i in 0..<k { Y[r * k + i] = z[t * k + i] }
            }
        }
        xbar = LaggedDesign.centre(&X, rows: n, columns: kp)
        ybar = LaggedDesign.centre(&Y, rows: n, columns: k)
        Xc = X
        Yc = Y
    }

    /// Subtracts column means in place and returns them.
    static func centre(_ A: inout [Double], rows n: Int, columns m: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: m)
        for r in 0..<n { for j in 0..<m { mean[j] += A[r * m + j] } }
        for j in 0..<m { mean[j] /= Double(n) }
        for r in 0..<n { for j in 0..<m { A[r * m + j] -= mean[j] } }
        return mean
    }

    /// The gradient with respect to Z (`T x k`) of a loss whose gradients
    /// with respect to the centred design and targets are `dXc` (`n x kp`)
    /// and `dYc` (`n x k`), plus gradients `dxbar`, `dybar` reaching the
    /// means directly (through the intercept).
    ///
    /// Centring A_c = A - 1 abar' with abar = A'1 / n gives
    /// A_bar = A_c_bar + 1 (abar_bar - 1'A_c_bar)' / n; each entry of X and
    /// Y is a copy of one entry of Z, so their gradients add into it.
    func seriesGradient(dXc: [Double], dYc: [Double], dxbar: [Double], dybar: [Double]) -> NDArray {
        let kp = featureCount
        let T = n + lag
        func uncentre(_ d: [Double], _ dmean: [Double], columns m: Int) -> [Double] {
            var shift = dmean
            for r in 0..<n { for j in 0..<m { shift[j] -= d[r * m + j] } }
            for j in 0..<m { shift[j] /= Double(n) }
            var out = d
            for r in 0..<n { for j in 0..<m { out[r * m + j] += shift[j] } }
            return out
        }
        let dX = uncentre(dXc, dxbar, columns: kp)
        let dY = uncentre(dYc, dybar, columns: k)
        var dZ = [Double](repeating: 0, count: T * k)
        for r in 0..<n {
            let t = r + lag
            for l in 1...lag {
                let dst = (t - l) * k, src = r * kp + (l - 1) * k
                for j in 0..<k { dZ[dst + j] += dX[src + j] }
            }
            for i in 0..<k { dZ[t * k + i] += dY[r * k + i] }
        }
        return NDArray(shape: [T, k], data: dZ)
    }
}
