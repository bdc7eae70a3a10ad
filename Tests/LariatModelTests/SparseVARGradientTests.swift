import Foundation
import Testing
@testable import LariatModel

/// Finite-difference check of dL/dZ through the sparse VAR, the path a
/// training loop takes: Z -> fit at fixed lambda -> Zhat, B, c -> loss.
@Suite struct SparseVARGradientTests {
    @Test(arguments: SparseVAR.Shrinkage.allCases)
    func pullbackToTheSeriesMatchesFiniteDifferences(shrinkTo: SparseVAR.Shrinkage) throws {
        var r = LassoGradientTests.LCG(state: 2024)
        let (T, k, lag) = (40, 3, 2)
        var Z = NDArray(zeros: [T, k])
        for t in 0..<T {
            for i in 0..<k {
                let prev = t > 0 ? Z[t - 1, (i + 1) % k] : 0
                Z[t, i] = 0.6 * prev + r.next()
            }
        }
        let n = T - lag
        let Wz = NDArray(shape: [n, k], data: (0..<(n * k)).map { _ in r.next() })
        let Wb = NDArray(shape: [k, k * lag], data: (0..<(k * k * lag)).map { _ in r.next() })
        let Wc = (0..<k).map { _ in r.next() }

        for penalty in [SparseVAR.Penalty.value(0.05), .value(0)] {
            let v = try SparseVAR.fit(Z, lag: lag, penalty: penalty, shrinkTo: shrinkTo)
            func loss(_ m: SparseVAR) -> Double {
                zip(Wz.data, m.fittedValues.data).map { $0 * $1 }.reduce(0, +)
                    + zip(Wb.data, m.coefficients.data).map { $0 * $1 }.reduce(0, +)
                    + zip(Wc, m.intercept).map { $0 * $1 }.reduce(0, +)
            }
            let pb = try v.pullback(fittedGradient: Wz, coefficientGradient: Wb, interceptGradient: Wc)
            #expect(pb.traces.shape == [T, k])
            let h = 1e-6
            var worst = 0.0, scale = 0.0
            for idx in 0..<(T * k) {
                var Zp = Z, Zm = Z
                Zp.data[idx] += h; Zm.data[idx] -= h
                let vp = try SparseVAR.fit(Zp, lag: lag, penalty: penalty, shrinkTo: shrinkTo)
                let vm = try SparseVAR.fit(Zm, lag: lag, penalty: penalty, shrinkTo: shrinkTo)
                #expect(vp.activeSets.map(Set.init) == v.activeSets.map(Set.init))
                #expect(vm.activeSets.map(Set.init) == v.activeSets.map(Set.init))
                let fd = (loss(vp) - loss(vm)) / (2 * h)
                worst = max(worst, abs(fd - pb.traces.data[idx]))
                scale = max(scale, abs(fd))
            }
            #expect(worst < 1e-6 * max(1, scale), "\(penalty): worst dL/dZ error \(worst), scale \(scale)")
            if case .value(let l) = penalty, l > 0 {
                #expect(v.activeSets.contains { $0.count < k * lag }, "the penalised fit should be sparse")
                // dL/dlambda per equation, by finite differences on lambda alone.
                // Only B and Zhat depend on lambda (through each equation's b_i).
                let fd = (try loss(SparseVAR.fit(Z, lag: lag, penalty: .value(l + h), shrinkTo: shrinkTo))
                          - loss(SparseVAR.fit(Z, lag: lag, penalty: .value(l - h), shrinkTo: shrinkTo))) / (2 * h)
                #expect(abs(fd - pb.lambdas.reduce(0, +)) < 1e-5 * max(1, abs(fd)))
            }
        }
    }

    /// Shrunk toward persistence, a penalty at every equation's lambda_max
    /// leaves exactly persistence: A_1 = I, the other lags 0, and each
    /// prediction the previous value plus the mean change.
    @Test func fullPenaltyTowardPersistenceIsPersistence() throws {
        var r = LassoGradientTests.LCG(state: 7)
        let (T, k) = (60, 3)
        var Z = NDArray(zeros: [T, k])
        for t in 1..<T { for i in 0..<k { Z[t, i] = 0.9 * Z[t - 1, i] + r.next() } }
        let v = try SparseVAR.fit(Z, lag: 2, penalty: .ratio(1), shrinkTo: .persistence)
        for i in 0..<k { for j in 0..<(2 * k) { #expect(v.coefficients[i, j] == (i == j ? 1 : 0)) } }
        for i in 0..<k {
            let meanChange = (2..<T).reduce(0.0) { $0 + Z[$1, i] - Z[$1 - 1, i] } / Double(T - 2)
            for t in 2..<T { #expect(abs(v.fittedValues[t - 2, i] - (Z[t - 1, i] + meanChange)) < 1e-12) }
        }
        // Toward zero, the same penalty predicts each series' mean.
        let zero = try SparseVAR.fit(Z, lag: 2, penalty: .ratio(1))
        #expect(zero.coefficients.data.allSatisfy { $0 == 0 })
    }
}
