/// A 2-D convolution over channels-last frames (PyTorch's `Conv2d`, cross-correlation):
///
///     y[n, oy, ox, co] = b[co] + sum_{ky,kx,ci} W[co, (ky*k + kx)*Cin + ci] * x[n, oy*s - p + ky, ox*s - p + kx, ci]
///
/// with zero padding `p` and stride `s`; `x` is `N x H x W x Cin`, `y` is
/// `N x Ho x Wo x Cout`, `Ho = (H + 2p - k) / s + 1`. Computed directly for
/// the network's shapes (`StrideTwoConvolution` for 16/32 channels at
/// stride 2, `SingleChannelConvolution` from one channel,
/// `DirectConvolution` to one channel), otherwise by im2col and one sgemm
/// per chunk of frames. The weight is `Cout x (k*k*Cin)` with the
/// patch in (ky, kx, ci) order (PyTorch stores (ci, ky, kx)).
public final class Conv2D {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// The nonlinearity after the convolution (a rectifier is fused into the kernels).
    public let activation: Activation
    /// The fast paths this layer may take (`.generic`: im2col + sgemm only).
    public var kernels: KernelChoice
    /// The register tiles of its fast paths (the running CPU's unless a test forces one).
    public let tiles: RegisterTiles
    /// The stride-2 kernels for `tiles`, looked up once.
    let strideTwoTiles: any StrideTwoTiles.Type

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, bias: Bool = true, activation: Activation = .identity, initFanIn: Int? = nil,
                kernels: KernelChoice = .all, tiles: RegisterTiles = .detected, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2D \(name): bad configuration")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.activation = activation; self.kernels = kernels
        self.tiles = tiles; strideTwoTiles = StrideTwoConvolution.kernels(for: tiles)
        // `initFanIn` lets a layer that is one part of a wider convolution
        // (the decoder's output split by channel groups) draw like the whole.
        let fanIn = initFanIn ?? inChannels * kernel * kernel
        weight = Parameter(name: name + ".weight",
                           value: kaimingUniform(shape: [outChannels, kernel * kernel * inChannels], fanIn: fanIn, using: &rng))
        self.bias = bias ? Parameter(name: name + ".bias", value: kaimingUniform(shape: [outChannels], fanIn: fanIn, using: &rng)) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// One output channel at stride 1 runs the direct kernel (an im2col GEMM
    /// would be a memory-bound matrix-vector product).
    var usesDirectKernel: Bool { kernels.contains(.directOutput) && outChannels == 1 && stride == 1 }
    /// One input channel (the layers reading the movie) runs
    /// `SingleChannelConvolution`, except for an input gradient.
    var usesSingleChannelKernel: Bool {
        kernels.contains(.singleChannel) && SingleChannelConvolution.applies(inChannels: inChannels, outChannels: outChannels)
    }

    /// 16/32-channel stride-2 layers on even frames run `StrideTwoConvolution`.
    func usesStrideTwo(_ shape: [Int]) -> Bool {
        kernels.contains(.strideTwo) && shape.count == 4
            && StrideTwoConvolution.applies(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels,
                                            outChannels: outChannels, highHeight: shape[1], highWidth: shape[2])
    }

    func strideTwoShape(_ shape: [Int]) -> StrideTwoConvolution.Shape {
        .init(frames: shape[0], height: shape[1] / 2, width: shape[2] / 2)
    }

