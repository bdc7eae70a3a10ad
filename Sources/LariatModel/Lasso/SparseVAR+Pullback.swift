
/// Gradients of a scalar loss with respect to what the sparse VAR was fitted on.
public struct SparseVARPullback: Sendable {
    /// dL/dZ, `T x k`: the paths through the lagged design, the targets and
    /// the centring, summed.
    public var traces: NDArray
    /// dL/dlambda_i per equation (lambda held fixed in `traces`).
    public var lambdas: [Double]
}

extension SparseVAR {
    /// The vector-Jacobian product of the fit at its fixed lambdas, holding
    /// each equation's active set and signs fixed (valid away from kinks).
    /// This is what a training loop calls: fit on the latents Z, predict
    /// `fittedValues`, then pull dL/dZhat (and any dL/dB, dL/dc) back to dL/dZ.
    ///
    /// - Parameters:
    ///   - fittedGradient: dL/d`fittedValues`, `(T - p) x k`, or nil.
    ///   - coefficientGradient: dL/d`coefficients`, `k x kp`, or nil.
    ///   - interceptGradient: dL/d`intercept`, length k, or nil.
    /// - Throws: `LassoInputError` naming the gradient whose shape is wrong.
    public func pullback(fittedGradient: NDArray? = nil, coefficientGradient: NDArray? = nil,
                         interceptGradient: [Double]? = nil) throws -> SparseVARPullback {
        let (n, k, kp) = (design.n, variableCount, design.featureCount)
        if let d = fittedGradient, d.shape != [n, k] {
            throw LassoInputError(argument: "fittedGradient", problem: "has shape \(d.shape), fitted values are [\(n), \(k)]")
        }
        if let d = coefficientGradient, d.shape != [k, kp] {
            throw LassoInputError(argument: "coefficientGradient", problem: "has shape \(d.shape), coefficients are [\(k), \(kp)]")
        }
        if let d = interceptGradient, d.count != k {
            throw LassoInputError(argument: "interceptGradient", problem: "has \(d.count) values, expected \(k)")
        }
        let B = coefficients.data
        // The lassos' own coefficients: shrunk toward persistence, each solved for
        // A - E (E: 1 on the own lag-1 entries), on the change y_i - x_i.
        var Blasso = B
        if shrinkTo == .persistence { for i in 0..<k { Blasso[i * kp + i] -= 1 } }
        // The lagged design is not stored (LaggedDesign); built once here.
        let Xc = design.Xc
        var Bbar = coefficientGradient?.data ?? [Double](repeating: 0, count: k * kp)
        var Xcbar = [Double](repeating: 0, count: n * kp)
        var xbarBar = [Double](repeating: 0, count: kp)
        var ybarBar = [Double](repeating: 0, count: k)

        // Zhat = 1 ybar' + Xc B': ybar_bar += 1'Zhat_bar, Xc_bar += Zhat_bar B,
        // B_bar += Zhat_bar' Xc.
        if let Zbar = fittedGradient?.data {
            for r in 0..<n { for i in 0..<k { ybarBar[i] += Zbar[r * k + i] } }
            gemm(.noTrans, .noTrans, n, kp, k, Zbar, k, B, kp, &Xcbar, kp, beta: 1)
            gemm(.trans, .noTrans, k, kp, n, Zbar, k, Xc, kp, &Bbar, kp, beta: 1)
        }
        // c = ybar - B xbar: ybar_bar += c_bar, B_bar -= c_bar xbar', xbar_bar -= B'c_bar.
        if let cbar = interceptGradient {
            for i in 0..<k {
                ybarBar[i] += cbar[i]
                for j in 0..<kp {
                    Bbar[i * kp + j] -= cbar[i] * design.xbar[j]
                    xbarBar[j] -= B[i * kp + j] * cbar[i]
                }
            }
        }
        // Through each lasso (LassoSolution.pullback), all equations at once:
        // U (k x kp) holds u_i = G_AA^-1 b_bar_i; W = Xc U' (n x k) is y_bar;
        // Xc_bar += R U - W B with R the residuals.
        var U = [Double](repeating: 0, count: k * kp)
        var lambdaBar = [Double](repeating: 0, count: k)
        for i in 0..<k {
            let u = solutions[i].adjoint(Array(Bbar[(i * kp)..<((i + 1) * kp)]))
            for j in 0..<kp { U[i * kp + j] = u[j] }
            lambdaBar[i] = solutions[i].lambdaGradient(adjoint: u)
        }
        var W = [Double](repeating: 0, count: n * k)
        gemm(.noTrans, .trans, n, k, kp, Xc, kp, U, kp, &W, k, beta: 0)
        gemm(.noTrans, .noTrans, n, kp, k, residuals.data, k, U, kp, &Xcbar, kp, beta: 1)
        for idx in 0..<W.count { W[idx] = -W[idx] }
        gemm(.noTrans, .noTrans, n, kp, k, W, k, Blasso, kp, &Xcbar, kp, beta: 1)
        for idx in 0..<W.count { W[idx] = -W[idx] }
        // W is the gradient of the lassos' targets; shrunk toward persistence,
        // target i is y_i - x_i, so x_i (column i of the design) gets -W_i too.
        if shrinkTo == .persistence { for r in 0..<n { for i in 0..<k { Xcbar[r * kp + i] -= W[r * k + i] } } }

        let dZ = design.seriesGradient(dXc: Xcbar, dYc: W, dxbar: xbarBar, dybar: ybarBar)
        return SparseVARPullback(traces: dZ, lambdas: lambdaBar)
    }
}

private enum Transpose { case noTrans, trans }

/// C = op(A) op(B) + beta C, row-major; m x n result, inner dimension kk.
private func gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ kk: Int,
                  _ A: [Double], _ lda: Int, _ B: [Double], _ ldb: Int,
                  _ C: inout [Double], _ ldc: Int, beta: Double) {
    guard m > 0 && n > 0 && kk > 0 else { return }
    C.withUnsafeMutableBufferPointer { c in
        dgemm(transA: ta == .trans, transB: tb == .trans, m: m, n: n, k: kk,
              a: A, lda: lda, b: B, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
    }
}
