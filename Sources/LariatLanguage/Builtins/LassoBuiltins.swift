import Foundation
import LariatModel

extension BuiltinRegistry {
    /// The exact lasso path and the sparse VAR (LariatModel/Lasso).
    static var lasso: [Builtin] {
        [
            Builtin("lasso_path",
                    [Parameter("X", .array, "design matrix, samples x features"),
                     Parameter("y", .array, "targets, one per sample"),
                     Parameter("lambda_min", .number, default: .number(0), "stop the path here (interpolating inside the last segment)"),
                     Parameter("center", .boolean, default: .bool(false), "centre X's columns and y first (an unpenalised intercept)")],
                    summary: "The exact lasso path by LARS: every kink of (1/(2n))||y - Xb||^2 + lambda ||b||_1.",
                    documentation: """
                    Returns a record with `.lambdas` (the kinks, decreasing from lambda_max = max|X'y|/n,
                    where every coefficient is zero) and `.coefficients` (kinks x features), equal kink for
                    kink to scikit-learn's `lars_path(X, y, method="lasso")`; `.active` is the algorithm's
                    active set at the end. No centring unless `center=true`. `plot(path)` draws it.

                    Example:

                        p = lasso_path(X, y)
                        plot(p)
                    """) { args, context in
                var X = try args.array("X", rank: 2, what: "a samples x features matrix")
                var y = try args.array("y")
                guard y.rank == 1 || (y.rank == 2 && y.shape[1] == 1) else {
                    throw BuiltinError("lasso_path(): 'y' must be a vector, got an array of shape \(formatShape(y.shape))", argument: "y")
                }
                if try args.bool("center") {
                    centreColumns(&X)
                    centreColumns(&y)
                }
                let path = try lassoCall("lasso_path") {
                    try LassoPath.compute(X: X, y: y.data, lambdaMin: try args.number("lambda_min"))
                }
                for w in path.warnings { context.warn("lasso_path: warning: \(w)\n") }
                return .record(Record(kind: "lasso path", fields: [
                    ("lambdas", .array(NDArray(shape: [path.lambdas.count], data: path.lambdas))),
                    ("coefficients", .array(path.coefficients)),
                    ("active", .list(path.active.map { .number(Double($0)) })),
                ]))
            },
            Builtin("var",
                    [Parameter("traces", .array, "a T x k matrix: frames x series (e.g. suite2p traces transposed)"),
                     Parameter("lag", .integer, default: .number(1), "the order p: how many past frames predict the next"),
                     Parameter("lambda", [.number, .string], default: Value.none, "the l1 penalty: a number (0 is least squares), or \"bic\" / \"aic\" to choose it per equation along the path"),
                     Parameter("lambda_ratio", .number, default: Value.none, "the penalty as a fraction of each equation's lambda_max (0..1), instead of lambda"),
                     Parameter("shrink_to", .string, default: .string("zero"), "\"zero\", or \"persistence\": penalise the distance from z_t = z_{t-1} (each equation a lasso of the change), so a large penalty predicts no change")],
                    summary: "The sparse VAR(p): one lasso per series on the lagged traces, with an unpenalised intercept.",
                    documentation: """
                    Fits z_t = c + A_1 z_{t-1} + ... + A_p z_{t-p} + e_t with each row of [A_1 | ... | A_p]
                    minimising (1/(2n))||y_i - X b_i||^2 + lambda ||b_i||_1 on centred data (n = T - p),
                    by the exact LARS lasso path. `lambda=0` is ordinary least squares with an intercept,
                    the same as statsmodels' `VAR(traces).fit(lag)`. Without `lambda` or `lambda_ratio`
                    the penalty is chosen per equation by BIC. `shrink_to="persistence"` fits each
                    equation's lasso to the change `y_i - z_{i,t-1}` instead and adds 1 to its own lag-1
                    coefficient (the Minnesota prior's random-walk centre): persistent series keep their
                    persistence unpenalised.

                    Returns a record with `.coefficients` (k x k*lag, lag blocks side by side),
                    `.intercept` (k), `.lambdas` (the penalty each equation used), `.lambda_max`,
                    `.active` (per equation, the number of nonzero coefficients), `.fitted` and
                    `.residuals` ((T - lag) x k), and `.lag`.

                    Example:

                        v = var(transpose(F), lag=2, lambda=0.02)
                        heatmap(v)
                    """) { args, context in
                var traces = try args.array("traces")
                if traces.rank == 1 { traces = NDArray(shape: [traces.count, 1], data: traces.data) }
                guard traces.rank == 2 else {
                    throw BuiltinError("var(): 'traces' must be a T x k matrix (frames x series), got an array of shape \(formatShape(traces.shape))", argument: "traces")
                }
                let lag = try args.integer("lag", in: 1...Int.max)
                let penalty: SparseVAR.Penalty
                switch (args["lambda"], args["lambda_ratio"]) {
                case (.none, .none): penalty = .criterion(.bic)
                case (.none, .number(let r)): penalty = .ratio(r)
                case (.number(let l), .none): penalty = .value(l)
                case (.string(let s), .none):
                    guard let ic = InformationCriterion(rawValue: s.lowercased()) else {
                        throw BuiltinError("var(): 'lambda' must be a number, \"bic\" or \"aic\", got \"\(s)\"", argument: "lambda")
                    }
                    penalty = .criterion(ic)
                default:
                    throw BuiltinError("var(): give either 'lambda' or 'lambda_ratio', not both")
                }
                let shrink = try args.choice("shrink_to", of: SparseVAR.Shrinkage.self)
                let v = try lassoCall("var") { try SparseVAR.fit(traces, lag: lag, penalty: penalty, shrinkTo: shrink, context: context.work) }
                for w in v.warnings { context.warn("var: warning: \(w)\n") }
                let k = v.variableCount
                return .record(Record(kind: "sparse VAR", fields: [
                    ("coefficients", .array(v.coefficients)),
                    ("intercept", .array(NDArray(shape: [k], data: v.intercept))),
                    ("lag", .number(Double(lag))),
                    ("lambdas", .array(NDArray(shape: [k], data: v.lambdas))),
                    ("lambda_max", .array(NDArray(shape: [k], data: v.lambdaMax))),
                    ("active", .array(NDArray(shape: [k], data: v.activeSets.map { Double($0.count) }))),
                    ("fitted", .array(v.fittedValues)),
                    ("residuals", .array(v.residuals)),
                ]))
            },
        ]
    }
}

/// Runs lasso code, turning its input errors into the language's errors
/// with the parameter named as the user wrote it.
private func lassoCall<T>(_ function: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as LassoInputError {
        let names = ["lambdaMin": "lambda_min"]
        throw BuiltinError("\(function)(): '\(names[e.argument] ?? e.argument)' \(e.problem)", argument: names[e.argument] ?? e.argument)
    }
}

/// Subtracts each column's mean (a vector is one column).
private func centreColumns(_ a: inout NDArray) {
    let n = a.shape[0]
    guard n > 0 else { return }
    let m = a.count / n
    for j in 0..<m {
        var s = 0.0
        for i in 0..<n { s += a.data[i * m + j] }
        s /= Double(n)
        for i in 0..<n { a.data[i * m + j] -= s }
    }
}
