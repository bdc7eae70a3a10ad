/// A 2-D convolution over channels-last frames (PyTorch's `Conv2d`, cross-correlation):
///
///     y[n, oy, ox, co] = b[co] + sum_{ky,kx,ci} W[co, (ky*k + kx)*Cin + ci] * x[n, oy*s - p + ky, ox*s - p + kx, ci]
///
/// with zero padding `p` and stride `s`; `x` is `N x H x W x Cin`, `y` is
/// `N x Ho x Wo x Cout`, `Ho = (H + 2p - k) / s + 1`. The definition is
/// im2col and one sgemm per chunk of frames (`Im2colPath`); the layer
/// resolves, when it is built, the registered fast path that accepts its
/// shape (`ConvolutionKernels`: `StrideTwoConvolution` for 16/32 channels
/// at stride 2 on even frames, `SingleChannelConvolution` from one channel,
/// `DirectConvolution` to one channel) and runs it (`implementation`).
/// The weight is `Cout x (k*k*Cin)` with the patch in (ky, kx, ci) order
/// (PyTorch stores (ci, ky, kx)).
public final class Conv2D {
    /// The prefix of its parameters' names, e.g. `encoder.conv1`.
    public let name: String
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// The nonlinearity after the convolution (a rectifier is fused into the kernels).
    public let activation: Activation
    /// The fast paths this layer may take (`.generic`: im2col + sgemm only).
    public let kernels: KernelChoice
    /// The register tiles of its fast paths (the running CPU's unless a test forces one).
    public let tiles: RegisterTiles
    /// What the kernels were chosen for: geometry, channels, tiles and frame size.
    public let shape: ConvolutionShape
    /// The kernel that runs this layer, resolved once from `shape` and `kernels`.
    let implementation: any Conv2DKernel.Type
    /// The stride-2 kernels for `tiles`, looked up once.
    let strideTwoTiles: any StrideTwoTiles.Type

