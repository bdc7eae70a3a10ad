import Foundation
import LariatTestSupport
import Testing
@testable import LariatModel

/// The lasso path against scikit-learn's `lars_path(method="lasso")`, kink
/// for kink, on problems built in numpy.
@Suite struct LassoPathTests {
    /// Writes `X_<name>.npy`, `y_<name>.npy` and scikit-learn's path for each
    /// problem named in `problems` (Python expressions assigning X and y).
    static func references(_ problems: [(name: String, make: String)], alphaMin: Double = 0,
                           gram: Bool = false) throws -> URL {
        let dir = try PythonReference.temporaryDirectory()
        var script = """
        import numpy as np, warnings
        from sklearn.linear_model import lars_path, lars_path_gram
        from sklearn.datasets import load_diabetes
        warnings.simplefilter('ignore')

        """
        for (name, make) in problems {
            script += """
            \(make)
            np.save('X_\(name).npy', X); np.save('y_\(name).npy', y)
            if \(gram ? "True" : "False"):
                alphas, active, coefs = lars_path_gram(X.T @ y, X.T @ X, n_samples=X.shape[0], method='lasso', alpha_min=\(alphaMin))
            else:
                alphas, active, coefs = lars_path(X, y, method='lasso', alpha_min=\(alphaMin))
            np.save('alphas_\(name).npy', alphas); np.save('coefs_\(name).npy', np.ascontiguousarray(coefs.T))

            """
        }
        try PythonReference.run(script, in: dir)
        return dir
    }

    static let problems: [(name: String, make: String)] = [
        ("gauss", "rng = np.random.default_rng(1); X = rng.standard_normal((50, 10)); y = X @ rng.standard_normal(10) + rng.standard_normal(50)"),
        ("wide", "rng = np.random.default_rng(2); X = rng.standard_normal((20, 40)); y = rng.standard_normal(20)"),
        ("diabetes", "X, y = load_diabetes(return_X_y=True)"),
        // Three latent factors shared by twelve columns: correlations ~0.98, variables drop and return.
        ("correlated", "rng = np.random.default_rng(8); base = rng.standard_normal((60, 3)); X = base[:, rng.integers(0, 3, 12)] + 0.15 * rng.standard_normal((60, 12)); y = X @ (rng.standard_normal(12) * (rng.random(12) < 0.5)) + 0.5 * rng.standard_normal(60)"),
        ("correlated2", "rng = np.random.default_rng(11); base = rng.standard_normal((60, 3)); X = base[:, rng.integers(0, 3, 12)] + 0.15 * rng.standard_normal((60, 12)); y = X @ (rng.standard_normal(12) * (rng.random(12) < 0.5)) + 0.5 * rng.standard_normal(60)"),
        ("bench", "rng = np.random.default_rng(3); X = rng.standard_normal((1000, 64)); y = X @ (rng.standard_normal(64) * (rng.random(64) < 0.3)) + rng.standard_normal(1000)"),
    ]

    static func compare(_ dir: URL, _ name: String, alphaMin: Double = 0, gram: Bool = false) throws -> LassoPath {
        let X = try NPY.read(path: dir.appendingPathComponent("X_\(name).npy").path)
        let y = try NPY.read(path: dir.appendingPathComponent("y_\(name).npy").path).data
        let alphas = try NPY.read(path: dir.appendingPathComponent("alphas_\(name).npy").path).data
        let coefs = try NPY.read(path: dir.appendingPathComponent("coefs_\(name).npy").path)
        let path: LassoPath
        if gram {
            let (n, p) = (X.shape[0], X.shape[1])
            let G = X.data.withUnsafeBufferPointer { GramMatrix(design: $0.baseAddress!, rows: n, columns: p) }
            let xy = (0..<p).map { j in (0..<n).reduce(0.0) { $0 + X[$1, j] * y[$1] } }
            path = try LassoPath.compute(gram: G, xy: xy, lambdaMin: alphaMin)
        } else {
            path = try LassoPath.compute(X: X, y: y, lambdaMin: alphaMin)
        }
        #expect(path.lambdas.count == alphas.count, "\(name): \(path.lambdas.count) kinks, scikit-learn \(alphas.count)")
        guard path.lambdas.count == alphas.count else { return path }
        let scale = max(1, coefs.data.map(abs).max() ?? 1)
        let lambdaError = zip(path.lambdas, alphas).map { abs($0 - $1) }.max() ?? 0
        let coefError = zip(path.coefficients.data, coefs.data).map { abs($0 - $1) }.max() ?? 0
        #expect(lambdaError <= 1e-8 * max(1, alphas[0]), "\(name): lambda error \(lambdaError)")
        #expect(coefError <= 1e-8 * scale, "\(name): coefficient error \(coefError) (scale \(scale))")
        #expect(path.coefficients.shape == coefs.shape)
        return path
    }

