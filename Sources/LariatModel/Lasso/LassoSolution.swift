/// The lasso solution at one fixed lambda, with what its derivative needs:
/// the algorithm's own active set `A`, its signs `s`, and the Cholesky
/// factor of `G_AA = X_A'X_A`. On `A` the solution is the closed form
///
///     b_A = G_AA^-1 (X_A'y - n lambda s),   b_j = 0 off A,
///
/// recomputed from the factor where LARS stopped, so it is exact and
/// consistent with `pullback`. Activity is never inferred from small values.
public struct LassoSolution: Sendable {
    public let lambda: Double
    /// n in the objective (1/(2n))||y - Xb||^2 + lambda ||b||_1.
    public let sampleCount: Int
    /// All p coefficients (exactly zero off the active set).
    public let coefficients: [Double]
    /// The active set A, in the order of `factor`.
    public let active: [Int]
    /// sign(b_j) for j in A, as LARS assigned them.
    public let signs: [Double]
    /// Lower Cholesky factor of X_A'X_A.
    public let factor: CholeskyFactor
    public let warnings: [String]

    /// The solution for a row-major `n x p` design.
    /// - Throws: `LassoInputError` naming `X`, `y` or `lambda`.
    public static func fit(X: NDArray, y: [Double], lambda: Double) throws -> LassoSolution {
        try LassoProblem.validate(X: X, y: y)
        let (n, p) = (X.shape[0], X.shape[1])
        let (gram, xy) = X.data.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { GramMatrix.products(design: x.baseAddress!, target: $0.baseAddress!, rows: n, columns: p) }
        }
        return try fit(gram: gram, xy: xy, lambda: lambda)
    }

    /// The solution from a precomputed Gram matrix and `X'y`.
    public static func fit(gram: GramMatrix, xy: [Double], lambda: Double,
                           maxIterations: Int? = nil) throws -> LassoSolution {
        try LassoProblem.validate(gram: gram, xy: xy)
        try LassoProblem.validateLambda(lambda, argument: "lambda")
        return gram.values.withUnsafeBufferPointer { g in
            xy.withUnsafeBufferPointer { solve(gram: g.baseAddress!, xy: $0.baseAddress!, featureCount: gram.featureCount,
                                               sampleCount: gram.sampleCount, lambda: lambda,
                                               maxIterations: maxIterations ?? 8 * gram.featureCount + 100) }
        }
    }

    /// Unchecked core shared with the sparse VAR.
    static func solve(gram G: UnsafePointer<Double>, xy: UnsafePointer<Double>, featureCount p: Int,
                      sampleCount n: Int, lambda: Double, maxIterations: Int) -> LassoSolution {
        var options = LARS.Options()
        options.alphaMin = lambda
        options.tolerance = 0
        options.relativeTolerance = 1e-12
        options.maxIterations = maxIterations
        options.recordPath = false
        let run = LARS.run(gram: G, xy: xy, featureCount: p, sampleCount: n, options: options)
        var warnings = run.warnings
        var b = [Double](repeating: 0, count: p)
        let k = run.active.count
        if k > 0 {
            // b_A = G_AA^-1 (X_A'y - n lambda s_A) through the factor.
            var rhs = (0..<k).map { xy[run.active[$0]] - Double(n) * lambda * run.signs[$0] }
            rhs.withUnsafeMutableBufferPointer { run.factor.solve($0.baseAddress!) }
            for i in 0..<k { b[run.active[i]] = rhs[i] }
            let flipped = (0..<k).filter { rhs[$0] * run.signs[$0] < 0 }
            if !flipped.isEmpty {
                warnings.append("lasso at lambda=\(LARS.fmt(lambda)): \(flipped.count) active coefficient(s) disagree in sign with the path (lambda is at a kink to rounding); the derivative there is one-sided.")
            }
        }
        if run.stop != .reachedAlphaMin && lambda > 0 {
            warnings.append("lasso at lambda=\(LARS.fmt(lambda)): the path ended before reaching lambda; the last kink's active set is used.")
        }
        return LassoSolution(lambda: lambda, sampleCount: n, coefficients: b, active: run.active,
                             signs: run.signs, factor: run.factor, warnings: warnings)
    }
}
