import Foundation
import LariatTestSupport
import Testing
@testable import LariatModel

/// Which links of the cell network are significant (CellDynamics+Significance):
/// the t statistics against statsmodels' OLS, the Bonferroni threshold
/// against scipy, and on a linear system with known links the significant
/// set is exactly the true one.
@Suite(.serialized) struct CellNetworkSignificanceTests {
    /// Calcium from innovations u_t = A u_{t-1} + e_t (A the true links, no
    /// self terms), c_t = g c_{t-1} + u_t on a constant baseline (as in
    /// CellDynamicsTests.recoversAKnownVARFromCalcium), T x n.
    static func calcium(links A: [[Double]], decay g: [Double], frames T: Int, seed: UInt64) -> NDArray {
        let n = A.count
        var rng = SeededRandom(seed: seed)
        var u = [Double](repeating: 0, count: n), c = [Double](repeating: 0, count: n)
        var F = [Double](repeating: 0, count: T * n)
        for t in 0..<T {
            let previous = u
            for i in 0..<n {
                u[i] = (0..<n).reduce(0.0) { $0 + A[i][$1] * previous[$1] } + rng.normal()
                c[i] = g[i] * c[i] + u[i]
                F[t * n + i] = 1000 + c[i]
            }
        }
        return NDArray(shape: [T, n], data: F)
    }

    /// Six cells, five links of both signs (a chain, a fan-out, an
    /// inhibition), 3000 frames. With no filter the design is u_t on
    /// u_{t-1}, whose non-links are exactly zero, so each true link's t grows
    /// as sqrt(T) (here 10-25) and each non-link's is standard normal: the
    /// significant set is the true one. (With the default filter, 0.8, the
    /// non-links are near zero but not zero: the filtered e_1 of a cell
    /// driven by cell 0 carries cell 0's past, which also drives cell 3, so
    /// at 3000 frames the non-link 1 -> 3 passes the threshold too; docs/network.md.)
    @Test func theSignificantLinksAreTheTrueOnes() throws {
        var A = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
        A[1][0] = 0.4; A[2][1] = 0.35; A[3][0] = -0.3; A[4][0] = 0.3; A[5][4] = 0.45
        let F = Self.calcium(links: A, decay: [0.9, 0.95, 0.85, 0.9, 0.8, 0.92], frames: 3000, seed: 17)
        var o = CellDynamics.Options(); o.filter = 0
        let fitted = try CellDynamics.fit(F, options: o)
        let threshold = CellDynamics.significanceThreshold(cells: 6)
        var significant: Set<[Int]> = [], truth: Set<[Int]> = []
        for i in 0..<6 {
            for j in 0..<6 where i != j {
                if abs(fitted.t[i, j]) > threshold { significant.insert([i, j]) }
                if A[i][j] != 0 { truth.insert([i, j]) }
                #expect(fitted.t[i, j].sign == fitted.matrix[i, j].sign || fitted.matrix[i, j] == 0)
            }
        }
        #expect(significant == truth, "t = \(fitted.t.data)")
    }

    /// The whole cell read's t against statsmodels: CellDynamics' own
    /// innovations u, filtered in numpy, regressed by `OLS(u_i,t,
    /// add_constant(e_t-1))`. Its tvalues are the t of the standardised
    /// design (t is scale-free), and of a lasso fit's kept coefficients too
    /// only approximately (not checked).
    @Test func tStatisticsAreStatsmodelsOLS() throws {
        var A = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        A[1][0] = 0.3; A[3][2] = -0.2
        let F = Self.calcium(links: A, decay: [0.9, 0.8, 0.95, 0.85], frames: 400, seed: 3)
        let fitted = try CellDynamics.fit(F)
        let dir = try PythonReference.temporaryDirectory()
        try NPY.write(fitted.innovations, path: dir.appendingPathComponent("u.npy").path)
        try PythonReference.run("""
        import numpy as np
        import statsmodels.api as sm
        u = np.load('u.npy')
        e = np.zeros_like(u); acc = np.zeros(u.shape[1])
        for t in range(len(u)):
            acc = 0.8 * acc + u[t]; e[t] = acc
        X = sm.add_constant(e[:-1])
        fits = [sm.OLS(u[1:, i], X).fit() for i in range(u.shape[1])]
        np.save('t.npy', np.array([f.tvalues[1:] for f in fits]))
        np.save('bse.npy', np.array([f.bse[1:] for f in fits]))
        np.save('params.npy', np.array([f.params[1:] for f in fits]))
        """, in: dir)
        let t = try NPY.read(path: dir.appendingPathComponent("t.npy").path)
        #expect(t.shape == [4, 4])
        let worst = zip(fitted.t.data, t.data).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-8, "t: \(fitted.t.data) vs statsmodels \(t.data)")

