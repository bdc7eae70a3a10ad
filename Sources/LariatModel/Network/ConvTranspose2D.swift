/// A 2-D transposed convolution over channels-last frames (PyTorch's
/// `ConvTranspose2d`): the adjoint of a `Conv2D` from `Cout` to `Cin`
/// channels with the same kernel, stride and padding, plus a bias:
///
///     y[n, iy, ix, co] = b[co] + sum x[n, oy, ox, ci] * W[ci, (ky*k + kx)*Cout + co]
///                        over all (oy, ox, ky, kx) with oy*s - p + ky = iy, ox*s - p + kx = ix
///
/// `x` is `N x H x W x Cin`, `y` is `N x Ho x Wo x Cout` with
/// `Ho = (H - 1)*s - 2p + k + outputPadding`. The definition is one sgemm
/// (`col = x * W`) and col2im per chunk of frames (`Col2imPath`); the layer
/// resolves, when it is built, the registered fast path that accepts its
/// shape (`ConvolutionKernels`: for the decoder's geometry k3, s2, p1, op1,
/// `StrideTwoConvolution` when both channel counts are 16 or 32, else
/// `SubPixelTransposedConvolution`'s four sub-pixel phases of one GEMM). The
/// weight is `Cin x (k*k*Cout)` in (ky, kx, co) order (PyTorch stores `Cin x Cout x k x k`).
public final class ConvTranspose2D {
    /// The prefix of its parameters' names, e.g. `decoder.convT1`.
    public let name: String
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// `inputSize`, when given, is the only frame size `forward` accepts
    /// (kernels may use it to accept the layer).
    public convenience init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                            padding: Int = 0, outputPadding: Int = 0, bias: Bool = true, activation: Activation = .identity,
                            inputSize: (height: Int, width: Int)? = nil, kernels: KernelChoice = .all,
                            tiles: RegisterTiles = .detected, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "ConvTranspose2D \(name): bad configuration")
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D \(name): output padding must be below the stride")
        let fanIn = outChannels * kernel * kernel   // as PyTorch computes it for transposed convolutions
        let weight = Parameter(name: name + ".weight",
                               value: kaimingUniform(shape: [inChannels, kernel * kernel * outChannels], fanIn: fanIn, using: &rng))
        let bias = bias ? Parameter(name: name + ".bias", value: kaimingUniform(shape: [outChannels], fanIn: fanIn, using: &rng)) : nil
        self.init(name: name, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                  padding: padding, outputPadding: outputPadding, weight: weight, bias: bias, activation: activation,
                  inputSize: inputSize, kernels: kernels, tiles: tiles)
    }

    /// The same layer (the same parameters, shared) with other kernels or tiles:
    /// tests run a fast path and the generic op on one set of weights.
    public convenience init(sharing layer: ConvTranspose2D, kernels: KernelChoice, tiles: RegisterTiles? = nil) {
        self.init(name: layer.name, inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
                  stride: layer.stride, padding: layer.padding, outputPadding: layer.outputPadding,
                  weight: layer.weight, bias: layer.bias, activation: layer.activation,
                  inputSize: layer.shape.inputHeight.map { ($0, layer.shape.inputWidth!) },
                  kernels: kernels, tiles: tiles ?? layer.tiles)
    }

    private init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
                 outputPadding: Int, weight: Parameter, bias: Parameter?, activation: Activation,
                 inputSize: (height: Int, width: Int)?, kernels: KernelChoice, tiles: RegisterTiles) {
        self.name = name
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        self.weight = weight; self.bias = bias
        self.activation = activation; self.kernels = kernels
        self.tiles = tiles; strideTwoTiles = StrideTwoConvolution.kernels(for: tiles)
        shape = ConvolutionShape(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                                 padding: padding, outputPadding: outputPadding, inputHeight: inputSize?.height,
                                 inputWidth: inputSize?.width, tiles: tiles)
        implementation = ConvolutionKernels.convTranspose2D(for: shape, allowed: kernels)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The nonlinearity after the convolution (a rectifier is fused into the kernels).
    public let activation: Activation
    /// The fast paths this layer may take (`.generic`: sgemm + col2im only).
    public let kernels: KernelChoice
    /// The register tiles of its fast paths (the running CPU's unless a test forces one).
    public let tiles: RegisterTiles
    /// What the kernels were chosen for: geometry, channels, tiles and frame size.
    public let shape: ConvolutionShape
    /// The kernel that runs this layer, resolved once from `shape` and `kernels`.
    let implementation: any ConvTranspose2DKernel.Type
    /// The stride-2 kernels for `tiles`, looked up once.
    let strideTwoTiles: any StrideTwoTiles.Type

    /// The name of the kernel that runs this layer, e.g. "SubPixelTransposedConvolution".
    public var kernelName: String { implementation.name }

    /// The geometry of the adjoint convolution, which maps the output size back to the input size.
    func geometry(_ shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[3] == inChannels,
                     "ConvTranspose2D: expected N x H x W x \(inChannels), got \(shape)")
        precondition(self.shape.inputHeight.map { $0 == shape[1] && self.shape.inputWidth! == shape[2] } ?? true,
                     "ConvTranspose2D \(name): built for \(self.shape.inputHeight ?? 0)x\(self.shape.inputWidth ?? 0) frames, got \(shape)")
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

    /// `y = convT(x)`, see the type's formula; `ReLU(convT(x))` when `rectified`.
    public func forward(_ x: Tensor, rectified: Bool = false) -> Tensor {
        implementation.forward(self, x, geometry(x.shape), rectified: rectified)
    }

    /// Given `dy = dL/dy`, adds `dL/dW`, `dL/db` to the gradients and
    /// returns `dL/dx` (nil when not wanted). For a `rectified` forward,
    /// pass its output as `rectifiedOutput` and `dy` as the gradient after the ReLU.
    @discardableResult
    public func backward(_ dy: Tensor, input x: Tensor, rectifiedOutput: Tensor? = nil, inputGradient: Bool = true) -> Tensor? {
        let g = geometry(x.shape)
        precondition(dy.shape == [x.shape[0], g.height, g.width, outChannels], "ConvTranspose2D.backward: dy has shape \(dy.shape)")
        precondition(rectifiedOutput.map { $0.shape == dy.shape } ?? true, "ConvTranspose2D.backward: output and dy differ in shape")
        return implementation.backward(self, dy, input: x, g, rectifiedOutput: rectifiedOutput, inputGradient: inputGradient)
    }
}

