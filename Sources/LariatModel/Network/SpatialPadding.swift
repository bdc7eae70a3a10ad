/// Zero-pads channels-last frames `N x H x W x C` to `N x height x width x C`,
/// placing the input at row `top`, column `left`. Its adjoint is `cropSpatial`.
func padSpatial(_ x: Tensor, height: Int, width: Int, top: Int, left: Int) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width, "padSpatial: does not fit")
    if h == height && w == width { return x }
    var y = Tensor(zeros: [n, height, width, c])
    for f in 0..<n { for i in 0..<h {
        let src = ((f * h + i) * w) * c, dst = ((f * height + top + i) * width + left) * c
        y.data.replaceSubrange(dst..<(dst + w * c), with: x.data[src..<(src + w * c)])
    }}
    return y
}

/// The `height x width` window at (`top`, `left`) of channels-last frames;
/// the adjoint of `padSpatial`.
func cropSpatial(_ x: Tensor, height: Int, width: Int, top: Int, left: Int) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    precondition(top >= 0 && left >= 0 && top + height <= h && left + width <= w, "cropSpatial: window outside")
    if h == height && w == width { return x }
    var y = Tensor(zeros: [n, height, width, c])
    for f in 0..<n { for i in 0..<height {
        let src = ((f * h + top + i) * w + left) * c, dst = ((f * height + i) * width) * c
        y.data.replaceSubrange(dst..<(dst + width * c), with: x.data[src..<(src + width * c)])
    }}
    return y
}

/// `padSpatial` as a layer: frames placed at (`top`, `left`) in a zero
/// `height x width` canvas. Its pullback crops.
public final class SpatialPad: Layer {
    public let height: Int, width: Int, top: Int, left: Int
    public init(height: Int, width: Int, top: Int, left: Int) {
        self.height = height; self.width = width; self.top = top; self.left = left
    }
    public var parameters: [Parameter] { [] }
    public func outputShape(_ input: [Int]) -> [Int] { [input[0], height, width, input[3]] }
    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        let (h, w) = (x.shape[1], x.shape[2])
        return (padSpatial(x, height: height, width: width, top: top, left: left),
                { dy, _ in cropSpatial(dy, height: h, width: w, top: self.top, left: self.left) })
    }
}

/// `cropSpatial` as a layer: the `height x width` window at (`top`, `left`).
/// Its pullback pads with zeros.
public final class SpatialCrop: Layer {
    public let height: Int, width: Int, top: Int, left: Int
    public init(height: Int, width: Int, top: Int, left: Int) {
        self.height = height; self.width = width; self.top = top; self.left = left
    }
    public var parameters: [Parameter] { [] }
    public func outputShape(_ input: [Int]) -> [Int] { [input[0], height, width, input[3]] }
    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        let (h, w) = (x.shape[1], x.shape[2])
        return (cropSpatial(x, height: height, width: width, top: top, left: left),
                { dy, _ in padSpatial(dy, height: h, width: w, top: self.top, left: self.left) })
    }
}

/// Each sample's values under a new shape (`[N] + shape`); the pullback restores the old one.
public final class Reshape: Layer {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public var parameters: [Parameter] { [] }
    public func outputShape(_ input: [Int]) -> [Int] {
        precondition(input.dropFirst().reduce(1, *) == shape.reduce(1, *), "Reshape: \(input) cannot become [N] + \(shape)")
        return [input[0]] + shape
    }
    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        let old = x.shape
        return (x.reshaped(outputShape(old)), { dy, _ in dy.reshaped(old) })
    }
}