    /// `inputSize`, when given, is the only frame size `forward` accepts,
    /// and lets kernels that need one (even frames for `StrideTwoConvolution`) accept the layer.
    public convenience init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                            padding: Int = 0, bias: Bool = true, activation: Activation = .identity, initFanIn: Int? = nil,
                            inputSize: (height: Int, width: Int)? = nil, kernels: KernelChoice = .all,
                            tiles: RegisterTiles = .detected, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2D \(name): bad configuration")
        // `initFanIn` lets a layer that is one part of a wider convolution
        // (the decoder's output split by channel groups) draw like the whole.
        let fanIn = initFanIn ?? inChannels * kernel * kernel
        let weight = Parameter(name: name + ".weight",
                               value: kaimingUniform(shape: [outChannels, kernel * kernel * inChannels], fanIn: fanIn, using: &rng))
        let bias = bias ? Parameter(name: name + ".bias", value: kaimingUniform(shape: [outChannels], fanIn: fanIn, using: &rng)) : nil
        self.init(name: name, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                  padding: padding, weight: weight, bias: bias, activation: activation, inputSize: inputSize,
                  kernels: kernels, tiles: tiles)
    }

    /// The same layer (the same parameters, shared) with other kernels or tiles:
    /// tests run a fast path and the generic op on one set of weights.
    public convenience init(sharing layer: Conv2D, kernels: KernelChoice, tiles: RegisterTiles? = nil) {
        self.init(name: layer.name, inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
                  stride: layer.stride, padding: layer.padding, weight: layer.weight, bias: layer.bias,
                  activation: layer.activation,
                  inputSize: layer.shape.inputHeight.map { ($0, layer.shape.inputWidth!) },
                  kernels: kernels, tiles: tiles ?? layer.tiles)
    }

    private init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
                 weight: Parameter, bias: Parameter?, activation: Activation, inputSize: (height: Int, width: Int)?,
                 kernels: KernelChoice, tiles: RegisterTiles) {
        self.name = name
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.weight = weight; self.bias = bias
        self.activation = activation; self.kernels = kernels
        self.tiles = tiles; strideTwoTiles = StrideTwoConvolution.kernels(for: tiles)
        shape = ConvolutionShape(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                                 padding: padding, outputPadding: 0, inputHeight: inputSize?.height,
                                 inputWidth: inputSize?.width, tiles: tiles)
        implementation = ConvolutionKernels.conv2D(for: shape, allowed: kernels)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The name of the kernel that runs this layer, e.g. "StrideTwoConvolution".
    public var kernelName: String { implementation.name }

    func geometry(_ shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[3] == inChannels,
                     "Conv2D: expected N x H x W x \(inChannels), got \(shape)")
        precondition(self.shape.inputHeight.map { $0 == shape[1] && self.shape.inputWidth! == shape[2] } ?? true,
                     "Conv2D \(name): built for \(self.shape.inputHeight ?? 0)x\(self.shape.inputWidth ?? 0) frames, got \(shape)")
        let g = ConvGeometry(height: shape[1], width: shape[2], channels: inChannels,
                             kernel: kernel, stride: stride, padding: padding)
        precondition(g.outputHeight > 0 && g.outputWidth > 0, "Conv2D: input \(shape) is smaller than the kernel")
        return g
    }

    /// Multiply-adds of one forward pass over `shape`.
    public func multiplyAdds(input shape: [Int]) -> Int {
        let g = geometry(shape)
        return shape[0] * g.rowsPerFrame * g.patchSize * outChannels
    }

    public func outputShape(_ shape: [Int]) -> [Int] {
        let g = geometry(shape)
        return [shape[0], g.outputHeight, g.outputWidth, outChannels]
    }

    /// `y = conv(x)`, see the type's formula; `ReLU(conv(x))` when `rectified`.
    public func forward(_ x: Tensor, rectified: Bool = false) -> Tensor {
        implementation.forward(self, x, geometry(x.shape), rectified: rectified)
    }

    /// Given `dy = dL/dy` for `y = forward(x)`, adds `dL/dW` and `dL/db` to
    /// the parameters' gradients and returns `dL/dx` (nil when not wanted,
    /// e.g. for the first layer, which saves the col2im). For a `rectified`
    /// forward, pass its output as `rectifiedOutput` and `dy` as the gradient after the ReLU.
    @discardableResult
    public func backward(_ dy: Tensor, input x: Tensor, rectifiedOutput: Tensor? = nil, inputGradient: Bool = true) -> Tensor? {
        let g = geometry(x.shape)
        precondition(dy.shape == [x.shape[0], g.outputHeight, g.outputWidth, outChannels],
                     "Conv2D.backward: dy has shape \(dy.shape)")
        precondition(rectifiedOutput.map { $0.shape == dy.shape } ?? true, "Conv2D.backward: output and dy differ in shape")
        return implementation.backward(self, dy, input: x, g, rectifiedOutput: rectifiedOutput, inputGradient: inputGradient)
    }
}

extension Conv2D {
    /// The definition: im2col and one sgemm per chunk of frames, for every shape.
    enum Im2colPath: Conv2DKernel {
        static let name = "im2col + sgemm"
        static let choice: KernelChoice = []
        static func accepts(_ shape: ConvolutionShape) -> Bool { true }

