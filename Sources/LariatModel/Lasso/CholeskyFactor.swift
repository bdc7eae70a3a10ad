
/// The lower Cholesky factor `L` of the active Gram matrix `G_AA = L L'`,
/// grown by one row when LARS adds a variable and shrunk by Givens
/// rotations when the lasso modification drops one, so each change costs
/// O(|A|^2) instead of a fresh O(|A|^3) factorisation.
///
/// Rows and columns follow the order of the active set as LARS built it.
/// Storage is row-major with a leading dimension that grows with the factor.
public struct CholeskyFactor: Sendable {
    /// The largest active set this factor can hold.
    public let capacity: Int
    /// The current size |A|.
    public private(set) var size: Int = 0
    /// Row stride of `storage`. It starts small and doubles as the factor
    /// grows: a VAR fit holds one factor per equation, and active sets are
    /// usually far smaller than the number of features.
    private(set) var stride: Int
    /// `L[i, j]` at `storage[i * stride + j]`, `j <= i < size`.
    var storage: [Double]
    /// `1 / L[i, i]`: the solves multiply instead of dividing, whose
    /// latency dominated them at LARS sizes.
    var reciprocals: [Double]

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        stride = min(self.capacity, 16)
        storage = [Double](repeating: 0, count: stride * stride)
        reciprocals = [Double](repeating: 0, count: stride)
    }

    public subscript(i: Int, j: Int) -> Double { storage[i * stride + j] }

    /// Makes room for `rows` rows, copying the factor to a wider stride.
    private mutating func reserve(rows: Int) {
        guard rows > stride else { return }
        let wider = min(capacity, max(rows, 2 * stride))
        var grown = [Double](repeating: 0, count: wider * wider)
        for i in 0..<size { for j in 0...i { grown[i * wider + j] = storage[i * stride + j] } }
        storage = grown
        stride = wider
        reciprocals += [Double](repeating: 0, count: wider - reciprocals.count)
    }

    /// Appends a variable whose Gram column restricted to the current active
    /// set is `g` (length `size`) and whose squared norm is `c`:
    ///
    ///     ( L  0 )
    ///     ( w' d ),   L w = g,   d = sqrt(|c - w'w|)
    ///
    /// Returns the new pivot `d` without appending when it is below
    /// `minimumPivot` (the variable is numerically in the span of the active
    /// ones), so the caller can refuse it.
    public mutating func append(gramColumn g: UnsafePointer<Double>, squaredNorm c: Double,
                                minimumPivot: Double, floor: Double) -> (pivot: Double, appended: Bool) {
        let k = size
        precondition(k < capacity, "CholeskyFactor: capacity \(capacity) exceeded")
        reserve(rows: k + 1)
        let ld = stride
        let (d, appended): (Double, Bool) = storage.withUnsafeMutableBufferPointer { L in
            let row = L.baseAddress! + k * ld
            for j in 0..<k { row[j] = g[j] }
            if k > 0 { reciprocals.withUnsafeBufferPointer { CholeskyFactor.forward(L.baseAddress!, ld, $0.baseAddress!, k, row) } }
            let v = CholeskyFactor.dot(row, row, k)
            let d = max((abs(c - v)).squareRoot(), floor)
            if d < minimumPivot {
                for j in 0..<k { row[j] = 0 }
                return (d, false)
            }
            row[k] = d
            return (d, true)
        }
        if appended {
            reciprocals[k] = 1 / d
            size = k + 1
        }
        return (d, appended)
    }

    /// Removes the variable at position `index`: deleting row `index` leaves
    /// a lower-Hessenberg block, which Givens rotations of adjacent columns
    /// return to lower-triangular form (L Q Q' L' = G, Q orthogonal).
    public mutating func remove(at index: Int) {
        let n = size
        let ld = stride
        precondition(index >= 0 && index < n)
        storage.withUnsafeMutableBufferPointer { L in
            let base = L.baseAddress!
            // Shift rows index+1..<n up by one (row i keeps i+2 entries).
            for i in index..<(n - 1) {
                let dst = base + i * ld, src = base + (i + 1) * ld
                for j in 0...(i + 1) { dst[j] = src[j] }
            }
            for i in index..<(n - 1) {
                var a = base[i * ld + i], b = base[i * ld + i + 1]
                var c = 0.0, s = 0.0
                drotg(&a, &b, &c, &s)
                if a < 0 { a = -a; c = -c; s = -s }
                base[i * ld + i] = a
                base[i * ld + i + 1] = 0
                // Rotate columns i and i+1 of the rows below.
                for r in (i + 1)..<(n - 1) {
                    let x = base[r * ld + i], y = base[r * ld + i + 1]
                    base[r * ld + i] = c * x + s * y
                    base[r * ld + i + 1] = c * y - s * x
                }
            }
            // Clear the stale last row.
            let last = base + (n - 1) * ld
            for j in 0..<n { last[j] = 0 }
            for i in index..<(n - 1) { reciprocals[i] = 1 / base[i * ld + i] }
        }
        size = n - 1
    }

    /// Solves `L L' x = b` in place (`b` has length `size`).
    public func solve(_ b: UnsafeMutablePointer<Double>) {
        forwardSolve(b)
        backwardSolve(b)
    }

    /// Solves `L x = b` in place.
    public func forwardSolve(_ b: UnsafeMutablePointer<Double>) {
        guard size > 0 else { return }
        storage.withUnsafeBufferPointer { L in
            reciprocals.withUnsafeBufferPointer { CholeskyFactor.forward(L.baseAddress!, stride, $0.baseAddress!, size, b) }
        }
    }

    /// Solves `L' x = b` in place.
    public func backwardSolve(_ b: UnsafeMutablePointer<Double>) {
        guard size > 0 else { return }
        storage.withUnsafeBufferPointer { L in
            reciprocals.withUnsafeBufferPointer { CholeskyFactor.backward(L.baseAddress!, stride, $0.baseAddress!, size, b) }
        }
    }

    /// Given `u = L^-1 b` for the first `size - 1` entries, the last entry of
    /// `L^-1 b` for the factor's newest row: forward substitution's last step,
    /// O(|A|) where a fresh solve is O(|A|^2).
    public func extendForward(_ u: UnsafeMutablePointer<Double>, last b: Double) {
        let k = size - 1
        guard k >= 0 else { return }
        storage.withUnsafeBufferPointer { L in
            u[k] = (b - CholeskyFactor.dot(L.baseAddress! + k * stride, u, k)) * reciprocals[k]
        }
    }

    // Triangular solves written out: at LARS sizes (|A| <= a few hundred)
    // BLAS call and buffer overheads cost more than the arithmetic. Both
    // loops read rows of L, which are contiguous.

    /// L x = b in place (row-oriented forward substitution).
    static func forward(_ L: UnsafePointer<Double>, _ ld: Int, _ inverse: UnsafePointer<Double>, _ k: Int,
                        _ x: UnsafeMutablePointer<Double>) {
        for i in 0..<k {
            let row = L + i * ld
            x[i] = (x[i] - dot(row, x, i)) * inverse[i]
        }
    }

    /// sum_j a[j] b[j] over four accumulators, so the loop vectorises.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= n {
            s0 += a[j] * b[j]; s1 += a[j + 1] * b[j + 1]
            s2 += a[j + 2] * b[j + 2]; s3 += a[j + 3] * b[j + 3]
            j += 4
        }
        while j < n { s0 += a[j] * b[j]; j += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// L' x = b in place (column-oriented back substitution on the rows of L).
    static func backward(_ L: UnsafePointer<Double>, _ ld: Int, _ inverse: UnsafePointer<Double>, _ k: Int,
                         _ x: UnsafeMutablePointer<Double>) {
        var i = k - 1
        while i >= 0 {
            let row = L + i * ld
            let xi = x[i] * inverse[i]
            x[i] = xi
            for j in 0..<i { x[j] -= row[j] * xi }
            i -= 1
        }
    }

    /// Solves `L L' x = b`.
    public func solve(_ b: [Double]) -> [Double] {
        var x = b
        x.withUnsafeMutableBufferPointer { solve($0.baseAddress!) }
        return x
    }

    /// The factor with `eps * 2^i` added to its diagonal, for the rare step
    /// where the equiangular solve is not finite (see LARS).
    func withDiagonalShift(_ shift: Double) -> CholeskyFactor {
        var f = self
        for i in 0..<size {
            f.storage[i * stride + i] += shift
            f.reciprocals[i] = 1 / f.storage[i * stride + i]
        }
        return f
    }
}