    @Test func fullPathMatchesScikitLearn() throws {
        let dir = try Self.references(Self.problems)
        for (name, _) in Self.problems {
            let path = try Self.compare(dir, name)
            // The first point is all zero at lambda_max.
            #expect(path.coefficients.data.prefix(path.coefficients.shape[1]).allSatisfy { $0 == 0 })
            #expect(zip(path.lambdas, path.lambdas.dropFirst()).allSatisfy { $0 >= $1 }, "\(name): lambdas decrease")
        }
    }

    @Test func correlatedColumnsDropVariables() throws {
        let dir = try Self.references(Self.problems.filter { $0.name.hasPrefix("correlated") || $0.name == "diabetes" })
        for name in ["correlated", "correlated2", "diabetes"] {
            let path = try Self.compare(dir, name)
            // More kinks than features + 1 means some variable left the active set.
            #expect(path.lambdas.count > path.coefficients.shape[1] + 1, "\(name) should drop a variable")
            #expect(zip(path.activeCounts, path.activeCounts.dropFirst()).contains { $1 < $0 + 1 && $1 <= $0 })
        }
    }

    @Test func earlyStopInterpolatesLikeScikitLearn() throws {
        for alphaMin in [0.05, 0.3] {
            let dir = try Self.references(Array(Self.problems.prefix(2)) + [Self.problems[3]], alphaMin: alphaMin)
            for name in ["gauss", "wide", "correlated"] {
                let path = try Self.compare(dir, name, alphaMin: alphaMin)
                #expect(path.lambdas.last == alphaMin || path.lambdas.count == 1)
            }
        }
    }

    @Test func gramVariantMatchesLarsPathGram() throws {
        let chosen = [Self.problems[0], Self.problems[3], Self.problems[2]]
        let dir = try Self.references(chosen, gram: true)
        for (name, _) in chosen { _ = try Self.compare(dir, name, gram: true) }
    }

    @Test func pathEndsAtLeastSquares() throws {
        // n > p and full rank: the last kink (lambda = 0) is OLS; checked by
        // the normal equations X'(y - Xb) = 0.
        var rng = SystemRandomNumberGenerator()
        let (n, p) = (40, 6)
        let X = NDArray(shape: [n, p], data: (0..<(n * p)).map { _ in Double.random(in: -1...1, using: &rng) })
        let y = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        let path = try LassoPath.compute(X: X, y: y)
        #expect(path.lambdas.last == 0)
        #expect(Self.normalEquationResidual(X, y, Array(path.coefficients.data.suffix(p))) < 1e-9)
    }