        static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cout = layer.outChannels
            // Every value is written: by the bias and the GEMM.
            var y = Tensor(overwritten: [n, g.outputHeight, g.outputWidth, cout])
            let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
            var col = Tensor(overwritten: [chunk * rows * length]).data   // im2col writes every entry
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            col.withUnsafeMutableBufferPointer { cp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
                for start in Swift.stride(from: 0, to: n, by: chunk) {
                    let frames = start..<min(n, start + chunk)
                    im2col(xp.baseAddress!, g, frames: frames, into: cp.baseAddress!)
                    let out = yp.baseAddress! + start * rows * cout
                    let m = frames.count * rows
                    if let b = layer.bias?.value.data { for r in 0..<m { for c in 0..<cout { out[r * cout + c] = b[c] } } }
                    // Y[rows, Cout] = col[rows, k*k*Cin] * W^T
                    sgemm(transB: true, m: m, n: cout, k: length, a: cp.baseAddress!, lda: length,
                          b: wp.baseAddress!, ldb: length, beta: layer.bias == nil ? 0 : 1, c: out, ldc: cout)
                }
            }}}}
            if rectified { ReLU.forwardInPlace(&y) }
            return y
        }

        static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            let dy = rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy
            let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cout = layer.outChannels
            var dx: Tensor? = inputGradient ? Tensor(zeros: x.shape) : nil   // col2im adds into it
            let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
            var col = Tensor(overwritten: [chunk * rows * length]).data   // im2col writes every entry
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            col.withUnsafeMutableBufferPointer { cp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
                for start in Swift.stride(from: 0, to: n, by: chunk) {
                    let frames = start..<min(n, start + chunk)
                    let m = frames.count * rows
                    let dyChunk = dyp.baseAddress! + start * rows * cout
                    im2col(xp.baseAddress!, g, frames: frames, into: cp.baseAddress!)
                    // dW[Cout, k*k*Cin] += dY^T * col (a narrow product: registers, else the transA GEMM)
                    if cout % 8 == 0 && cout * length <= 512 {
                        smallWeightGradient(dy: dyChunk, col: cp.baseAddress!, rows: m, outputs: cout, length: length,
                                            into: dwp.baseAddress!)
                    } else {
                        sgemm(transA: true, m: cout, n: length, k: m, a: dyChunk, lda: cout,
                              b: cp.baseAddress!, ldb: length, beta: 1, c: dwp.baseAddress!, ldc: length)
                    }
                    if dx != nil {
                        // dcol[rows, k*k*Cin] = dY * W, then col2im onto dx.
                        sgemm(m: m, n: length, k: cout, a: dyChunk, lda: cout, b: wp.baseAddress!, ldb: length,
                              beta: 0, c: cp.baseAddress!, ldc: length)
                        dx!.data.withUnsafeMutableBufferPointer { dxp in
                            col2im(cp.baseAddress!, g, frames: frames, into: dxp.baseAddress!)
                        }
                    }
                }
            }}}}}
            if let bias = layer.bias { addChannelSums(of: dy, into: bias) }
            return dx
        }
    }
}

/// Adds the per-channel sums of a channels-last tensor to a bias gradient.
/// Rows are split into fixed chunks (`WorkChunks`) summed on all cores, and
/// the chunks' sums are added in chunk order: the result depends neither on
/// scheduling nor on the number of cores.
func addChannelSums(of dy: Tensor, into bias: Parameter) {
    let c = bias.value.count
    precondition(dy.shape.last == c, "bias of \(c) channels, gradient of shape \(dy.shape)")
    let rows = dy.count / c
    let chunks = WorkChunks(count: rows, minimumPerChunk: rows >= 1 << 14 ? 1 : rows)
    var partial = [Double](repeating: 0, count: chunks.count * c)
    dy.data.withUnsafeBufferPointer { p in
        partial.withUnsafeMutableBufferPointer { part in
            let pBase = p.baseAddress!, partBase = part.baseAddress!
            chunks.run { s, range in
                // Float partial sums per block of rows, folded into double.
                let sums = partBase + s * c
                var block = [Float](repeating: 0, count: c)
                var r = range.lowerBound
                let end = range.upperBound
                if c == 1 {
                    // One channel: eight blocks' sums at once, each still in
                    // row order (a single chain waited on every addition).
                    while r + 8 * 256 <= end {
                        var a = SIMD8<Float>()
                        for i in 0..<256 {
                            a += SIMD8(pBase[r + i], pBase[r + 256 + i], pBase[r + 512 + i], pBase[r + 768 + i],
                                       pBase[r + 1024 + i], pBase[r + 1280 + i], pBase[r + 1536 + i], pBase[r + 1792 + i])
                        }
                        for j in 0..<8 { sums[0] += Double(a[j]) }
                        r += 8 * 256
                    }
                }
                while r < end {
                    let stop = min(end, r + 256)
                    for j in 0..<c { block[j] = 0 }
                    for row in r..<stop { for j in 0..<c { block[j] += pBase[row * c + j] } }
                    for j in 0..<c { sums[j] += Double(block[j]) }
                    r = stop
                }
            }
        }
    }
    for s in 0..<chunks.count { for j in 0..<c { bias.grad.data[j] += Float(partial[s * c + j]) } }
}

import Dispatch

extension Conv2D: Layer {
    /// `activation(conv(x))`; the pullback keeps `x` (and the output for the nonlinearity).
    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        activation.composed(forward: { forward(x, rectified: $0) },
                            backward: { dy, rectifiedOutput, wanted in
                                self.backward(dy, input: x, rectifiedOutput: rectifiedOutput, inputGradient: wanted) })
    }
}
