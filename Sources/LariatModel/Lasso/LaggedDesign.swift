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
    /// Z minus its column means, `T x k`. Lag block l of the design is rows
    /// lag-l ..< T-l of it and the targets are rows lag ..< T, so the
    /// design itself (lag times the data) is never stored on the fitting
    /// path; `Xc` and `Yc` build it when a caller needs it whole.
    let Zc: [Double]
    /// Per block a (0 the targets, 1...lag the lags): that block's column
    /// means minus Z's, `(lag + 1) x k`. Small, so corrections with them
    /// keep the cross products as accurate as centring each block first.
    let shift: [Double]
    /// Column means of X (lag blocks side by side) and Y.
    let xbar: [Double]
    let ybar: [Double]

    init(series Z: NDArray, lag: Int) {
        let T = Z.shape[0]
        let k = Z.shape[1]
        let n = T - lag
        self.k = k
        self.lag = lag
        self.n = n
        var zbar = [Double](repeating: 0, count: k)
        let Zc: [Double] = Z.data.withUnsafeBufferPointer { zb in
            let z = zb.baseAddress!
            zbar.withUnsafeMutableBufferPointer { mb in
                let m = mb.baseAddress!
                for t in 0..<T { let row = z + t * k; for j in 0..<k { m[j] += row[j] } }
                for j in 0..<k { m[j] /= Double(T) }
            }
            return [Double](unsafeUninitializedCapacity: T * k) { out, count in
                zbar.withUnsafeBufferPointer { mb in
                    let m = mb.baseAddress!, o = out.baseAddress!
                    for t in 0..<T { for j in 0..<k { o[t * k + j] = z[t * k + j] - m[j] } }
                }
                count = T * k
            }
        }
        // Block a holds rows lag-a ..< lag-a+n of Zc.
        var shift = [Double](repeating: 0, count: (lag + 1) * k)
        Zc.withUnsafeBufferPointer { zb in
            for a in 0...lag {
                let first = zb.baseAddress! + (lag - a) * k
                for r in 0..<n { for j in 0..<k { shift[a * k + j] += first[r * k + j] } }
                for j in 0..<k { shift[a * k + j] /= Double(n) }
            }
        }
        self.Zc = Zc
        self.shift = shift
        ybar = (0..<k).map { zbar[$0] + shift[$0] }
        xbar = (1...max(lag, 1)).flatMap { l in (0..<k).map { zbar[$0] + shift[l * k + $0] } }
    }

    /// The centred lagged design, `n x kp` row-major.
    var Xc: [Double] {
        let kp = featureCount
        return Zc.withUnsafeBufferPointer { zb in
            [Double](unsafeUninitializedCapacity: n * kp) { xb, count in
                let z = zb.baseAddress!, x = xb.baseAddress!
                for r in 0..<n {
                    for l in 1...lag {
                        let src = z + (r + lag - l) * k, dst = x + r * kp + (l - 1) * k
                        for j in 0..<k { dst[j] = src[j] - shift[l * k + j] }
                    }
                }
                count = n * kp
            }
        }
    }

    /// The centred targets, `n x k`.
    var Yc: [Double] {
        Zc.withUnsafeBufferPointer { zb in
            [Double](unsafeUninitializedCapacity: n * k) { yb, count in
                let z = zb.baseAddress! + lag * k, y = yb.baseAddress!
                for r in 0..<n { for j in 0..<k { y[r * k + j] = z[r * k + j] - shift[j] } }
                count = n * k
            }
        }
    }

    /// `Xc'Xc` (`kp x kp`), `Xc'Yc` (`kp x k`) and the diagonal of `Yc'Yc`,
    /// from the lag-d cross products F_d = sum_t Zc_t Zc_{t-d}' (d = 0...lag)
    /// over the whole series. Block (a, b) of the stacked [Y | X] is F_{b-a}
    /// less the few edge rows outside the block, less n shift_a shift_b':
    /// (lag + 1)^2 / 2 fewer passes over the data than forming X.
    func crossProducts() -> (gram: GramMatrix, xy: [Double], yy: [Double]) {
        let T = n + lag, kp = featureCount, kk = k * k
        var F = [Double](repeating: 0, count: (lag + 1) * kk)
        Zc.withUnsafeBufferPointer { zb in
            F.withUnsafeMutableBufferPointer { fb in
                let z = zb.baseAddress!, f = fb.baseAddress!
                // F_0 = Zc'Zc (upper triangle, then mirrored).
                dsyrkUpperTransposed(n: k, k: T, a: z, lda: k, beta: 0, c: f, ldc: k)
                for i in 0..<k { for j in 0..<i { f[i * k + j] = f[j * k + i] } }
                // F_d[i, j] = sum_t Zc[t, i] Zc[t - d, j].
                for d in stride(from: 1, through: lag, by: 1) {
                    dgemm(transA: true, transB: false, m: k, n: k, k: T - d, a: z + d * k, lda: k,
                          b: z, ldb: k, beta: 0, c: f + d * kk, ldc: k)
                }
            }
        }
        // S(a, b) for a <= b: rows of block a are t = lag-a ..< lag-a+n,
        // paired with t - (b - a) in block b.
        func block(_ a: Int, _ b: Int) -> [Double] {
            let d = b - a
            var S = Array(F[(d * kk)..<((d + 1) * kk)])
            Zc.withUnsafeBufferPointer { zb in
                let z = zb.baseAddress!
                let first = lag - a
                func remove(_ t: Int) {
                    let u = z + t * k, v = z + (t - d) * k
                    for i in 0..<k { let ui = u[i]; for j in 0..<k { S[i * k + j] -= ui * v[j] } }
                }
                for t in d..<first { remove(t) }
                for t in (first + n)..<T { remove(t) }
            }
            let nD = Double(n)
            for i in 0..<k { for j in 0..<k { S[i * k + j] -= nD * shift[a * k + i] * shift[b * k + j] } }
            return S
        }
        var G = [Double](repeating: 0, count: kp * kp)
        var XY = [Double](repeating: 0, count: kp * k)
        var yy = [Double](repeating: 0, count: k)
        let S00 = block(0, 0)
        for i in 0..<k { yy[i] = S00[i * k + i] }
        for b in 1...lag {
            // X'Y block rows (b - 1) k ..: S(0, b)' (lag b against the targets).
            let S0b = block(0, b)
            for i in 0..<k { for j in 0..<k { XY[((b - 1) * k + j) * k + i] = S0b[i * k + j] } }
            for a in 1...b {
                let S = block(a, b)
                for i in 0..<k {
                    for j in 0..<k {
                        G[((a - 1) * k + i) * kp + (b - 1) * k + j] = S[i * k + j]
                        G[((b - 1) * k + j) * kp + (a - 1) * k + i] = S[i * k + j]
                    }
                }
            }
        }
        return (GramMatrix(values: G, featureCount: kp, sampleCount: n), XY, yy)
    }

    /// `Xc B'` for `B` (`m x kp`, row-major): `n x m`, one GEMM per lag
    /// block straight from Zc, then the block shifts.
    func times(transposeOf B: UnsafePointer<Double>, rows m: Int) -> [Double] {
        let kp = featureCount
        var out = [Double](repeating: 0, count: n * m)
        guard n > 0 && m > 0 else { return out }
        var offset = [Double](repeating: 0, count: m)   // sum_l B_l shift_l
        for i in 0..<m {
            for l in 1...lag { for j in 0..<k { offset[i] += B[i * kp + (l - 1) * k + j] * shift[l * k + j] } }
        }
        Zc.withUnsafeBufferPointer { zb in
            out.withUnsafeMutableBufferPointer { ob in
                for l in 1...lag {
                    dgemm(transA: false, transB: true, m: n, n: m, k: k, a: zb.baseAddress! + (lag - l) * k, lda: k,
                          b: B + (l - 1) * k, ldb: kp, beta: l == 1 ? 0 : 1, c: ob.baseAddress!, ldc: m)
                }
                let o = ob.baseAddress!
                for r in 0..<n { for i in 0..<m { o[r * m + i] -= offset[i] } }
            }
        }
        return out
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
