/// `SingleChannelConvolution` registered as a fast path of `Conv2D`
/// (`ConvolutionKernels`).
extension SingleChannelConvolution {
    /// `Conv2D(1, 8k)` of any kernel, stride and padding: its forward pass and
    /// weight gradient. It has no input gradient of its own: when one is
    /// wanted (a contribution map through the first layer), its backward
    /// pass is the generic op's.
    enum Conv2DPath: Conv2DKernel {
        static let name = "SingleChannelConvolution"
        static let choice = KernelChoice.singleChannel
        static func accepts(_ shape: ConvolutionShape) -> Bool {
            shape.outputPadding == 0 && SingleChannelConvolution.applies(inChannels: shape.inChannels, outChannels: shape.outChannels)
        }

        static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor {
            let n = x.shape[0]
            var y = Tensor(overwritten: [n, g.outputHeight, g.outputWidth, layer.outChannels])   // written whole
            x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
            layer.weight.value.data.withUnsafeBufferPointer { wp in
                SingleChannelConvolution.forward(xp.baseAddress!, g, frames: n, weight: wp.baseAddress!,
                                                 outChannels: layer.outChannels, bias: layer.bias?.value.data,
                                                 rectify: rectified, tiles: layer.tiles, into: yp.baseAddress!)
            }}}
            return y
        }

        static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                             rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor? {
            guard !inputGradient else {
                return Conv2D.Im2colPath.backward(layer, dy, input: x, g, rectifiedOutput: rectifiedOutput, inputGradient: true)
            }
            let biasGradient = x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            withOptionalPointer(rectifiedOutput?.data) { mask in
            layer.weight.grad.data.withUnsafeMutableBufferPointer { dwp in
                SingleChannelConvolution.weightGradient(xp.baseAddress!, g, frames: x.shape[0], dy: dyp.baseAddress!, rectifiedOutput: mask,
                                                        outChannels: layer.outChannels, into: dwp.baseAddress!)
            }}}}
            if let bias = layer.bias { for c in 0..<layer.outChannels { bias.grad.data[c] += biasGradient[c] } }
            return nil
        }
    }
}