    @Test func collinearAndConstantColumnsWarnWithoutNaN() throws {
        let n = 30
        var rng = SystemRandomNumberGenerator()
        // Columns: a, b, a (duplicate), 0 (constant zero), a + b (in the span).
        // Which of a tie enters is rounding, so try many draws.
        for seed in 0..<100 {
            var r = LassoGradientTests.LCG(state: UInt64(seed))
            let a = (0..<n).map { _ in r.next() }
            let b = (0..<n).map { _ in r.next() }
            let X = NDArray(shape: [n, 5], data: (0..<n).flatMap { [a[$0], b[$0], a[$0], 0, a[$0] + b[$0]] })
            let y = (0..<n).map { 2 * a[$0] - b[$0] + 0.1 * r.next() }
            let path = try LassoPath.compute(X: X, y: y)
            #expect(path.coefficients.data.allSatisfy { $0.isFinite })
            #expect(path.lambdas.allSatisfy { $0.isFinite })
            // The constant zero column never enters.
            #expect((0..<path.lambdas.count).allSatisfy { path.coefficients[$0, 3] == 0 })
            // A refused variable does not end the path: its end point still
            // solves the normal equations X'(y - Xb) = 0.
            let end = Array(path.coefficients.data.suffix(5))
            #expect(Self.normalEquationResidual(X, y, end) < 1e-8, "seed \(seed): \(path.warnings)")
        }
        // Least squares on a wide design (rank 10, 20 columns) stops once the
        // residual is gone, with no more variables than the rank.
        let wide = NDArray(shape: [10, 20], data: (0..<200).map { _ in Double.random(in: -1...1, using: &rng) })
        let yw = (0..<10).map { _ in Double.random(in: -1...1, using: &rng) }
        let s = try LassoSolution.fit(X: wide, y: yw, lambda: 0)
        #expect(s.coefficients.allSatisfy { $0.isFinite })
        #expect(s.active.count <= 10)
        // An exact duplicate tied with the entering variable (which wins the
        // tie is rounding) is refused with a warning, never a NaN.
        var warned = 0
        var r = LassoGradientTests.LCG(state: 17)
        for _ in 0..<20 {
            let (a, b, c) = ((0..<n).map { _ in r.next() }, (0..<n).map { _ in r.next() }, (0..<n).map { _ in r.next() })
            let D = NDArray(shape: [n, 4], data: (0..<n).flatMap { [a[$0], a[$0], b[$0], c[$0]] })
            let yd = (0..<n).map { a[$0] + 0.7 * b[$0] - 0.4 * c[$0] }
            let pd = try LassoPath.compute(X: D, y: yd)
            #expect(pd.coefficients.data.allSatisfy { $0.isFinite })
            let bothEnter = (0..<pd.lambdas.count).contains { pd.coefficients[$0, 0] != 0 && pd.coefficients[$0, 1] != 0 }
            #expect(!bothEnter)
            if pd.warnings.contains(where: { $0.contains("collinear") }) { warned += 1 }
        }
        #expect(warned > 0)
        let fitted = Self.product(wide, s.coefficients)
        #expect(zip(yw, fitted).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    /// X b.
    static func product(_ X: NDArray, _ b: [Double]) -> [Double] {
        let (n, p) = (X.shape[0], X.shape[1])
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { for j in 0..<p { out[i] += X[i, j] * b[j] } }
        return out
    }

    /// max_j |X_j'(y - X b)|.
    static func normalEquationResidual(_ X: NDArray, _ y: [Double], _ b: [Double]) -> Double {
        let Xb = product(X, b)
        var worst = 0.0
        for j in 0..<X.shape[1] {
            var g = 0.0
            for i in 0..<X.shape[0] { g += X[i, j] * (y[i] - Xb[i]) }
            worst = max(worst, abs(g))
        }
        return worst
    }

    @Test func badInputNamesTheArgument() throws {
        let X = NDArray(shape: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8])
        func argument(_ f: () throws -> Void) -> String? {
            do { try f(); return nil } catch let e as LassoInputError { return e.argument } catch { return "other" }
        }
        #expect(argument { _ = try LassoPath.compute(X: X, y: [1, 2, 3]) } == "y")
        #expect(argument { _ = try LassoPath.compute(X: NDArray(shape: [0, 2], data: []), y: []) } == "X")
        #expect(argument { _ = try LassoPath.compute(X: NDArray(shape: [8], data: X.data), y: [1, 2, 3, 4]) } == "X")
        var bad = X; bad[2, 1] = .nan
        #expect(argument { _ = try LassoPath.compute(X: bad, y: [1, 2, 3, 4]) } == "X")
        #expect(argument { _ = try LassoPath.compute(X: X, y: [1, .infinity, 3, 4]) } == "y")
        #expect(argument { _ = try LassoPath.compute(X: X, y: [1, 2, 3, 4], lambdaMin: -1) } == "lambdaMin")
        #expect(argument { _ = try LassoSolution.fit(X: X, y: [1, 2, 3, 4], lambda: .nan) } == "lambda")
        do { _ = try LassoPath.compute(X: bad, y: [1, 2, 3, 4]) } catch let e as LassoInputError {
            #expect(e.description.contains("[2, 1]"))
        }
    }
}
