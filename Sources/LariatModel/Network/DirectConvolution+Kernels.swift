/// `DirectConvolution` registered as fast paths of `Conv2D`
/// (`ConvolutionKernels`): the vector kernels for the decoder's output
/// layers (`Conv(16,1)`, `Conv(8,1)`, 3x3, padding 1) and the general
/// direct kernel for any other stride-1 convolution to one channel.
extension DirectConvolution {
    /// `Conv2D(8|16, 1, 3, s1, p1)`: tiles of pixels in vector registers.
    enum VectorConv2DPath: Conv2DKernel {
        static let name = "DirectConvolution (vector)"
        static let choice = KernelChoice.directOutput
        static func accepts(_ shape: ConvolutionShape) -> Bool { shape.outputPadding == 0 && DirectConvolution.hasVectorPath(shape) }

        static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            var y = Tensor(overwritten: [x.shape[0], g.outputHeight, g.outputWidth, 1])   // the kernel writes every value
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
                DirectConvolution.vectorForward(xp.baseAddress!, g, frames: x.shape[0], weight: wp.baseAddress!,
                                                bias: layer.bias?.value.data[0] ?? 0, tiles: layer.tiles, into: yp.baseAddress!)
            }}}
            if rectified { ReLU.forwardInPlace(&y) }
            return y
        }

        static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            let dy = rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // the kernel writes every value
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalMutablePointer(&dx) { dxp in
                DirectConvolution.vectorBackward(xp.baseAddress!, g, frames: x.shape[0], weight: wp.baseAddress!, dy: dyp.baseAddress!,
                                                 dw: dwp.baseAddress!, dx: dxp, tiles: layer.tiles)
            }}}}}
            if let bias = layer.bias { addChannelSums(of: dy, into: bias) }
            return dx
        }
    }

    /// `Conv2D(C, 1)` at stride 1, any kernel and padding: one dot product
    /// per kernel row and pixel (an im2col GEMM would be a memory-bound
    /// matrix-vector product).
    enum Conv2DPath: Conv2DKernel {
        static let name = "DirectConvolution"
        static let choice = KernelChoice.directOutput
        static func accepts(_ shape: ConvolutionShape) -> Bool {
            shape.outputPadding == 0 && shape.outChannels == 1 && shape.stride == 1
        }

        static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            var y = Tensor(overwritten: [x.shape[0], g.outputHeight, g.outputWidth, 1])   // the kernel writes every value
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
                DirectConvolution.forward(xp.baseAddress!, g, frames: x.shape[0], weight: wp.baseAddress!,
                                          bias: layer.bias?.value.data[0] ?? 0, into: yp.baseAddress!)
            }}}
            if rectified { ReLU.forwardInPlace(&y) }
            return y
        }

        static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            let dy = rectifiedOutput.map { ReLU.backward(dy, output: $0) } ?? dy
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // the kernel writes every value
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalMutablePointer(&dx) { dxp in
                DirectConvolution.backward(xp.baseAddress!, g, frames: x.shape[0], weight: wp.baseAddress!,
                                           dy: dyp.baseAddress!, dw: dwp.baseAddress!, dx: dxp)
            }}}}}
            if let bias = layer.bias { addChannelSums(of: dy, into: bias) }
            return dx
        }
    }
}