    func geometry(_ shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[3] == inChannels,
                     "Conv2D: expected N x H x W x \(inChannels), got \(shape)")
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
        let g = geometry(x.shape)
        let n = x.shape[0], cout = outChannels
        if usesStrideTwo(x.shape) {
            var y = Tensor(overwritten: [n, g.outputHeight, g.outputWidth, cout])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            weight.value.data.withUnsafeBufferPointer { wp in
            withOptionalPointer(bias?.value.data) { bp in
                StrideTwoConvolution.convolution(xp.baseAddress!, strideTwoShape(x.shape), inChannels: inChannels,
                                                 outChannels: cout, weight: wp.baseAddress!, bias: bp, rectify: rectified,
                                                 tiles: strideTwoTiles, into: yp.baseAddress!)
            }}}}
            return y
        }
        if usesSingleChannelKernel {
            var y = Tensor(overwritten: [n, g.outputHeight, g.outputWidth, cout])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            weight.value.data.withUnsafeBufferPointer { wp in
                SingleChannelConvolution.forward(xp.baseAddress!, g, frames: n, weight: wp.baseAddress!, outChannels: cout,
                                                 bias: bias?.value.data, rectify: rectified, tiles: tiles, into: yp.baseAddress!)
            }}}
            return y
        }
        var y = unrectifiedForward(x, g)
        if rectified { ReLU.forwardInPlace(&y) }
        return y
    }

    private func unrectifiedForward(_ x: Tensor, _ g: ConvGeometry) -> Tensor {
        let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cout = outChannels
        // Every value is written: by the direct kernel, or by the bias and the GEMM.
        var y = Tensor(overwritten: [n, g.outputHeight, g.outputWidth, cout])
        if usesDirectKernel {
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            weight.value.data.withUnsafeBufferPointer { wp in
                DirectConvolution.forward(xp.baseAddress!, g, frames: n, weight: wp.baseAddress!,
                                          bias: bias?.value.data[0] ?? 0, tiles: tiles, into: yp.baseAddress!)
            }}}
            return y
        }
        let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
        var col = Tensor(overwritten: [chunk * rows * length]).data   // im2col writes every entry
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        col.withUnsafeMutableBufferPointer { cp in
        weight.value.data.withUnsafeBufferPointer { wp in
            for start in Swift.stride(from: 0, to: n, by: chunk) {
                let frames = start..<min(n, start + chunk)
                im2col(xp.baseAddress!, g, frames: frames, into: cp.baseAddress!)
                let out = yp.baseAddress! + start * rows * cout
                let m = frames.count * rows
                if let b = bias?.value.data { for r in 0..<m { for c in 0..<cout { out[r * cout + c] = b[c] } } }
                // Y[rows, Cout] = col[rows, k*k*Cin] * W^T
                sgemm(transB: true, m: m, n: cout, k: length, a: cp.baseAddress!, lda: length,
                      b: wp.baseAddress!, ldb: length, beta: bias == nil ? 0 : 1, c: out, ldc: cout)
            }
        }}}}
        return y
    }

    /// Given `dy = dL/dy` for `y = forward(x)`, adds `dL/dW` and `dL/db` to
    /// the parameters' gradients and returns `dL/dx` (nil when not wanted,
    /// e.g. for the first layer, which saves the col2im). For a `rectified`
    /// forward, pass its output as `rectifiedOutput` and `dy` as the gradient after the ReLU.
    @discardableResult
    public func backward(_ dy: Tensor, input x: Tensor, rectifiedOutput: Tensor? = nil, inputGradient: Bool = true) -> Tensor? {
        let g = geometry(x.shape)
        let n = x.shape[0], cout = outChannels
        precondition(dy.shape == [n, g.outputHeight, g.outputWidth, cout], "Conv2D.backward: dy has shape \(dy.shape)")
        precondition(rectifiedOutput.map { $0.shape == dy.shape } ?? true, "Conv2D.backward: output and dy differ in shape")
        if usesStrideTwo(x.shape) {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // written whole
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            weight.value.data.withUnsafeBufferPointer { wp in
            weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            withOptionalMutablePointer(&dx) { dxp in
                StrideTwoConvolution.convolutionBackward(dyp.baseAddress!, input: xp.baseAddress!, strideTwoShape(x.shape),
                                                         inChannels: inChannels, outChannels: cout, weight: wp.baseAddress!,
                                                         rectifiedOutput: mask, weightGradient: dwp.baseAddress!,
                                                         inputGradient: dxp, tiles: strideTwoTiles)
            }}}}}}
            if let bias { for c in 0..<cout { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
        if usesSingleChannelKernel && !inputGradient {
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            weight.grad.data.withUnsafeMutableBufferPointer { dwp in
                SingleChannelConvolution.weightGradient(xp.baseAddress!, g, frames: n, dy: dyp.baseAddress!, rectifiedOutput: mask,
                                                        outChannels: cout, into: dwp.baseAddress!)
            }}}}
            if let bias { for c in 0..<cout { bias.grad.data[c] += biasGradient[c] } }
            return nil
        }
        return unrectifiedBackward(rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy, input: x, g,
                                   inputGradient: inputGradient)
    }

    private func unrectifiedBackward(_ dy: Tensor, input x: Tensor, _ g: ConvGeometry, inputGradient: Bool) -> Tensor? {
        let n = x.shape[0], rows = g.rowsPerFrame, length = g.patchSize, cout = outChannels
        if usesDirectKernel {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // the kernel writes every value
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            weight.value.data.withUnsafeBufferPointer { wp in
            weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalMutablePointer(&dx) { dxp in
                DirectConvolution.backward(xp.baseAddress!, g, frames: n, weight: wp.baseAddress!, dy: dyp.baseAddress!,
                                           dw: dwp.baseAddress!, dx: dxp, tiles: tiles)
            }}}}}
            if let bias { addChannelSums(of: dy, into: bias) }
            return dx
        }
        var dx: Tensor? = inputGradient ? Tensor(zeros: x.shape) : nil   // col2im adds into it
        let chunk = framesPerChunk(rowsPerFrame: rows, rowLength: length, frames: n)
        var col = Tensor(overwritten: [chunk * rows * length]).data   // im2col writes every entry
        x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        col.withUnsafeMutableBufferPointer { cp in
        weight.value.data.withUnsafeBufferPointer { wp in
        weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            for start in Swift.stride(from: 0, to: n, by: chunk) {
                let frames = start..<min(n, start + chunk)
                let m = frames.count * rows
                let dyChunk = dyp.baseAddress! + start * rows * cout
                im2col(xp.baseAddress!, g, frames: frames, into: cp.baseAddress!)
                // dW[Cout, k*k*Cin] += dY^T * col
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
        if let bias { addChannelSums(of: dy, into: bias) }
        return dx
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
