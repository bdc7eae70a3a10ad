/// `StrideTwoConvolution` registered as a fast path of `Conv2D` and of
/// `ConvTranspose2D` (`ConvolutionKernels`).
extension StrideTwoConvolution {
    /// `Conv2D(16|32, 16|32, 3, s2, p1)` on frames of even size, known when
    /// the layer is built (the autoencoder pads its frames to multiples of
    /// `2^depth`, so every encoder stage sees even frames).
    enum Conv2DPath: Conv2DKernel {
        static let name = "StrideTwoConvolution"
        static let choice = KernelChoice.strideTwo
        static func accepts(_ shape: ConvolutionShape) -> Bool {
            shape.outputPadding == 0 && StrideTwoConvolution.accepts(shape) && shape.hasEvenInput
        }

        static func lowShape(_ x: Tensor) -> Shape { Shape(frames: x.shape[0], height: x.shape[1] / 2, width: x.shape[2] / 2) }

        static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            var y = Tensor(overwritten: [x.shape[0], g.outputHeight, g.outputWidth, layer.outChannels])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            withOptionalPointer(layer.bias?.value.data) { bp in
                StrideTwoConvolution.convolution(xp.baseAddress!, lowShape(x), inChannels: layer.inChannels, outChannels: layer.outChannels,
                                                 weight: wp.baseAddress!, bias: bp, rectify: rectified, tiles: layer.strideTwoTiles,
                                                 into: yp.baseAddress!)
            }}}}
            return y
        }

        static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // written whole
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            withOptionalMutablePointer(&dx) { dxp in
                StrideTwoConvolution.convolutionBackward(dyp.baseAddress!, input: xp.baseAddress!, lowShape(x), inChannels: layer.inChannels,
                                                         outChannels: layer.outChannels, weight: wp.baseAddress!, rectifiedOutput: mask,
                                                         weightGradient: dwp.baseAddress!, inputGradient: dxp, tiles: layer.strideTwoTiles)
            }}}}}}
            if let bias = layer.bias { for c in 0..<layer.outChannels { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
    }

    /// `ConvTranspose2D(16|32, 16|32, 3, s2, p1, op1)` on any frame size
    /// (its output, the full-resolution side, is always of even size).
    enum ConvTranspose2DPath: ConvTranspose2DKernel {
        static let name = "StrideTwoConvolution"
        static let choice = KernelChoice.strideTwo
        static func accepts(_ shape: ConvolutionShape) -> Bool {
            shape.outputPadding == 1 && StrideTwoConvolution.accepts(shape)
        }

        static func lowShape(_ x: Tensor) -> Shape { Shape(frames: x.shape[0], height: x.shape[1], width: x.shape[2]) }

        static func forward(_ layer: ConvTranspose2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            var y = Tensor(overwritten: [x.shape[0], g.height, g.width, layer.outChannels])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            withOptionalPointer(layer.bias?.value.data) { bp in
                StrideTwoConvolution.transposed(xp.baseAddress!, lowShape(x), inChannels: layer.inChannels, outChannels: layer.outChannels,
                           weight: wp.baseAddress!, bias: bp, rectify: rectified, tiles: layer.strideTwoTiles,
                           into: yp.baseAddress!)
            }}}}
            return y
        }

        static func backward(_ layer: ConvTranspose2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            var dx: Tensor? = inputGradient ? Tensor(overwritten: x.shape) : nil   // written whole
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            withOptionalMutablePointer(&dx) { dxp in
                StrideTwoConvolution.transposedBackward(dyp.baseAddress!, input: xp.baseAddress!, lowShape(x), inChannels: layer.inChannels,
                                                        outChannels: layer.outChannels, weight: wp.baseAddress!, rectifiedOutput: mask,
                                                        weightGradient: dwp.baseAddress!, inputGradient: dxp, tiles: layer.strideTwoTiles)
            }}}}}}
            if let bias = layer.bias { for c in 0..<layer.outChannels { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
    }
}
