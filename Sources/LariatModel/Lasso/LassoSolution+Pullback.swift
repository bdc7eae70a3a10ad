/// Gradients of a scalar loss with respect to the lasso's inputs.
public struct LassoPullback: Sendable {
    /// dL/dX, `n x p` (zero outside the active columns).
    public var X: NDArray
    /// dL/dy, length n.
    public var y: [Double]
    /// dL/dlambda.
    public var lambda: Double
}

extension LassoSolution {
    /// u = G_AA^-1 g_A, scattered to length p (zero off A): the adjoint that
    /// every term of the vector-Jacobian product shares.
    public func adjoint(_ g: [Double]) -> [Double] {
        var u = [Double](repeating: 0, count: coefficients.count)
        let k = active.count
        guard k > 0 else { return u }
        var uA = active.map { g[$0] }
        uA.withUnsafeMutableBufferPointer { factor.solve($0.baseAddress!) }
        for i in 0..<k { u[active[i]] = uA[i] }
        return u
    }

    /// dL/dlambda = -n s'u for a given adjoint `u` (from `adjoint`).
    public func lambdaGradient(adjoint u: [Double]) -> Double {
        var s = 0.0
        for i in 0..<active.count { s += signs[i] * u[active[i]] }
        return -Double(sampleCount) * s
    }

    /// The vector-Jacobian product of the solution at this fixed lambda,
    /// holding the active set and signs fixed (valid away from kinks).
    ///
    /// From b_A = G_AA^-1 (X_A'y - n lambda s) with G_AA = X_A'X_A, a change
    /// dX, dy, dlambda moves b_A by G_AA^-1 (dX_A'r - X_A'dX_A b_A + X_A'dy
    /// - n s dlambda), r = y - X_A b_A. With u = G_AA^-1 g_A:
    ///
    ///     y_bar = X_A u,   X_bar[:, A] = r u' - (X_A u) b_A',   lambda_bar = -n s'u.
    ///
    /// - Parameters:
    ///   - X, y: the data this solution was fitted on.
    ///   - coefficientGradient: dL/db, length p.
    /// - Throws: `LassoInputError` when shapes disagree with the fit.
    public func pullback(X: NDArray, y: [Double], coefficientGradient g: [Double]) throws -> LassoPullback {
        let p = coefficients.count
        guard X.rank == 2, X.shape[1] == p, X.shape[0] == sampleCount else {
            throw LassoInputError(argument: "X", problem: "has shape \(X.shape), the fit used \(sampleCount) x \(p)")
        }
        guard y.count == sampleCount else {
            throw LassoInputError(argument: "y", problem: "has \(y.count) values, the fit used \(sampleCount)")
        }
        guard g.count == p else {
            throw LassoInputError(argument: "coefficientGradient", problem: "has \(g.count) values, expected \(p)")
        }
        let n = sampleCount
        let u = adjoint(g)
        var Xu = [Double](repeating: 0, count: n)
        var r = y
        for i in 0..<n {
            var xu = 0.0, xb = 0.0
            for j in active { xu += X.data[i * p + j] * u[j]; xb += X.data[i * p + j] * coefficients[j] }
            Xu[i] = xu
            r[i] -= xb
        }
        var Xbar = NDArray(zeros: [n, p])
        for i in 0..<n {
            for j in active { Xbar.data[i * p + j] = r[i] * u[j] - Xu[i] * coefficients[j] }
        }
        return LassoPullback(X: Xbar, y: Xu, lambda: lambdaGradient(adjoint: u))
    }
}
