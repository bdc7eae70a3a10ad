import Foundation
import Testing
@testable import LariatModel

/// Finite-difference checks of the lasso's vector-Jacobian product at a
/// fixed lambda, away from kinks (the active set is the same at +-h).
@Suite struct LassoGradientTests {
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    static func problem(seed: UInt64, n: Int, p: Int) -> (NDArray, [Double]) {
        var r = LCG(state: seed)
        let X = NDArray(shape: [n, p], data: (0..<(n * p)).map { _ in r.next() })
        let y = (0..<n).map { i in 2 * X[i, 0] - X[i, 1] + 0.5 * X[i, 2] + 0.3 * r.next() }
        return (X, y)
    }

    @Test func pullbackMatchesFiniteDifferences() throws {
        let (n, p) = (30, 8)
        let (X, y) = Self.problem(seed: 7, n: n, p: p)
        let lambda = 0.05
        let sol = try LassoSolution.fit(X: X, y: y, lambda: lambda)
        #expect(sol.active.count >= 3 && sol.active.count < p)
        var r = LCG(state: 99)
        let g = (0..<p).map { _ in r.next() }
        let loss: (NDArray, [Double], Double) throws -> (Double, Set<Int>) = { X, y, l in
            let s = try LassoSolution.fit(X: X, y: y, lambda: l)
            return (zip(g, s.coefficients).map { $0 * $1 }.reduce(0, +), Set(s.active))
        }
        let pb = try sol.pullback(X: X, y: y, coefficientGradient: g)
        let h = 1e-6
        let A = Set(sol.active)
        var worst = 0.0
        for idx in 0..<(n * p) {
            var Xp = X, Xm = X
            Xp.data[idx] += h; Xm.data[idx] -= h
            let (lp, ap) = try loss(Xp, y, lambda), (lm, am) = try loss(Xm, y, lambda)
            #expect(ap == A && am == A)
            worst = max(worst, abs((lp - lm) / (2 * h) - pb.X.data[idx]))
        }
        for i in 0..<n {
            var yp = y, ym = y
            yp[i] += h; ym[i] -= h
            let fd = (try loss(X, yp, lambda).0 - loss(X, ym, lambda).0) / (2 * h)
            worst = max(worst, abs(fd - pb.y[i]))
        }
        #expect(worst < 1e-6, "worst X/y gradient error \(worst)")
        let fdLambda = (try loss(X, y, lambda + h).0 - loss(X, y, lambda - h).0) / (2 * h)
        #expect(abs(fdLambda - pb.lambda) < 1e-5 * max(1, abs(pb.lambda)), "\(fdLambda) vs \(pb.lambda)")
        // Off the active set the X gradient is exactly zero.
        for j in 0..<p where !A.contains(j) { #expect((0..<n).allSatisfy { pb.X[$0, j] == 0 }) }
    }

    @Test func solutionSatisfiesTheLassoOptimalityConditions() throws {
        // KKT: X_j'(y - Xb)/n = lambda s_j on A, |.| <= lambda off A.
        let (n, p) = (40, 10)
        let (X, y) = Self.problem(seed: 3, n: n, p: p)
        for lambda in [0.0, 0.01, 0.1, 0.5] {
            let s = try LassoSolution.fit(X: X, y: y, lambda: lambda)
            for j in 0..<p {
                let c = (0..<n).reduce(0.0) { acc, i in
                    acc + X[i, j] * (y[i] - (0..<p).reduce(0.0) { $0 + X[i, $1] * s.coefficients[$1] })
                } / Double(n)
                if let a = s.active.firstIndex(of: j) {
                    #expect(abs(c - lambda * s.signs[a]) < 1e-10)
                    #expect(s.coefficients[j] * s.signs[a] > 0)
                } else {
                    #expect(abs(c) <= lambda + 1e-10)
                    #expect(s.coefficients[j] == 0)
                }
            }
        }
    }

    @Test func choleskyDowndateEqualsFreshFactor() throws {
        // Build L for 6 columns, remove the 2nd, compare with the factor of the rest.
        let (X, _) = Self.problem(seed: 11, n: 20, p: 6)
        let G = X.data.withUnsafeBufferPointer { GramMatrix(design: $0.baseAddress!, rows: 20, columns: 6) }.values
        func factor(_ cols: [Int]) -> CholeskyFactor {
            var f = CholeskyFactor(capacity: 6)
            for (m, j) in cols.enumerated() {
                let g = cols.prefix(m).map { G[$0 * 6 + j] }
                _ = g.withUnsafeBufferPointer { f.append(gramColumn: $0.baseAddress ?? UnsafePointer(bitPattern: 8)!, squaredNorm: G[j * 6 + j], minimumPivot: 1e-7, floor: 1e-16) }
            }
            return f
        }
        var f = factor([0, 1, 2, 3, 4, 5])
        f.remove(at: 1)
        let fresh = factor([0, 2, 3, 4, 5])
        #expect(f.size == 5)
        for i in 0..<5 { for j in 0...i { #expect(abs(f[i, j] - fresh[i, j]) < 1e-12) } }
    }
}
