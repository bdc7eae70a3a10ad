/// A dense float32 array in row-major order: the value the network computes on.
///
/// Image batches are 4-D and **channels-last**: `N x H x W x C` (NHWC). For a
/// one-channel movie this is the same memory as `N x 1 x H x W` (NCHW). We
/// keep channels last because then an im2col row is a run of contiguous
/// channel vectors and every convolution GEMM reads and writes activations
/// in place, with no NCHW <-> CNHW transposes around each layer.
/// Statistics (the lasso, the VAR) stay in `Double` (`NDArray`).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor: shape \(shape) holds \(shape.reduce(1, *)) values, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    /// A tensor whose every value the caller writes before reading any
    /// (GEMM outputs, im2col buffers): skips zero-filling tens of megabytes
    /// per layer and step.
    init(overwritten shape: [Int]) {
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, count in count = shape.reduce(1, *) }
    }

    public init(shape: [Int], repeating value: Float) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// Converts a double array (e.g. a `T x H x W` movie) to float32, keeping its shape.
    public init(_ array: NDArray) {
        self.init(shape: array.shape, data: array.data.map { Float($0) })
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Converts to a double array with the same shape.
    public func toNDArray() -> NDArray {
        NDArray(shape: shape, data: data.map { Double($0) })
    }

    /// Frames `range` of a tensor whose first axis is the batch.
    public func frames(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "Tensor.frames: \(range) outside 0..<\(shape.first ?? 0)")
        let per = shape[0] == 0 ? 0 : count / shape[0]
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, data: Array(data[range.lowerBound * per ..< range.upperBound * per]))
    }

    /// `true` when every value is finite (no NaN, no infinity).
    public var isFinite: Bool {
        data.withUnsafeBufferPointer { p in
            // A sum of |x|*0 is NaN exactly when some x is NaN or infinite,
            // and vectorises where a branchy loop would not.
            var acc: Float = 0
            for v in p { acc += v * 0 }
            return acc == 0
        }
    }

    /// The sum of squares, accumulated in double (sequentially: deterministic).
    public var sumOfSquares: Double {
        data.withUnsafeBufferPointer { p in
            var acc = 0.0
            for v in p { acc += Double(v) * Double(v) }
            return acc
        }
    }
}

/// Runs `body` with the values' base address, or with nil for no array
/// (kernels take optional inputs such as a bias or a ReLU mask as pointers).
func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    guard let values else { return try body(nil) }
    return try values.withUnsafeBufferPointer { try body($0.baseAddress) }
}

/// Runs `body` with the tensor's mutable base address, or with nil when
/// there is no tensor (an input gradient that was not asked for).
func withOptionalMutablePointer<R>(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
    guard tensor != nil else { return try body(nil) }
    return try tensor!.data.withUnsafeMutableBufferPointer { try body($0.baseAddress) }
}
