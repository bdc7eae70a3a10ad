import Foundation
import Dispatch

/// An l1-regularised vector autoregression VAR(p) of a `T x k` series,
///
///     z_t = c + A_1 z_{t-1} + ... + A_p z_{t-p} + e_t,
///
/// fitted as k independent lassos (one per coordinate i, on the same lagged
/// design), each with the objective (1/(2n))||y_i - X b_i||^2 + lambda_i ||b_i||_1
/// on centred data (n = T - p), so the intercept c is unpenalised. All
/// equations share one Gram matrix and run in parallel. With lambda = 0 it
/// is ordinary least squares, the same as statsmodels' `VAR(Z).fit(p)`.
///
/// `shrinkTo: .persistence` penalises the distance from persistence instead
/// (the random-walk centre of the Minnesota prior): each equation is the
/// lasso of the change `y_i - z_{i,t-1}` on the same design, and the
/// coefficients reported are that lasso's plus 1 on the own lag-1 entry. A
/// large penalty then predicts "no change" rather than "the mean": slowly
/// decaying series (calcium, latents that persist) keep their persistence
/// for free, and the penalty falls on what moves them.
public struct SparseVAR: Sendable {
    /// How lambda is chosen, for every equation.
    public enum Penalty: Sendable, Equatable {
        /// A fixed lambda (0 is least squares).
        case value(Double)
        /// A fraction of each equation's lambda_max = max_j |X_j'y_i| / n.
        case ratio(Double)
        /// Per equation, the kink of its path minimising the criterion.
        case criterion(InformationCriterion)
    }

    /// What the penalty shrinks the coefficients toward.
    public enum Shrinkage: String, Sendable, Equatable, CaseIterable {
        /// Zero: a large penalty predicts each series' mean.
        case zero
        /// Persistence (own lag-1 coefficient 1, the rest 0): a large penalty predicts no change.
        case persistence
    }

    public let lag: Int
    public let shrinkTo: Shrinkage
    /// k, the number of series.
    public let variableCount: Int
    /// `[A_1 | A_2 | ... | A_p]`: `k x k*p`, row i the equation of z_i.
    public let coefficients: NDArray
    /// c, length k.
    public let intercept: [Double]
    /// The lambda each equation was solved at.
    public let lambdas: [Double]
    /// Each equation's lambda_max (the smallest lambda with all b_i = 0).
    public let lambdaMax: [Double]
    /// Per equation, the algorithm's active columns of the lagged design
    /// (column (l - 1) k + j is z_j at lag l), in entry order.
    public let activeSets: [[Int]]
    /// Predictions of z_t for t = p..T-1: `(T - p) x k`.
    public let fittedValues: NDArray
    /// z_t minus its prediction, t = p..T-1: `(T - p) x k`.
    public let residuals: NDArray
    /// Numerical safeguards that fired, prefixed by equation.
    public let warnings: [String]

    let design: LaggedDesign
    let solutions: [LassoSolution]

    /// Fits the sparse VAR of `traces` (`T x k`, one column per series).
    ///
    /// - Throws: `LassoInputError` naming `traces`, `lag` or `lambda` when
    ///   the series is empty, not finite, too short for the lag, or the
    ///   penalty is negative; `CancelledError` if cancelled first.
    public static func fit(_ traces: NDArray, lag: Int, penalty: Penalty, shrinkTo: Shrinkage = .zero,
                           context: WorkContext = .silent) throws -> SparseVAR {
        try validate(traces, lag: lag, penalty: penalty)
        try context.cancellation.check()
        let design = LaggedDesign(series: traces, lag: lag)
        let (n, k, kp) = (design.n, design.k, design.featureCount)
        let (gram, XY, yy) = design.crossProducts()

        // Each equation's X'y and y'y; shrunk toward persistence, those of the
        // change y_i - x_i (x_i: column i, z_i at lag 1): X'y - G e_i and
        // y'y - 2 x_i'y + G_ii.
        var xy = [[Double]](), yyEq = [Double]()
        for i in 0..<k {
            var x = (0..<kp).map { XY[$0 * k + i] }, y = yy[i]
            if shrinkTo == .persistence {
                y += gram.values[i * kp + i] - 2 * x[i]
                for j in 0..<kp { x[j] -= gram.values[j * kp + i] }
            }
            xy.append(x); yyEq.append(y)
        }
        let (solutions, maxima) = solveEquations(gram: gram, xy: xy, yy: yyEq, sampleCount: n, penalty: penalty)

        var B = [Double](repeating: 0, count: k * kp)
        var c = [Double](repeating: 0, count: k)
        for i in 0..<k {
            let b = solutions[i].coefficients
            for j in 0..<kp { B[i * kp + j] = b[j] }
            if shrinkTo == .persistence { B[i * kp + i] += 1 }
            var cx = 0.0
            for j in 0..<kp { cx += B[i * kp + j] * design.xbar[j] }
            c[i] = design.ybar[i] - cx
        }
        // Fitted = Xc B' + 1 ybar'; residuals = Yc - Xc B'.
        var fitted = B.withUnsafeBufferPointer { design.times(transposeOf: $0.baseAddress!, rows: k) }
        var residuals = [Double](repeating: 0, count: n * k)
        design.Zc.withUnsafeBufferPointer { zb in
            let y = zb.baseAddress! + lag * k
            for r in 0..<n {
                for i in 0..<k {
                    residuals[r * k + i] = y[r * k + i] - design.shift[i] - fitted[r * k + i]
                    fitted[r * k + i] += design.ybar[i]
                }
            }
        }
        var warnings: [String] = []
        for i in 0..<k { warnings += solutions[i].warnings.map { "equation \(i): \($0)" } }
        if n <= kp && penalty == .value(0) {
            warnings.append("lag \(lag) on \(k) series gives \(kp) regressors for \(n) rows: least squares is not unique; the LARS end point is returned.")
        }
        return SparseVAR(lag: lag, shrinkTo: shrinkTo, variableCount: k,
                         coefficients: NDArray(shape: [k, kp], data: B), intercept: c,
                         lambdas: solutions.map(\.lambda), lambdaMax: maxima,
                         activeSets: solutions.map(\.active),
                         fittedValues: NDArray(shape: [n, k], data: fitted),
                         residuals: NDArray(shape: [n, k], data: residuals),
                         warnings: warnings, design: design, solutions: solutions)
    }

