import Foundation

/// Which links of a cell network are distinguishable from no link.
///
/// Each row of `CellDynamics`' matrix is one regression, cell i's
/// innovation `y = u_i,t` on the filtered innovations `X = e_t-1` of every
/// cell (n columns, centred) with an intercept, over m rows. Its ordinary
/// least-squares standard errors are
///
///     s_i^2 = ||y - X b_i||^2 / (m - n - 1)              (residual variance; n slopes + intercept)
///     se(b_ij) = sqrt(s_i^2 [(X'X)^-1]_jj)
///     t_ij = b_ij / se(b_ij)
///
/// (statsmodels' `OLS(y, add_constant(X)).bse` and `.tvalues`;
/// Tests/python/test_cells.py checks them). Centring X removes the
/// intercept's column from `(X'X)^-1`'s slope block without changing it,
/// and standardising X and y scales `b` and `se` alike, so t is that of the
/// raw design. With a penalty (`lambda=`) b is the lasso's and s_i^2 its
/// residual variance: a guide to which kept links are large, not a test.
extension CellDynamics {
    /// The t statistics, k x p (`[i, j]` of `B[i, j]`), of the regressions of
    /// the columns of `Y` (m x k) on the centred `X` (m x p) with an
    /// intercept. A column of X with no variance, or a design whose Gram
    /// matrix is singular there, gives t = 0 for that coefficient (no
    /// evidence), never a NaN.
    static func tStatistics(_ Y: [Double], on X: [Double], coefficients B: [Double],
                            rows m: Int, columns p: Int) -> [Double] {
        let k = Y.count / m
        let dof = m - p - 1
        guard dof > 0 else { return [Double](repeating: 0, count: k * p) }
        let gram = X.withUnsafeBufferPointer { GramMatrix(design: $0.baseAddress!, rows: m, columns: p) }.values
        let inverseDiagonal = inverseDiagonal(gram, size: p)
        // Residual variances, one per equation: the residuals Y - X B' (m x k).
        var residuals = Y
        residuals.withUnsafeMutableBufferPointer { c in
            dgemm(transA: false, transB: true, m: m, n: k, k: p, alpha: -1, a: X, lda: p, b: B, ldb: p,
                  beta: 1, c: c.baseAddress!, ldc: k)
        }
        var rss = [Double](repeating: 0, count: k)
        for r in 0..<m { for i in 0..<k { rss[i] += residuals[r * k + i] * residuals[r * k + i] } }
        var t = [Double](repeating: 0, count: k * p)
        for i in 0..<k {
            let s2 = rss[i] / Double(dof)
            for j in 0..<p {
                let se = (s2 * inverseDiagonal[j]).squareRoot()
                t[i * p + j] = se > 0 && se.isFinite ? B[i * p + j] / se : 0
            }
        }
        return t
    }

    /// The diagonal of `G^-1` for a symmetric positive semi-definite `G`
    /// (p x p): the Cholesky factor of the columns with a pivot above
    /// 1e-10 of their diagonal, `[G^-1]_jj = ||L^-1 e_j||^2`; a column
    /// dropped as dependent gets +infinity (its coefficient is not
    /// identified).
    static func inverseDiagonal(_ G: [Double], size p: Int) -> [Double] {
        var kept: [Int] = []
        var L = [Double](repeating: 0, count: p * p)          // row-major over kept positions
        for j in 0..<p {
            let q = kept.count
            var row = [Double](repeating: 0, count: q + 1)
            for a in 0..<q {
                var s = G[kept[a] * p + j]
                for b in 0..<a { s -= L[a * p + b] * row[b] }
                row[a] = s / L[a * p + a]
            }
            var d = G[j * p + j]
            for a in 0..<q { d -= row[a] * row[a] }
            guard G[j * p + j] > 0, d > 1e-10 * G[j * p + j] else { continue }
            row[q] = d.squareRoot()
            for a in 0...q { L[q * p + a] = row[a] }
            kept.append(j)
        }
        var out = [Double](repeating: .infinity, count: p)
        let q = kept.count
        // Column c of L^-1 solves L v = e_c; [G_kept^-1]_cc = sum_r v_r^2.
        var v = [Double](repeating: 0, count: q)
        for c in 0..<q {
            for r in 0..<q {
                var s = r == c ? 1.0 : 0.0
                if r > c { for b in c..<r { s -= L[r * p + b] * v[b] } }
                v[r] = r < c ? 0 : s / L[r * p + r]
            }
            var sum = 0.0
            for r in c..<q { sum += v[r] * v[r] }
            out[kept[c]] = sum
        }
        return out
    }

    /// |t| above which a link is drawn as significant among the n(n-1) links
    /// of an n-cell network: the two-sided normal quantile at `level`
    /// Bonferroni-corrected over the links, `Phi^-1(1 - level / (2 n (n-1)))`
    /// (3.45 for 10 cells, 3.56 for 12, 4.05 for 40 at 5%). Bonferroni
    /// because the graph is read as a whole: a fixed |t| > 3 would draw
    /// about 0.3% of the non-links, one false arrow in three on a 10-cell
    /// graph and 4-5 on a 40-cell one. The normal and not Student's t: the
    /// regressions have hundreds of residual degrees of freedom (at least
    /// the frames minus the cells minus 2), where the two agree to 1%.
    public static func significanceThreshold(cells n: Int, level: Double = 0.05) -> Double {
        let links = max(1, n * (n - 1))
        return normalQuantile(1 - level / (2 * Double(links)))
    }

    /// Phi^-1(p) for p in (0.5, 1): Newton's method on the upper tail
    /// `erfc(z / sqrt 2) / 2 = 1 - p`, from z = 2 (the tail is convex there,
    /// so the iterates increase monotonically to the root).
    static func normalQuantile(_ p: Double) -> Double {
        let tail = 1 - p
        var z = 2.0
        for _ in 0..<100 {
            let f = 0.5 * erfc(z / 2.0.squareRoot()) - tail
            let density = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
            let step = f / density
            z += step
            if abs(step) < 1e-12 * max(1, z) { break }
        }
        return z
    }
}
