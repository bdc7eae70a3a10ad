import Foundation

/// Least angle regression with the lasso modification (Efron, Hastie,
/// Johnstone & Tibshirani 2004, "Least angle regression", Ann. Statist.
/// 32(2), sections 2 and 3.1), on a precomputed Gram matrix `G = X'X` and
/// `X'y`. It traces the exact piecewise-linear path of
///
///     (1 / (2n)) ||y - X b||^2 + lambda ||b||_1
///
/// from lambda_max = max|X'y| / n down to `alphaMin`, one kink per step, with
/// the same stopping rules and tie handling as scikit-learn's `lars_path(...,
/// method="lasso")` so the kinks agree with it one for one.
///
/// Internal: `LassoPath` and `LassoSolution` are the public faces.
enum LARS {
    struct Options {
        /// Stop once lambda reaches this (interpolating inside the last segment).
        var alphaMin: Double = 0
        /// scikit-learn stops when lambda <= alphaMin + float32 eps; the
        /// fixed-lambda solver uses 0 so it stops inside the right segment.
        var tolerance: Double = Double(Float.ulpOfOne)
        /// Added to `tolerance` as a fraction of lambda_max: residual
        /// correlations below it are rounding, not signal (fixed-lambda solves).
        var relativeTolerance: Double = 0
        var maxIterations: Int = 500
        /// Keep every kink (lambdas and coefficient rows).
        var recordPath: Bool = true
        /// Keep the residual sum of squares at each kink; needs `yy = y'y`.
        var yy: Double? = nil
    }

    /// Why the loop ended.
    enum Stop { case reachedAlphaMin, maxIterations, allActive, alphaIncreased }

    struct Run {
        var alphas: [Double] = []
        /// Kinks x p, row-major.
        var coefs: [Double] = []
        /// Active-set size at each kink (after drops, before the next add).
        var activeCounts: [Int] = []
        /// Residual sum of squares at each kink (when `yy` was given).
        var rss: [Double] = []
        /// Coefficients where the run stopped.
        var coef: [Double]
        /// The active set of the segment containing the stopping point, in
        /// the order the factor holds it, and its signs.
        var active: [Int] = []
        var signs: [Double] = []
        var factor: CholeskyFactor
        var stop: Stop = .reachedAlphaMin
        var warnings: [String] = []
        var iterations = 0
    }

    /// Smallest acceptable Cholesky pivot: below it a new variable is
    /// numerically in the span of the active ones (scikit-learn's 1e-7).
    static let minimumPivot = 1e-7

