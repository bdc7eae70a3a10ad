/// `SubPixelTransposedConvolution` registered as a fast path of
/// `ConvTranspose2D` (`ConvolutionKernels`).
extension SubPixelTransposedConvolution {
    /// `ConvTranspose2D(Cin, Cout, 3, s2, p1, op1)`, any channels and frame size.
    enum ConvTranspose2DPath: ConvTranspose2DKernel {
        static let name = "SubPixelTransposedConvolution"
        static let choice = KernelChoice.subPixel
        static func accepts(_ shape: ConvolutionShape) -> Bool { SubPixelTransposedConvolution.accepts(shape) }

        static func lowShape(_ layer: ConvTranspose2D, _ x: Tensor) -> Shape {
            Shape(frames: x.shape[0], height: x.shape[1], width: x.shape[2],
                  inChannels: layer.inChannels, outChannels: layer.outChannels)
        }

        static func forward(_ layer: ConvTranspose2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            var y = Tensor(overwritten: [x.shape[0], g.height, g.width, layer.outChannels])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
                SubPixelTransposedConvolution.forward(xp.baseAddress!, lowShape(layer, x), weight: wp.baseAddress!,
                                                      bias: layer.bias?.value.data, rectify: rectified, into: yp.baseAddress!)
            }}}
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
                SubPixelTransposedConvolution.backward(dyp.baseAddress!, input: xp.baseAddress!, lowShape(layer, x),
                                                       weight: wp.baseAddress!, rectifiedOutput: mask,
                                                       weightGradient: dwp.baseAddress!, inputGradient: dxp)
            }}}}}}
            if let bias = layer.bias { for c in 0..<layer.outChannels { bias.grad.data[c] += biasGradient[c] } }
            return dx
        }
    }
}
