
/// The Gram matrix `G = X'X` (full and symmetric, `p x p` row-major) and
/// `X'y` of a row-major `n x p` design, computed once so that many lasso
/// fits (one per VAR equation) can share it.
public struct GramMatrix: Sendable {
    public let featureCount: Int
    public let sampleCount: Int
    /// `X'X`, row-major `p x p`.
    public var values: [Double]

    /// `X'X` of a row-major `n x p` buffer.
    public init(design X: UnsafePointer<Double>, rows n: Int, columns p: Int) {
        featureCount = p
        sampleCount = n
        var G = [Double](repeating: 0, count: p * p)
        if n > 0 && p > 0 {
            G.withUnsafeMutableBufferPointer { g in
                dsyrkUpperTransposed(n: p, k: n, a: X, lda: p, beta: 0, c: g.baseAddress!, ldc: p)
                // Mirror the upper triangle so rows are whole (LARS reads rows).
                for i in 0..<p { for j in 0..<i { g[i * p + j] = g[j * p + i] } }
            }
        }
        values = G
    }

    public init(values: [Double], featureCount: Int, sampleCount: Int) {
        self.values = values
        self.featureCount = featureCount
        self.sampleCount = sampleCount
    }

    /// `X'Y` for a row-major `n x p` design and `n x m` targets: `p x m`.
    public static func crossProduct(design X: UnsafePointer<Double>, targets Y: UnsafePointer<Double>,
                                    rows n: Int, columns p: Int, targetColumns m: Int) -> [Double] {
        var out = [Double](repeating: 0, count: p * m)
        guard n > 0 && p > 0 && m > 0 else { return out }
        out.withUnsafeMutableBufferPointer { o in
            dgemm(transA: true, transB: false, m: p, n: m, k: n,
                  a: X, lda: p, b: Y, ldb: m, beta: 0, c: o.baseAddress!, ldc: m)
        }
        return out
    }
}
