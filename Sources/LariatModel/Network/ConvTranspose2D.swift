/// A 2-D transposed convolution over channels-last frames (PyTorch's
/// `ConvTranspose2d`): the adjoint of a `Conv2D` from `Cout` to `Cin`
/// channels with the same kernel, stride and padding, plus a bias:
///
///     y[n, iy, ix, co] = b[co] + sum x[n, oy, ox, ci] * W[ci, (ky*k + kx)*Cout + co]
///                        over all (oy, ox, ky, kx) with oy*s - p + ky = iy, ox*s - p + kx = ix
///
/// `x` is `N x H x W x Cin`, `y` is `N x Ho x Wo x Cout` with
/// `Ho = (H - 1)*s - 2p + k + outputPadding`. The decoder's geometry
/// (k3, s2, p1, op1) runs directly on AVX-512 vectors when both channel
/// counts are 16 or 32 (`StrideTwoConvolution`), otherwise as four
/// sub-pixel phases of one GEMM (`SubPixelTransposedConvolution`); any
/// other geometry as one sgemm (`col = x * W`) and col2im per chunk of frames. The weight is
/// `Cin x (k*k*Cout)` in (ky, kx, co) order (PyTorch stores `Cin x Cout x k x k`).
public final class ConvTranspose2D {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, outputPadding: Int = 0, bias: Bool = true, activation: Activation = .identity,
                kernels: KernelChoice = .all, tiles: RegisterTiles = .detected, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "ConvTranspose2D \(name): bad configuration")
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D \(name): output padding must be below the stride")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        self.activation = activation; self.kernels = kernels
        self.tiles = tiles; strideTwoTiles = StrideTwoConvolution.kernels(for: tiles)
        let fanIn = outChannels * kernel * kernel   // as PyTorch computes it for transposed convolutions
        weight = Parameter(name: name + ".weight",
                           value: kaimingUniform(shape: [inChannels, kernel * kernel * outChannels], fanIn: fanIn, using: &rng))
        self.bias = bias ? Parameter(name: name + ".bias", value: kaimingUniform(shape: [outChannels], fanIn: fanIn, using: &rng)) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The nonlinearity after the convolution (a rectifier is fused into the kernels).
    public let activation: Activation
    /// The fast paths this layer may take (`.generic`: sgemm + col2im only).
    public var kernels: KernelChoice
    /// The register tiles of its fast paths (the running CPU's unless a test forces one).
    public let tiles: RegisterTiles
    /// The stride-2 kernels for `tiles`, looked up once.
    let strideTwoTiles: any StrideTwoTiles.Type

    var usesSubPixel: Bool {
        kernels.contains(.subPixel) && SubPixelTransposedConvolution.applies(kernel: kernel, stride: stride, padding: padding,
                                                                outputPadding: outputPadding)
    }

    func usesStrideTwo(_ shape: [Int]) -> Bool {
        kernels.contains(.strideTwo) && outputPadding == 1
            && StrideTwoConvolution.applies(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels,
                                            outChannels: outChannels, highHeight: 2 * shape[1], highWidth: 2 * shape[2])
    }

    func strideTwoShape(_ shape: [Int]) -> StrideTwoConvolution.Shape {
        .init(frames: shape[0], height: shape[1], width: shape[2])
    }

    func subPixelShape(_ shape: [Int]) -> SubPixelTransposedConvolution.Shape {
        .init(frames: shape[0], height: shape[1], width: shape[2], inChannels: inChannels, outChannels: outChannels)
    }

    /// The geometry of the adjoint convolution, which maps the output size back to the input size.
    func geometry(_ shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[3] == inChannels,
                     "ConvTranspose2D: expected N x H x W x \(inChannels), got \(shape)")
        let oh = (shape[1] - 1) * stride - 2 * padding + kernel + outputPadding
        let ow = (shape[2] - 1) * stride - 2 * padding + kernel + outputPadding
        precondition(oh > 0 && ow > 0, "ConvTranspose2D: empty output for input \(shape)")
        let g = ConvGeometry(height: oh, width: ow, channels: outChannels, kernel: kernel, stride: stride, padding: padding)
        assert(g.outputHeight == shape[1] && g.outputWidth == shape[2])
        return g
    }

    public func outputShape(_ shape: [Int]) -> [Int] {
        let g = geometry(shape)
        return [shape[0], g.height, g.width, outChannels]
    }

    /// Multiply-adds of one forward pass over `shape`.
    public func multiplyAdds(input shape: [Int]) -> Int {
        shape[0] * shape[1] * shape[2] * inChannels * kernel * kernel * outChannels
    }

    /// `y = convT(x)`, see the type's formula; `ReLU(convT(x))` when
    /// `rectified` (fused into the sub-pixel path's output pass).
    public func forward(_ x: Tensor, rectified: Bool = false) -> Tensor {
        let g = geometry(x.shape)
        let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cin = inChannels, cout = outChannels
        if usesStrideTwo(x.shape) {
            var y = Tensor(overwritten: [n, g.height, g.width, cout])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            weight.value.data.withUnsafeBufferPointer { wp in
            withOptionalPointer(bias?.value.data) { bp in
                StrideTwoConvolution.transposed(xp.baseAddress!, strideTwoShape(x.shape), inChannels: cin, outChannels: cout,
                                                weight: wp.baseAddress!, bias: bp, rectify: rectified, tiles: strideTwoTiles,
                                                into: yp.baseAddress!)
            }}}}
            return y
        }
        if usesSubPixel {
            var y = Tensor(overwritten: [n, g.height, g.width, cout])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            weight.value.data.withUnsafeBufferPointer { wp in
                SubPixelTransposedConvolution.forward(xp.baseAddress!, subPixelShape(x.shape), weight: wp.baseAddress!,
                                                      bias: bias?.value.data, rectify: rectified, into: yp.baseAddress!)
            }}}
            return y
        }
        var y = Tensor(zeros: [n, g.height, g.width, cout])
        if let b = bias?.value.data {
            y.data.withUnsafeMutableBufferPointer { yp in
                for r in 0..<(yp.count / cout) { for c in 0..<cout { yp[r * cout + c] = b[c] } }
            }
        }
        let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
        var col = Tensor(overwritten: [chunk * rows * length]).data   // written whole by the GEMM or im2col
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        col.withUnsafeMutableBufferPointer { cp in
        weight.value.data.withUnsafeBufferPointer { wp in
            for start in Swift.stride(from: 0, to: n, by: chunk) {
                let frames = start..<min(n, start + chunk)
                // col[rows, k*k*Cout] = X[rows, Cin] * W[Cin, k*k*Cout], then scatter-add.
                sgemm(m: frames.count * rows, n: length, k: cin, a: xp.baseAddress! + start * rows * cin, lda: cin,
                      b: wp.baseAddress!, ldb: length, beta: 0, c: cp.baseAddress!, ldc: length)
                col2im(cp.baseAddress!, g, frames: frames, into: yp.baseAddress!)
            }
        }}}}
        if rectified { ReLU.forwardInPlace(&y) }
        return y
    }

    /// Given `dy = dL/dy`, adds `dL/dW`, `dL/db` to the gradients and
    /// returns `dL/dx` (nil when not wanted). For a `rectified` forward,
    /// pass its output as `rectifiedOutput` and `dy` as the gradient after the ReLU.
    @discardableResult
    public func backward(_ dy: Tensor, input x: Tensor, rectifiedOutput: Tensor? = nil, inputGradient: Bool = true) -> Tensor? {
        let g = geometry(x.shape)
        let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cin = inChannels
        precondition(dy.shape == [n, g.height, g.width, outChannels], "ConvTranspose2D.backward: dy has shape \(dy.shape)")
        precondition(rectifiedOutput.map { $0.shape == dy.shape } ?? true, "ConvTranspose2D.backward: output and dy differ in shape")
        if usesStrideTwo(x.shape) {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // written whole
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            weight.value.data.withUnsafeBufferPointer { wp in
            weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            withOptionalMutablePointer(&dx) { dxp in
                StrideTwoConvolution.transposedBackward(dyp.baseAddress!, input: xp.baseAddress!, strideTwoShape(x.shape),
                                                        inChannels: inChannels, outChannels: outChannels, weight: wp.baseAddress!,
                                                        rectifiedOutput: mask, weightGradient: dwp.baseAddress!, inputGradient: dxp,
                                                        tiles: strideTwoTiles)
            }}}}}}
            if let bias { for c in 0..<outChannels { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
        if usesSubPixel {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // written whole
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            weight.value.data.withUnsafeBufferPointer { wp in
            weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            withOptionalMutablePointer(&dx) { dxp in
                SubPixelTransposedConvolution.backward(dyp.baseAddress!, input: xp.baseAddress!, subPixelShape(x.shape),
                                                       weight: wp.baseAddress!, rectifiedOutput: mask,
                                                       weightGradient: dwp.baseAddress!, inputGradient: dxp)
            }}}}}}
            if let bias { for c in 0..<outChannels { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
        let dy = rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy
        // Each chunk's rows of dx are written whole by its GEMM (beta 0).
        var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil
        let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
        var col = Tensor(overwritten: [chunk * rows * length]).data   // written whole by the GEMM or im2col
        x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        col.withUnsafeMutableBufferPointer { cp in
        weight.value.data.withUnsafeBufferPointer { wp in
        weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            for start in Swift.stride(from: 0, to: n, by: chunk) {
                let frames = start..<min(n, start + chunk)
                let m = frames.count * rows
                let xChunk = xp.baseAddress! + start * rows * cin
                im2col(dyp.baseAddress!, g, frames: frames, into: cp.baseAddress!)
                // dW[Cin, k*k*Cout] += X^T * dcol
                sgemm(transA: true, m: cin, n: length, k: m, a: xChunk, lda: cin,
                      b: cp.baseAddress!, ldb: length, beta: 1, c: dwp.baseAddress!, ldc: length)
                if dx != nil {
                    // dX[rows, Cin] = dcol * W^T
                    dx!.data.withUnsafeMutableBufferPointer { dxp in
                        sgemm(transB: true, m: m, n: cin, k: length, a: cp.baseAddress!, lda: length,
                              b: wp.baseAddress!, ldb: length, beta: 0, c: dxp.baseAddress! + start * rows * cin, ldc: cin)
                    }
                }
            }
        }}}}}
        if let bias { addChannelSums(of: dy, into: bias) }
        return dx
    }
}

extension ConvTranspose2D: Layer {
    /// `activation(conv(x))`; the pullback keeps `x` (and the output for the nonlinearity).
    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        activation.composed(forward: { forward(x, rectified: $0) },
                            backward: { dy, rectifiedOutput, wanted in
                                self.backward(dy, input: x, rectifiedOutput: rectifiedOutput, inputGradient: wanted) })
    }
}
