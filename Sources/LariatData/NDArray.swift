/// A dense n-dimensional array of `Double` in row-major (C) order.
///
/// This is the value the language calls an array or a movie: a movie is
/// `T x H x W`, a traces matrix `T x k`. The network itself runs on the
/// float32 `Tensor`; statistics (the lasso, the VAR) stay in double.
///
/// It lives in LariatData (compiled with checks), beside the loaders that
/// return it; the accessors the numeric code calls in its loops are
/// `@inlinable`, so they compile into the caller's `-Ounchecked` code.
public struct NDArray: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Double]
    /// A 2-D array meant to be looked at (a contribution map): the language
    /// displays it as an image. Not part of equality.
    public var displaysAsImage = false

    public static func == (a: NDArray, b: NDArray) -> Bool { a.shape == b.shape && a.data == b.data }

    @inlinable public init(shape: [Int], data: [Double]) {
        precondition(shape.reduce(1, *) == data.count,
                     "NDArray: shape \(shape) holds \(shape.reduce(1, *)) values, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Double](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A matrix from rows (all rows the same length).
    public init(rows: [[Double]]) {
        let cols = rows.first?.count ?? 0
        self.init(shape: [rows.count, cols], data: rows.flatMap { $0 })
    }

    @inlinable public var rank: Int { shape.count }
    @inlinable public var count: Int { data.count }

    /// Row-major strides, in elements.
    @inlinable public var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    @inlinable public subscript(row: Int, column: Int) -> Double {
        get { data[row * shape[1] + column] }
        set { data[row * shape[1] + column] = newValue }
    }

    /// The matrix transpose (rank 2 only).
    public func transposed() -> NDArray {
        precondition(rank == 2, "transpose needs a matrix")
        let (r, c) = (shape[0], shape[1])
        var out = [Double](repeating: 0, count: count)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = data[i * c + j] } }
        return NDArray(shape: [c, r], data: out)
    }

    /// Frame `t` of a rank-3 movie as an `H x W` array.
    public func frame(_ t: Int) -> NDArray {
        precondition(rank == 3)
        let n = shape[1] * shape[2]
        return NDArray(shape: [shape[1], shape[2]], data: Array(data[t * n ..< (t + 1) * n]))
    }

    /// The mean over the first axis (e.g. the mean image of a movie).
    public func meanOverFirstAxis() -> NDArray {
        precondition(rank >= 1 && shape[0] > 0)
        let n = count / shape[0]
        var out = [Double](repeating: 0, count: n)
        for t in 0..<shape[0] { for i in 0..<n { out[i] += data[t * n + i] } }
        let inv = 1.0 / Double(shape[0])
        for i in 0..<n { out[i] *= inv }
        return NDArray(shape: Array(shape.dropFirst()), data: out)
    }
}
