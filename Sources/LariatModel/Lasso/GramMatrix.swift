import COpenBLAS

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
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(n),
                            1, X, Int32(p), 0, g.baseAddress!, Int32(p))
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
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(p), Int32(m), Int32(n),
                        1, X, Int32(p), Y, Int32(m), 0, o.baseAddress!, Int32(m))
        }
        return out
    }
}
