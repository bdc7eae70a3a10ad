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
