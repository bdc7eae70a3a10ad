import Foundation

/// Which cells drive which, from cell traces, in the design that carried the
/// simulator's links best of every trace pipeline measured
/// (bench/network/RESEARCH.md section 5, "deconv-ema"):
///
/// 1. dF/F: each trace over its running low percentile (20th, 301 frames:
///    the baseline and slow drift), minus 1;
/// 2. the AR(1) innovation `u_t = f_t - g f_{t-1}`, `g` per cell from the
///    autocovariances `acov(2) / acov(1)` (white noise does not bias it):
///    calcium's decay removed, close to the spikes;
/// 3. the regressor: `e_t = r e_{t-1} + u_t` (r = 0.8), a running estimate
///    of the drive the network acts on, on the drive's own timescale;
/// 4. per cell i, `u_i,t` on every `e_j,t-1` (both standardised, with an
///    intercept), by least squares or a lasso at a criterion's penalty.
///
/// `matrix[i, j]` is the effect of cell j's recent activity on cell i's
/// next innovation. A single lagged trace or spike count is a far noisier
/// regressor than this: calcium integrates 20 frames of spikes where the
/// drive remembers 5-10 (the research's measurements).
public enum CellDynamics {
    public struct Options: Sendable, Equatable {
        /// Frames in the running baseline window (centred; edges repeat the first and last frame).
        public var baselineWindow: Int = 301
        /// The baseline's percentile, 0...100.
        public var baselinePercentile: Double = 20
        /// r of the regressor's exponential filter, 0 ..< 1 (0: the innovation at t-1 alone).
        public var filter: Double = 0.8
        public init() {}
    }

    public struct Result: Sendable {
        /// n x n, `[i, j]`: cell j's filtered innovation at t-1 on cell i's innovation at t (standardised).
        public let matrix: NDArray
        /// n x n, each coefficient's t statistic (coefficient over its
        /// least-squares standard error; CellDynamics+Significance.swift).
        public let t: NDArray
        /// n, each cell's out-strength `sum_{i != j} |matrix[i, j]|`.
        public let drivers: [Double]
        /// n, each cell's calcium decay g.
        public let decay: [Double]
        /// T x n, the innovations u.
        public let innovations: NDArray
    }

    /// The dynamics of `traces` (T x n, one column per cell); `penalty` nil
    /// is least squares, else each cell's equation is a lasso at it.
    public static func fit(_ traces: NDArray, options o: Options = Options(), penalty: SparseVAR.Penalty? = nil,
                           cancellation: Cancellation? = nil) throws -> Result {
        guard traces.rank == 2 else { throw NetworkError("traces must be T x n (frames x cells), got shape \(traces.shape)") }
        let (T, n) = (traces.shape[0], traces.shape[1])
        guard n >= 1 else { throw NetworkError("traces has no cells (shape \(traces.shape))") }
        guard T >= n + 8 else {
            throw NetworkError("\(T) frames are too few for the dynamics of \(n) cells; need at least \(n + 8)")
        }
        guard o.baselineWindow >= 1 else { throw NetworkError("the baseline window must be >= 1 frame, got \(o.baselineWindow)", option: "window") }
        guard (0...100).contains(o.baselinePercentile) else {
            throw NetworkError("the baseline percentile must be in 0...100, got \(o.baselinePercentile)", option: "percentile")
        }
        guard o.filter >= 0, o.filter < 1 else { throw NetworkError("the filter must be in [0, 1), got \(o.filter)", option: "filter") }
        if let bad = traces.data.firstIndex(where: { !$0.isFinite }) {
            throw NetworkError("traces has a non-finite value at frame \(bad / n), cell \(bad % n)")
        }

        // 1-3, per cell.
        var u = [Double](repeating: 0, count: T * n), e = [Double](repeating: 0, count: T * n)
        var decay = [Double](repeating: 0, count: n)
        var column = [Double](repeating: 0, count: T)
        for i in 0..<n {
            try cancellation?.check()
            for t in 0..<T { column[t] = traces.data[t * n + i] }
            let f = relativeChange(column, window: o.baselineWindow, percentile: o.baselinePercentile)
            let g = ar1Coefficient(f)
            decay[i] = g
            var sum = 0.0
            for t in 1..<T { u[t * n + i] = f[t] - g * f[t - 1]; sum += u[t * n + i] }
            u[i] = sum / Double(T - 1)
            var acc = 0.0
            for t in 0..<T { acc = o.filter * acc + u[t * n + i]; e[t * n + i] = acc }
        }

        // 4: u_t on e_{t-1}, both standardised.
        let rows = T - 1
        var X = Array(e[0..<(rows * n)]), Y = Array(u[n...])
        standardiseColumns(&X, rows: rows, columns: n)
        standardiseColumns(&Y, rows: rows, columns: n)
        try cancellation?.check()
        let B = regress(Y, on: X, rows: rows, columns: n, penalty: penalty ?? .value(0))
        let t = tStatistics(Y, on: X, coefficients: B, rows: rows, columns: n)
        var drivers = [Double](repeating: 0, count: n)
        for j in 0..<n { for i in 0..<n where i != j { drivers[j] += abs(B[i * n + j]) } }
        return Result(matrix: NDArray(shape: [n, n], data: B), t: NDArray(shape: [n, n], data: t),
                      drivers: drivers, decay: decay,
                      innovations: NDArray(shape: [T, n], data: u))
    }