    /// The lag blocks `A_1 ... A_p`, each `k x k`.
    public var lagMatrices: [NDArray] {
        let k = variableCount, kp = k * lag
        return (0..<lag).map { l in
            var m = NDArray(zeros: [k, k])
            for i in 0..<k { for j in 0..<k { m[i, j] = coefficients.data[i * kp + l * k + j] } }
            return m
        }
    }

    /// One lasso per equation on a shared Gram matrix `G = X'X` (p x p, n
    /// centred rows), in parallel (each equation on its own; the result does
    /// not depend on the core count): equation i has `X'y_i = xy[i]` and
    /// `y_i'y_i = yy[i]`, and its lambda from `penalty`. Returns the
    /// solutions and each equation's lambda_max.
    static func solveEquations(gram: GramMatrix, xy: [[Double]], yy: [Double], sampleCount n: Int,
                               penalty: Penalty) -> (solutions: [LassoSolution], lambdaMax: [Double]) {
        let (k, p) = (xy.count, gram.featureCount)
        var solved = [LassoSolution?](repeating: nil, count: k)
        var maxima = [Double](repeating: 0, count: k)
        let maxIterations = 8 * p + 100
        gram.values.withUnsafeBufferPointer { g in
            solved.withUnsafeMutableBufferPointer { out in
                maxima.withUnsafeMutableBufferPointer { lmax in
                    let G = g.baseAddress!
                    let outBase = out.baseAddress!, lmaxBase = lmax.baseAddress!
                    Workers.perform(k) { i in
                        xy[i].withUnsafeBufferPointer { xb in
                            let x = xb.baseAddress!
                            let lambdaMax = (xy[i].map(abs).max() ?? 0) / Double(n)
                            lmaxBase[i] = lambdaMax
                            let lambda: Double
                            switch penalty {
                            case .value(let v): lambda = v
                            case .ratio(let r): lambda = r * lambdaMax
                            case .criterion(let ic):
                                var o = LARS.Options()
                                o.tolerance = 0
                                o.relativeTolerance = 1e-12
                                o.recordPath = false
                                o.maxIterations = maxIterations
                                o.yy = yy[i]
                                let run = LARS.run(gram: G, xy: x, featureCount: p, sampleCount: n, options: o)
                                lambda = run.alphas[ic.bestKink(rss: run.rss, activeCounts: run.activeCounts, sampleCount: n)]
                            }
                            outBase[i] = LassoSolution.solve(gram: G, xy: x, featureCount: p, sampleCount: n,
                                                             lambda: lambda, maxIterations: maxIterations)
                        }
                    }
                }
            }
        }
        return (solved.map { $0! }, maxima)
    }

    static func validate(_ traces: NDArray, lag: Int, penalty: Penalty) throws {
        guard traces.rank == 2 else {
            throw LassoInputError(argument: "traces", problem: "must be a T x k matrix (frames x series), got shape \(traces.shape)")
        }
        let (T, k) = (traces.shape[0], traces.shape[1])
        guard T > 0 && k > 0 else { throw LassoInputError(argument: "traces", problem: "is empty (shape \(traces.shape))") }
        guard lag >= 1 else { throw LassoInputError(argument: "lag", problem: "must be at least 1, got \(lag)") }
        guard T >= lag + 2 else {
            throw LassoInputError(argument: "traces", problem: "has \(T) rows (frames), too few for lag \(lag): need at least \(lag + 2)")
        }
        try LassoInputError.requireFinite(traces.data, argument: "traces", shape: traces.shape)
        switch penalty {
        case .value(let v): try LassoProblem.validateLambda(v, argument: "lambda")
        case .ratio(let r):
            guard r.isFinite && r >= 0 && r <= 1 else {
                throw LassoInputError(argument: "lambda_ratio", problem: "must be between 0 and 1, got \(r)")
            }
        case .criterion: break
        }
    }
}
