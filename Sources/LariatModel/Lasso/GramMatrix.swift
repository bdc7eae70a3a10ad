import Dispatch

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
        self = GramMatrix.products(design: X, target: nil, rows: n, columns: p).gram
    }

    public init(values: [Double], featureCount: Int, sampleCount: Int) {
        self.values = values
        self.featureCount = featureCount
        self.sampleCount = sampleCount
    }

    /// `X'X` and `X'y` (when `y` is given) of a row-major `n x p` design in
    /// one pass. Large enough designs are split into row halves summed on
    /// two cores: OpenBLAS does not thread a SYRK this small (1000 x 64 is
    /// 0.15 ms on one core), and a lasso path is little more than this.
    public static func products(design X: UnsafePointer<Double>, target y: UnsafePointer<Double>?,
                                rows n: Int, columns p: Int) -> (gram: GramMatrix, xy: [Double]) {
        var G = [Double](repeating: 0, count: p * p)
        var xy = [Double](repeating: 0, count: y == nil ? 0 : p)
        guard n > 0 && p > 0 else {
            return (GramMatrix(values: G, featureCount: p, sampleCount: n), xy)
        }
        // Two parts whenever the work is large, on one core too: the order
        // of the sum must not depend on the machine.
        let parts = n * p * p >= 1 << 20 ? 2 : 1
        // Part h writes G (h = 0) or its own scratch (h = 1), and a slice of xyParts.
        var scratch = [Double](repeating: 0, count: (parts - 1) * p * p)
        var xyParts = [Double](repeating: 0, count: parts * p)
        G.withUnsafeMutableBufferPointer { gb in
            scratch.withUnsafeMutableBufferPointer { sb in
                xyParts.withUnsafeMutableBufferPointer { xb in
                    let g = gb.baseAddress!, s = sb.baseAddress, xp = xb.baseAddress!
                    let work = { (h: Int) in
                        let lo = n * h / parts, hi = n * (h + 1) / parts
                        dsyrkUpperTransposed(n: p, k: hi - lo, a: X + lo * p, lda: p, beta: 0,
                                             c: h == 0 ? g : s! + (h - 1) * p * p, ldc: p)
                        if let y {
                            let out = xp + h * p
                            for r in lo..<hi {
                                let row = X + r * p, yr = y[r]
                                for j in 0..<p { out[j] += row[j] * yr }
                            }
                        }
                    }
                    Workers.perform(parts, work)
                    for h in 1..<parts {
                        let part = s! + (h - 1) * p * p
                        for i in 0..<p { for j in i..<p { g[i * p + j] += part[i * p + j] } }
                    }
                    // Mirror the upper triangle so rows are whole (LARS reads rows).
                    for i in 0..<p { for j in 0..<i { g[i * p + j] = g[j * p + i] } }
                }
            }
        }
        if y != nil {
            for h in 0..<parts { for j in 0..<p { xy[j] += xyParts[h * p + j] } }
        }
        return (GramMatrix(values: G, featureCount: p, sampleCount: n), xy)
    }
}