        // The standard errors themselves, on the raw centred design: the
        // least-squares slopes and their se are statsmodels' params and bse.
        let u = fitted.innovations
        let (T, n) = (u.shape[0], u.shape[1])
        var e = [Double](repeating: 0, count: T * n)
        for j in 0..<n { var acc = 0.0; for r in 0..<T { acc = 0.8 * acc + u[r, j]; e[r * n + j] = acc } }
        var X = Array(e[0..<((T - 1) * n)]), Y = Array(u.data[n...])
        for j in 0..<n {                                           // centre the columns
            let mx = (0..<(T - 1)).reduce(0.0) { $0 + X[$1 * n + j] } / Double(T - 1)
            let my = (0..<(T - 1)).reduce(0.0) { $0 + Y[$1 * n + j] } / Double(T - 1)
            for r in 0..<(T - 1) { X[r * n + j] -= mx; Y[r * n + j] -= my }
        }
        let B = CellDynamics.regress(Y, on: X, rows: T - 1, columns: n, penalty: .value(0))
        let tRaw = CellDynamics.tStatistics(Y, on: X, coefficients: B, rows: T - 1, columns: n)
        let params = try NPY.read(path: dir.appendingPathComponent("params.npy").path)
        let bse = try NPY.read(path: dir.appendingPathComponent("bse.npy").path)
        for k in 0..<(n * n) {
            #expect(abs(B[k] - params.data[k]) < 1e-8 * max(1, abs(params.data[k])))
            let se = B[k] / tRaw[k]
            #expect(abs(se - bse.data[k]) < 1e-8 * bse.data[k], "se \(k): \(se) vs \(bse.data[k])")
        }
    }

    /// Bonferroni over n(n-1) links at 5%: scipy's `norm.isf(0.025 / links)`.
    @Test func theThresholdIsTheBonferroniNormalQuantile() throws {
        let dir = try PythonReference.temporaryDirectory()
        let cells = [2, 3, 10, 12, 40, 200]
        let out = try PythonReference.run("""
        from scipy.stats import norm
        print(' '.join(repr(float(norm.isf(0.025 / (n * (n - 1))))) for n in \(cells)))
        """, in: dir)
        let expected = out.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        for (n, z) in zip(cells, expected) {
            #expect(abs(CellDynamics.significanceThreshold(cells: n) - z) < 1e-9, "\(n) cells")
        }
        #expect(abs(CellDynamics.significanceThreshold(cells: 10) - 3.45) < 0.01)
    }

    /// A constant column (a cell with no variance) and a duplicated one give
    /// t = 0 for the coefficients that are not identified, and finite t elsewhere.
    @Test func unidentifiedCoefficientsHaveNoEvidence() {
        let m = 50
        var rng = SeededRandom(seed: 2)
        var X = [Double](repeating: 0, count: m * 3), Y = [Double](repeating: 0, count: m)
        for r in 0..<m {
            X[r * 3] = rng.normal(); X[r * 3 + 1] = 0; X[r * 3 + 2] = X[r * 3]
            Y[r] = 0.5 * X[r * 3] + rng.normal()
        }
        let mean = X.enumerated().filter { $0.offset % 3 == 0 }.map(\.element).reduce(0, +) / Double(m)
        for r in 0..<m { X[r * 3] -= mean; X[r * 3 + 2] -= mean }
        let t = CellDynamics.tStatistics(Y, on: X, coefficients: [0.5, 0, 0], rows: m, columns: 3)
        #expect(t[0].isFinite && abs(t[0]) > 1)
        #expect(t[1] == 0 && t[2] == 0)
    }
}
