import Foundation
import LariatTestSupport
import Testing
@testable import LariatModel

/// The sparse VAR against statsmodels (lambda = 0) and scikit-learn's
/// lars_path on the centred lagged design (lambda > 0).
@Suite struct SparseVARTests {
    /// A stable VAR(2) in 4 series, simulated in numpy; writes Z.npy.
    static let simulate = """
    import numpy as np, warnings
    warnings.simplefilter('ignore')
    rng = np.random.default_rng(5)
    k, T = 4, 300
    A1 = np.diag([0.5, 0.3, -0.2, 0.4]); A1[0, 2] = 0.3; A1[3, 1] = -0.25
    A2 = np.zeros((k, k)); A2[1, 0] = 0.2; A2[2, 3] = 0.15
    Z = np.zeros((T, k)); Z[:2] = rng.standard_normal((2, k))
    for t in range(2, T):
        Z[t] = 0.3 + A1 @ Z[t-1] + A2 @ Z[t-2] + rng.standard_normal(k)
    np.save('Z.npy', Z)

    """

    static func load(_ dir: URL, _ name: String) throws -> NDArray {
        try NPY.read(path: dir.appendingPathComponent(name).path)
    }

    static func maxError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func lambdaZeroIsStatsmodelsVAR() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(Self.simulate + """
        from statsmodels.tsa.api import VAR
        for p in (1, 2, 3):
            res = VAR(Z).fit(p)
            np.save(f'coef{p}.npy', np.hstack(list(res.coefs)))
            np.save(f'intercept{p}.npy', res.intercept)
            np.save(f'resid{p}.npy', res.resid)
        """, in: dir)
        let Z = try Self.load(dir, "Z.npy")
        for p in 1...3 {
            let v = try SparseVAR.fit(Z, lag: p, penalty: .value(0))
            let coef = try Self.load(dir, "coef\(p).npy")
            #expect(v.coefficients.shape == coef.shape)
            #expect(Self.maxError(v.coefficients.data, coef.data) < 1e-8, "lag \(p)")
            #expect(Self.maxError(v.intercept, try Self.load(dir, "intercept\(p).npy").data) < 1e-8, "lag \(p)")
            #expect(Self.maxError(v.residuals.data, try Self.load(dir, "resid\(p).npy").data) < 1e-8, "lag \(p)")
            #expect(v.activeSets.allSatisfy { $0.count == 4 * p })
        }
    }

    @Test func penalisedEquationsMatchLarsPathOnCentredDesign() throws {
        let dir = try PythonReference.temporaryDirectory()
        let lambda = 0.08
        try PythonReference.run(Self.simulate + """
        from sklearn.linear_model import lars_path
        p = 2
        X = np.hstack([Z[p - l:len(Z) - l] for l in range(1, p + 1)]); Y = Z[p:]
        xbar, ybar = X.mean(0), Y.mean(0)
        Xc, Yc = X - xbar, Y - ybar
        B = np.vstack([lars_path(Xc, Yc[:, i], method='lasso', alpha_min=\(lambda))[2][:, -1] for i in range(Z.shape[1])])
        np.save('B.npy', B); np.save('c.npy', ybar - B @ xbar)
        """, in: dir)
        let Z = try Self.load(dir, "Z.npy")
        let v = try SparseVAR.fit(Z, lag: 2, penalty: .value(lambda))
        let B = try Self.load(dir, "B.npy")
        #expect(Self.maxError(v.coefficients.data, B.data) < 1e-8)
        #expect(Self.maxError(v.intercept, try Self.load(dir, "c.npy").data) < 1e-8)
        #expect(v.lambdas == [Double](repeating: lambda, count: 4))
        // Sparse: some coefficients are exactly zero, exactly those off the active sets.
        for i in 0..<4 {
            let row = (0..<8).map { v.coefficients[i, $0] }
            #expect(Set(v.activeSets[i]) == Set((0..<8).filter { row[$0] != 0 }))
        }
        #expect(v.activeSets.map(\.count).reduce(0, +) < 32)
        // Fitted values plus residuals give back the targets.
        for r in 0..<(Z.shape[0] - 2) {
            for i in 0..<4 { #expect(abs(v.fittedValues[r, i] + v.residuals[r, i] - Z[r + 2, i]) < 1e-12) }
        }
    }

    @Test func lambdaRatioScalesEachEquationsLambdaMax() throws {
        var rng = SystemRandomNumberGenerator()
        let Z = NDArray(shape: [80, 3], data: (0..<240).map { _ in Double.random(in: -1...1, using: &rng) })
        let full = try SparseVAR.fit(Z, lag: 1, penalty: .ratio(1))
        #expect(full.coefficients.data.allSatisfy { $0 == 0 })
        #expect(full.activeSets.allSatisfy { $0.isEmpty })
        let half = try SparseVAR.fit(Z, lag: 1, penalty: .ratio(0.5))
        for i in 0..<3 { #expect(abs(half.lambdas[i] - 0.5 * half.lambdaMax[i]) < 1e-15) }
        let byValue = try SparseVAR.fit(Z, lag: 1, penalty: .value(half.lambdas[0]))
        #expect((0..<3).allSatisfy { byValue.coefficients[0, $0] == half.coefficients[0, $0] })
    }

    @Test func informationCriteriaPickTheBestKink() throws {
        let dir = try PythonReference.temporaryDirectory()
        // Independent reference: scikit-learn's path, the criterion at each kink
        // with df = number of nonzero coefficients.
        try PythonReference.run(Self.simulate + """
        from sklearn.linear_model import lars_path
        p = 2
        X = np.hstack([Z[p - l:len(Z) - l] for l in range(1, p + 1)]); Y = Z[p:]
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        n = len(Yc)
        out = {}
        for name, c in (('aic', 2.0), ('bic', np.log(n))):
            lams = []
            for i in range(Z.shape[1]):
                alphas, _, coefs = lars_path(Xc, Yc[:, i], method='lasso')
                rss = ((Yc[:, i][:, None] - Xc @ coefs) ** 2).sum(0)
                df = (np.abs(coefs) > 1e-10).sum(0)
                lams.append(alphas[np.argmin(n * np.log(rss / n) + c * df)])
            np.save(f'{name}.npy', np.array(lams))
        """, in: dir)
        let Z = try Self.load(dir, "Z.npy")
        for ic in InformationCriterion.allCases {
            let v = try SparseVAR.fit(Z, lag: 2, penalty: .criterion(ic))
            let ref = try Self.load(dir, "\(ic.rawValue).npy").data
            #expect(Self.maxError(v.lambdas, ref) < 1e-9, "\(ic): \(v.lambdas) vs \(ref)")
        }
        let aic = try SparseVAR.fit(Z, lag: 2, penalty: .criterion(.aic))
        let bic = try SparseVAR.fit(Z, lag: 2, penalty: .criterion(.bic))
        // BIC penalises size harder: never a larger model.
        #expect(zip(aic.activeSets, bic.activeSets).allSatisfy { $0.count >= $1.count })
    }

    @Test func badInputNamesTheArgument() throws {
        let Z = NDArray(shape: [10, 2], data: (0..<20).map { sin(Double($0)) })
        func argument(_ f: () throws -> Void) -> String? {
            do { try f(); return nil } catch let e as LassoInputError { return e.argument } catch { return "other" }
        }
        #expect(argument { _ = try SparseVAR.fit(Z, lag: 2, penalty: .value(0.1)) } == nil)
        #expect(argument { _ = try SparseVAR.fit(NDArray(shape: [0, 2], data: []), lag: 1, penalty: .value(0)) } == "traces")
        #expect(argument { _ = try SparseVAR.fit(NDArray(shape: [20], data: Array(Z.data)), lag: 1, penalty: .value(0)) } == "traces")
        #expect(argument { _ = try SparseVAR.fit(Z, lag: 9, penalty: .value(0)) } == "traces")
        #expect(argument { _ = try SparseVAR.fit(Z, lag: 0, penalty: .value(0)) } == "lag")
        #expect(argument { _ = try SparseVAR.fit(Z, lag: 1, penalty: .value(-1)) } == "lambda")
        #expect(argument { _ = try SparseVAR.fit(Z, lag: 1, penalty: .ratio(1.5)) } == "lambda_ratio")
        var bad = Z; bad[3, 1] = .nan
        #expect(argument { _ = try SparseVAR.fit(bad, lag: 1, penalty: .value(0)) } == "traces")
        let v = try SparseVAR.fit(Z, lag: 2, penalty: .value(0.01))
        #expect(argument { _ = try v.pullback(fittedGradient: NDArray(zeros: [10, 2])) } == "fittedGradient")
        #expect(argument { _ = try v.pullback(coefficientGradient: NDArray(zeros: [2, 2])) } == "coefficientGradient")
        #expect(argument { _ = try v.pullback(interceptGradient: [1]) } == "interceptGradient")
    }

    @Test func constantSeriesWarnsWithoutNaN() throws {
        // Series 1 is constant: its lagged columns centre to zero.
        let Z = NDArray(shape: [50, 2], data: (0..<100).map { $0 % 2 == 1 ? 3.0 : sin(Double($0) * 0.37) })
        let v = try SparseVAR.fit(Z, lag: 1, penalty: .value(0))
        #expect(v.coefficients.data.allSatisfy { $0.isFinite })
        #expect(v.intercept.allSatisfy { $0.isFinite })
        #expect(v.coefficients[0, 1] == 0 && v.coefficients[1, 1] == 0)
    }
}