    /// `x / baseline - 1` with the baseline the running percentile; where
    /// the baseline is not positive (traces after neuropil subtraction, or
    /// centred ones), `x - baseline`: standardisation removes the scale,
    /// and only the drift has to go.
    static func relativeChange(_ x: [Double], window: Int, percentile: Double) -> [Double] {
        let base = RunningPercentile.filter(x, window: window, percentile: percentile)
        if base.allSatisfy({ $0 > 0 }) { return zip(x, base).map { $0 / $1 - 1 } }
        return zip(x, base).map { $0 - $1 }
    }

    /// g = acov(2) / acov(1), clipped to [0, 0.999].
    static func ar1Coefficient(_ x: [Double]) -> Double {
        let T = x.count
        let mean = x.reduce(0, +) / Double(T)
        var a1 = 0.0, a2 = 0.0
        for t in 1..<T { a1 += (x[t] - mean) * (x[t - 1] - mean) }
        for t in 2..<T { a2 += (x[t] - mean) * (x[t - 2] - mean) }
        a1 /= Double(T - 1); a2 /= Double(T - 2)
        let g = a2 / (abs(a1) > 1e-12 ? a1 : 1e-12)
        return min(max(g, 0), 0.999)
    }

    /// Columns to mean 0 and standard deviation 1 (constant columns to 0).
    static func standardiseColumns(_ X: inout [Double], rows: Int, columns: Int) {
        for j in 0..<columns {
            var s = 0.0, s2 = 0.0
            for r in 0..<rows { s += X[r * columns + j] }
            let m = s / Double(rows)
            for r in 0..<rows { let v = X[r * columns + j] - m; s2 += v * v }
            let sd = (s2 / Double(rows)).squareRoot()
            for r in 0..<rows { X[r * columns + j] = sd > 0 ? (X[r * columns + j] - m) / sd : 0 }
        }
    }

    /// B (k x p) with row i the coefficients of `Y[:, i]` on the centred `X`
    /// (n x p): one lasso per equation at `penalty` on the shared Gram matrix
    /// (`.value(0)`: least squares, the LARS path's end), as `SparseVAR`.
    static func regress(_ Y: [Double], on X: [Double], rows n: Int, columns p: Int,
                        penalty: SparseVAR.Penalty) -> [Double] {
        let k = Y.count / n
        let gram = X.withUnsafeBufferPointer { GramMatrix(design: $0.baseAddress!, rows: n, columns: p) }
        var XY = [Double](repeating: 0, count: p * k)                      // X'Y, p x k
        XY.withUnsafeMutableBufferPointer { c in
            dgemm(transA: true, transB: false, m: p, n: k, k: n, a: X, lda: p, b: Y, ldb: k, beta: 0, c: c.baseAddress!, ldc: k)
        }
        var yy = [Double](repeating: 0, count: k)
        for r in 0..<n { for i in 0..<k { yy[i] += Y[r * k + i] * Y[r * k + i] } }
        let xy = (0..<k).map { i in (0..<p).map { XY[$0 * k + i] } }
        let solutions = SparseVAR.solveEquations(gram: gram, xy: xy, yy: yy, sampleCount: n, penalty: penalty).solutions
        return solutions.flatMap(\.coefficients)
    }
}

/// scipy.ndimage.percentile_filter along one axis with `mode="nearest"`:
/// out[t] is the value of rank `floor(window * q / 100)` (0-based, at most
/// window - 1) among x[t - window/2 ... t + (window - 1)/2], the ends
/// extended by repeating the first and last values. A sorted window is
/// kept and updated by one removal and one insertion per step.
public enum RunningPercentile {
    public static func filter(_ x: [Double], window: Int, percentile q: Double) -> [Double] {
        let T = x.count
        guard T > 0, window > 1 else { return x }
        var rank = Int(Double(window) * q / 100)
        if rank >= window { rank = window - 1 }
        let before = window / 2, after = window - 1 - before
        func at(_ t: Int) -> Double { x[min(max(t, 0), T - 1)] }
        var sorted = (-before...after).map { at($0) }.sorted()
        var out = [Double](repeating: 0, count: T)
        out[0] = sorted[rank]
        for t in 1..<T {
            let leaving = at(t - 1 - before), entering = at(t + after)
            if leaving != entering {
                sorted.remove(at: lowerBound(sorted, leaving))
                sorted.insert(entering, at: lowerBound(sorted, entering))
            }
            out[t] = sorted[rank]
        }
        return out
    }

    static func lowerBound(_ a: [Double], _ v: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let mid = (lo + hi) / 2; if a[mid] < v { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
