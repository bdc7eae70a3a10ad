/// The exact lasso path: every kink of the piecewise-linear solution of
///
///     minimise (1 / (2n)) ||y - X b||^2 + lambda ||b||_1
///
/// from lambda_max = max|X'y| / n (all coefficients zero) down to
/// `lambdaMin`, computed by LARS with the lasso modification (Efron et al.
/// 2004). Kink for kink it equals scikit-learn's
/// `lars_path(X, y, method="lasso")` (`alphas`, `coefs.T`), including the
/// first all-zero point. No centring: add a column of ones or centre the
/// data yourself for an intercept.
public struct LassoPath: Sendable {
    /// lambda at each kink, decreasing.
    public var lambdas: [Double]
    /// Coefficients at each kink: `kinks x features`.
    public var coefficients: NDArray
    /// The number of variables in the algorithm's active set at each kink.
    public var activeCounts: [Int]
    /// The algorithm's active set where the path ends, in entry order.
    public var active: [Int]
    /// Numerical safeguards that fired (collinear columns, early stops).
    public var warnings: [String]

    /// The path of a row-major `n x p` design `X` and targets `y`.
    ///
    /// - Parameters:
    ///   - lambdaMin: stop here, interpolating inside the last segment.
    ///   - maxIterations: at most this many steps (scikit-learn's 500).
    /// - Throws: `LassoInputError` naming `X`, `y` or `lambdaMin`.
    public static func compute(X: NDArray, y: [Double], lambdaMin: Double = 0,
                               maxIterations: Int = 500) throws -> LassoPath {
        try LassoProblem.validate(X: X, y: y)
        try LassoProblem.validateLambda(lambdaMin, argument: "lambdaMin")
        let (n, p) = (X.shape[0], X.shape[1])
        let (gram, xy) = X.data.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { GramMatrix.products(design: x.baseAddress!, target: $0.baseAddress!, rows: n, columns: p) }
        }
        return try compute(gram: gram, xy: xy, lambdaMin: lambdaMin, maxIterations: maxIterations)
    }

    /// The path from a precomputed Gram matrix and `X'y` (scikit-learn's
    /// `lars_path_gram`); `gram.sampleCount` is the n of the objective.
    public static func compute(gram: GramMatrix, xy: [Double], lambdaMin: Double = 0,
                               maxIterations: Int = 500) throws -> LassoPath {
        try LassoProblem.validate(gram: gram, xy: xy)
        try LassoProblem.validateLambda(lambdaMin, argument: "lambdaMin")
        guard maxIterations >= 0 else {
            throw LassoInputError(argument: "maxIterations", problem: "must be at least 0, got \(maxIterations)")
        }
        let p = gram.featureCount
        var options = LARS.Options()
        options.alphaMin = lambdaMin
        options.maxIterations = maxIterations
        let run = gram.values.withUnsafeBufferPointer { g in
            xy.withUnsafeBufferPointer { LARS.run(gram: g.baseAddress!, xy: $0.baseAddress!, featureCount: p,
                                                  sampleCount: gram.sampleCount, options: options) }
        }
        return LassoPath(lambdas: run.alphas,
                         coefficients: NDArray(shape: [run.alphas.count, p], data: run.coefs),
                         activeCounts: run.activeCounts, active: run.active, warnings: run.warnings)
    }
}

/// Input checks shared by the lasso entry points.
enum LassoProblem {
    static func validate(X: NDArray, y: [Double], xName: String = "X", yName: String = "y") throws {
        guard X.rank == 2 else {
            throw LassoInputError(argument: xName, problem: "must be a matrix (samples x features), got shape \(X.shape)")
        }
        guard X.shape[0] > 0 else { throw LassoInputError(argument: xName, problem: "has no rows (shape \(X.shape))") }
        guard X.shape[1] > 0 else { throw LassoInputError(argument: xName, problem: "has no columns (shape \(X.shape))") }
        guard y.count == X.shape[0] else {
            throw LassoInputError(argument: yName, problem: "has \(y.count) values but \(xName) has \(X.shape[0]) rows")
        }
        try LassoInputError.requireFinite(X.data, argument: xName, shape: X.shape)
        try LassoInputError.requireFinite(y, argument: yName, shape: [y.count])
    }

    static func validate(gram: GramMatrix, xy: [Double]) throws {
        let p = gram.featureCount
        guard p > 0 else { throw LassoInputError(argument: "gram", problem: "is empty") }
        guard gram.values.count == p * p else {
            throw LassoInputError(argument: "gram", problem: "has \(gram.values.count) values, expected \(p) x \(p)")
        }
        guard gram.sampleCount > 0 else {
            throw LassoInputError(argument: "gram", problem: "sample count must be positive, got \(gram.sampleCount)")
        }
        guard xy.count == p else {
            throw LassoInputError(argument: "xy", problem: "has \(xy.count) values but the Gram matrix has \(p) features")
        }
        try LassoInputError.requireFinite(gram.values, argument: "gram", shape: [p, p])
        try LassoInputError.requireFinite(xy, argument: "xy", shape: [p])
    }

    static func validateLambda(_ lambda: Double, argument: String) throws {
        guard lambda.isFinite && lambda >= 0 else {
            throw LassoInputError(argument: argument, problem: "must be a finite number >= 0, got \(lambda)")
        }
    }
}