extension ConvTranspose2D {
    /// The definition: one sgemm and col2im per chunk of frames, for every shape.
    enum Col2imPath: ConvTranspose2DKernel {
        static let name = "sgemm + col2im"
        static let choice: KernelChoice = []
        static func accepts(_ shape: ConvolutionShape) -> Bool { true }

        static func forward(_ layer: ConvTranspose2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cin = layer.inChannels, cout = layer.outChannels
            var y = Tensor(zeros: [n, g.height, g.width, cout])
            if let b = layer.bias?.value.data {
                y.data.withUnsafeMutableBufferPointer { yp in
                    for r in 0..<(yp.count / cout) { for c in 0..<cout { yp[r * cout + c] = b[c] } }
                }
            }
            let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
            var col = Tensor(overwritten: [chunk * rows * length]).data   // written whole by the GEMM
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            col.withUnsafeMutableBufferPointer { cp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
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

        static func backward(_ layer: ConvTranspose2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cin = layer.inChannels
            let dy = rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy
            // Each chunk's rows of dx are written whole by its GEMM (beta 0).
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil
            let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
            var col = Tensor(overwritten: [chunk * rows * length]).data   // written whole by im2col
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            col.withUnsafeMutableBufferPointer { cp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
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
            if let bias = layer.bias { addChannelSums(of: dy, into: bias) }
            return dx
        }
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