    static func run(gram G: UnsafePointer<Double>, xy: UnsafePointer<Double>,
                    featureCount p: Int, sampleCount n: Int, options o: Options) -> Run {
        let eps = Double.ulpOfOne
        let tiny32 = Double(Float.leastNormalMagnitude)  // keeps 0/0 out of the step-length ratios
        let nD = Double(n)
        var run = Run(coef: [Double](repeating: 0, count: p), factor: CholeskyFactor(capacity: p))

        // Scratch in raw buffers: the loop below is the hot path of every VAR fit.
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 7 * p)
        let statusBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: p)
        defer { scratch.deallocate(); statusBuffer.deallocate() }
        // C_j: current correlations X_j'(y - X b) of the inactive variables.
        let Cov = scratch
        Cov.update(from: xy, count: p)
        let coef = scratch + p, prevCoef = scratch + 2 * p
        coef.initialize(repeating: 0, count: p)
        prevCoef.initialize(repeating: 0, count: p)
        let w = scratch + 3 * p   // equiangular weights w_A
        let a = scratch + 4 * p   // a = X' u_A = G[:, A] w_A
        let g = scratch + 5 * p
        // u = L^-1 s_A, kept in step with the factor: an added variable
        // extends it by one entry; only drops (rare) recompute it.
        let u = scratch + 6 * p
        // 0 inactive, 1 active, 2 refused for good (collinear with the active set).
        let status = statusBuffer
        status.initialize(repeating: 0, count: p)
        var alpha = 0.0, prevAlpha = 0.0
        var active: [Int] = [], signs: [Double] = []
        active.reserveCapacity(p)
        signs.reserveCapacity(p)
        var pendingDrops: [Int] = []   // positions in `active`, descending
        var drop = false
        var nIter = 0
        var tolerance = o.tolerance
        var factor = CholeskyFactor(capacity: p)
        if o.recordPath { run.coefs.reserveCapacity(p * (p + 2)) }

        while true {
            // C = max_j |C_j| over inactive j (first index on ties, as np.argmax).
            var C = 0.0, Cidx = -1
            for j in 0..<p where status[j] == 0 {
                let c = abs(Cov[j])
                if Cidx < 0 || c > C { C = c; Cidx = j }
            }
            alpha = C / nD
            if nIter == 0 && run.alphas.isEmpty { tolerance = o.tolerance + o.relativeTolerance * alpha }

            if alpha <= o.alphaMin + tolerance {
                if abs(alpha - o.alphaMin) > tolerance {
                    if nIter > 0 {
                        // Linear interpolation inside the last segment.
                        let ss = (prevAlpha - o.alphaMin) / (prevAlpha - alpha)
                        for j in 0..<p { coef[j] = prevCoef[j] + ss * (coef[j] - prevCoef[j]) }
                    }
                    alpha = o.alphaMin
                }
                LARS.record(&run, at: nIter, alpha: alpha, activeCount: active.count - pendingDrops.count,
                            coef: coef, gram: G, xy: xy, p: p, options: o)
                run.stop = .reachedAlphaMin
                break
            }
            LARS.record(&run, at: nIter, alpha: alpha, activeCount: active.count - pendingDrops.count,
                            coef: coef, gram: G, xy: xy, p: p, options: o)
            if nIter >= o.maxIterations {
                run.stop = .maxIterations
                run.warnings.append("LARS stopped after \(nIter) iterations at lambda=\(fmt(alpha)) with \(active.count - pendingDrops.count) active variables; raise the iteration limit to follow the path further.")
                break
            }
            if active.count - pendingDrops.count >= p || Cidx < 0 {
                run.stop = .allActive
                break
            }

            // The drops of the previous step leave the factor now that the
            // stop test no longer needs their segment.
            if !pendingDrops.isEmpty {
                for pos in pendingDrops {
                    factor.remove(at: pos)
                    active.remove(at: pos)
                    signs.remove(at: pos)
                }
                pendingDrops.removeAll()
                for i in 0..<signs.count { u[i] = signs[i] }
                factor.forwardSolve(u)
            }

            if !drop {
                // Add x_j: grow L by the row solving L w = G[A, j].
                var j = Cidx
                var added = false
                while j >= 0 {
                    let k = active.count
                    for i in 0..<k { g[i] = G[active[i] * p + j] }
                    let (pivot, appended) = factor.append(gramColumn: g, squaredNorm: G[j * p + j],
                                                          minimumPivot: minimumPivot, floor: eps)
                    if appended {
                        status[j] = 1
                        active.append(j)
                        signs.append(Cov[j] > 0 ? 1 : (Cov[j] < 0 ? -1 : 0))
                        factor.extendForward(u, last: signs[k])
                        added = true
                        break
                    }
                    status[j] = 2
                    run.warnings.append("LARS: variable \(j) is collinear with the \(k) active variables (Cholesky pivot \(fmt(pivot)) < \(fmt(minimumPivot)) at iteration \(nIter), lambda=\(fmt(alpha))); it is left out of the model. Remove duplicate or constant columns to silence this.")
                    // Another variable tied with it (to rounding) enters instead;
                    // otherwise the active set moves on at the same C, which
                    // is still the active correlation (the refused variable's
                    // |C_j| was what set it).
                    j = -1
                    var next = 0.0
                    for l in 0..<p where status[l] == 0 && abs(Cov[l]) > next { next = abs(Cov[l]); j = l }
                    if next < C * (1 - 1e-10) { j = -1 }
                }
                if !added && active.isEmpty { continue }
            }

            if nIter > 0 && prevAlpha < alpha {
                // Rounding in the correlation updates now exceeds what is left
                // of them: the path is over in all but name.
                run.stop = .alphaIncreased
                run.warnings.append("LARS stopped early at iteration \(nIter): lambda rose from \(fmt(prevAlpha)) to \(fmt(alpha)), so the residual correlations are at rounding level (\(active.count) active variables).")
                break
            }

            // Equiangular direction (Efron et al. eq. 2.4-2.6): w_A = A_A G_AA^-1 s_A,
            // A_A = (s_A' G_AA^-1 s_A)^(-1/2).
            let k = active.count
            w.update(from: u, count: k)
            factor.backwardSolve(w)
            var AA: Double
            var sw = 0.0
            for i in 0..<k { sw += w[i] * signs[i] }
            if k == 1 && w[0] == 0 {
                w[0] = 1; AA = 1
            } else {
                AA = 1 / sw.squareRoot()
                var shiftPower = 0.0
                while !AA.isFinite {
                    // G_AA is numerically singular: regularise its factor.
                    let shifted = factor.withDiagonalShift(pow(2, shiftPower) * eps)
                    for i in 0..<k { w[i] = signs[i] }
                    shifted.solve(w)
                    sw = 0
                    for i in 0..<k { sw += w[i] * signs[i] }
                    AA = 1 / max(sw, eps).squareRoot()
                    shiftPower += 1
                }
                for i in 0..<k { w[i] *= AA }
            }

            // a = X'u_A = G[:, A] w_A (Efron et al. eq. 2.11).
            a.update(repeating: 0, count: p)
            for i in 0..<k {
                let wi = w[i], row = G + active[i] * p
                for j in 0..<p { a[j] += wi * row[j] }
            }
            // Round as scikit-learn does, so ties resolve the same way.
            for j in 0..<p { a[j] = roundToNearestEven(a[j] * 1e15) / 1e15 }

            // Step to the next variable's entry (eq. 2.13): gamma = min+ over
            // inactive j of (C - C_j)/(A_A - a_j), (C + C_j)/(A_A + a_j).
            var gamma = C / AA
            for j in 0..<p where status[j] == 0 {
                let g1 = (C - Cov[j]) / (AA - a[j] + tiny32)
                if g1 > 0 && g1 < gamma { gamma = g1 }
                let g2 = (C + Cov[j]) / (AA + a[j] + tiny32)
                if g2 > 0 && g2 < gamma { gamma = g2 }
            }

            // Lasso modification (section 3.1, eq. 3.4-3.5): stop at the first
            // zero crossing gamma~ = min+ over A of -b_j / w_j and drop j.
            drop = false
            var zpos = Double.greatestFiniteMagnitude
            for i in 0..<k {
                let z = -coef[active[i]] / (w[i] + tiny32)
                if z > 0 && z < zpos { zpos = z }
            }
            if zpos < gamma {
                gamma = zpos
                drop = true
                for i in stride(from: k - 1, through: 0, by: -1)
                where -coef[active[i]] / (w[i] + tiny32) == zpos {
                    pendingDrops.append(i)
                }
            }

            nIter += 1
            prevCoef.update(from: coef, count: p)
            prevAlpha = alpha
            for i in 0..<k { coef[active[i]] += gamma * w[i] }
            for j in 0..<p where status[j] == 0 { Cov[j] -= gamma * a[j] }

            if drop {
                for pos in pendingDrops {
                    let j = active[pos]
                    // A dropped variable is exactly zero; its correlation is
                    // recomputed from scratch: C_j = X_j'y - G[j, :] b.
                    coef[j] = 0
                    status[j] = 0
                    var c = xy[j]
                    for l in 0..<k where coef[active[l]] != 0 { c -= G[j * p + active[l]] * coef[active[l]] }
                    Cov[j] = c
                }
            }
        }

        if run.stop != .reachedAlphaMin {
            // The run ended on a kink: the drops made there are final.
            for pos in pendingDrops {
                factor.remove(at: pos)
                active.remove(at: pos)
                signs.remove(at: pos)
            }
        }
        run.coef = Array(UnsafeBufferPointer(start: coef, count: p))
        run.active = active
        run.signs = signs
        run.factor = factor
        run.iterations = nIter
        return run
    }

    /// Stores kink `k` (overwriting it when a refused variable repeats the step).
    static func record(_ run: inout Run, at k: Int, alpha: Double, activeCount: Int,
                       coef: UnsafePointer<Double>, gram G: UnsafePointer<Double>, xy: UnsafePointer<Double>,
                       p: Int, options o: Options) {
        var rssValue: Double? = nil
        if let yy = o.yy {
            // ||y - Xb||^2 = y'y - 2 b'X'y + b'G b, over the nonzero b.
            var s = yy
            for j in 0..<p where coef[j] != 0 {
                var gj = 0.0
                for l in 0..<p where coef[l] != 0 { gj += G[j * p + l] * coef[l] }
                s += coef[j] * (gj - 2 * xy[j])
            }
            rssValue = max(s, 0)
        }
        let row = UnsafeBufferPointer(start: coef, count: p)
        if run.alphas.count > k {
            run.alphas[k] = alpha
            run.activeCounts[k] = activeCount
            if let r = rssValue { run.rss[k] = r }
            if o.recordPath { for j in 0..<p { run.coefs[k * p + j] = coef[j] } }
        } else {
            run.alphas.append(alpha)
            run.activeCounts.append(activeCount)
            if let r = rssValue { run.rss.append(r) }
            if o.recordPath { run.coefs.append(contentsOf: row) }
        }
    }

    /// rint without a libm call: adding and removing 2^52 leaves the
    /// nearest integer (ties to even) for |x| < 2^52; larger x are integers.
    @inline(__always)
    static func roundToNearestEven(_ x: Double) -> Double {
        let big = 4503599627370496.0  // 2^52
        if abs(x) >= big { return x }
        return x >= 0 ? (x + big) - big : (x - big) + big
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3e", v) }
}
