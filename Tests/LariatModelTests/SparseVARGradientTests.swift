import Foundation
import Testing
@testable import LariatModel

/// Finite-difference check of dL/dZ through the sparse VAR, the path a
/// training loop takes: Z -> fit at fixed lambda -> Zhat, B, c -> loss.
@Suite struct SparseVARGradientTests {
    @Test func pullbackToTheSeriesMatchesFiniteDifferences() throws {
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
            let v = try SparseVAR.fit(Z, lag: lag, penalty: penalty)
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
                let vp = try SparseVAR.fit(Zp, lag: lag, penalty: penalty)
                let vm = try SparseVAR.fit(Zm, lag: lag, penalty: penalty)
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
                let fd = (try loss(SparseVAR.fit(Z, lag: lag, penalty: .value(l + h)))
                          - loss(SparseVAR.fit(Z, lag: lag, penalty: .value(l - h)))) / (2 * h)
                #expect(abs(fd - pb.lambdas.reduce(0, +)) < 1e-5 * max(1, abs(fd)))
            }
        }
    }
}
