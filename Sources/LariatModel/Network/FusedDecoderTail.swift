/// The decoder's last transposed convolution and its output convolution,
/// `Conv(16,1)(ReLU(ConvT(16,16)(x)))`, run frame by frame when the frame
/// needs no cropping (sizes that are multiples of 16, as in the training
/// benchmark's 64 x 64).
///
/// Why: the transposed convolution's output is the network's largest
/// activation (67 MB for 256 frames of 64 x 64 x 16). Layer by layer it is
/// written, read by the output layer, read again by that layer's backward
/// pass and once more as the ReLU's mask, and its gradient is written and
/// read back: memory traffic set these layers' time. Frame by frame, the
/// activation of one frame stays in the core's cache: the forward pass
/// keeps only the output, the backward pass recomputes the frame's
/// activation from the 4x smaller input (cheaper than reading it back), and
/// its gradient goes straight from the output layer's backward pass into
/// the transposed convolution's. The arithmetic and its order are the
/// layers' own (`transposedFrame`, `vectorForwardFrame`,
/// `vectorBackwardFrame`, `stagedTransposedBackwardFrame`, the same slices of
/// frames), so results are bit-identical.
///
/// A `LayerFusion`: `Sequential` offers it every adjacent pair of layers.
enum FusedDecoderTail: LayerFusion {
    static func fuse(_ first: any Layer, _ second: any Layer) -> (any Layer)? {
        guard let t = first as? ConvTranspose2D, let o = second as? Conv2D, accepts(transposed: t, output: o) else { return nil }
        return Fused(transposed: t, output: o)
    }

    /// The pair as one layer.
    final class Fused: Layer {
        let transposed: ConvTranspose2D, output: Conv2D
        init(transposed: ConvTranspose2D, output: Conv2D) { self.transposed = transposed; self.output = output }
        var parameters: [Parameter] { transposed.parameters + output.parameters }
        func outputShape(_ input: [Int]) -> [Int] { output.outputShape(transposed.outputShape(input)) }
        func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
            // The activation between the two is recomputed by the pullback, never stored.
            (FusedDecoderTail.forward(x, transposed: transposed, output: output),
             { dy, _ in FusedDecoderTail.backward(dy, input: x, transposed: self.transposed, output: self.output) })
        }
    }

    /// Whether `output(ReLU(transposed(x)))` takes this path: the two layers
    /// run the kernels it is made of (`StrideTwoConvolution` to 16 channels,
    /// then `DirectConvolution`'s vector path from them), with the ReLU between.
    static func accepts(transposed t: ConvTranspose2D, output o: Conv2D) -> Bool {
        t.kernels.contains(.fusedDecoderTail) && t.activation == .relu && o.activation == .identity
            && t.implementation == StrideTwoConvolution.ConvTranspose2DPath.self && t.outChannels == 16
            && o.implementation == DirectConvolution.VectorConv2DPath.self && o.inChannels == 16
    }

    /// `output(ReLU(transposed(x)))`.
    static func forward(_ x: Tensor, transposed t: ConvTranspose2D, output o: Conv2D) -> Tensor {
        let s = StrideTwoConvolution.ConvTranspose2DPath.lowShape(x)
        let (n, cin, cout) = (x.shape[0], t.inChannels, t.outChannels)
        var y = Tensor(overwritten: [n, 2 * s.height, 2 * s.width, 1])         // written whole
        let g = o.geometry(t.outputShape(x.shape))
        let kernel = t.weight.value.data.withUnsafeBufferPointer {
            StrideTwoConvolution.packRowsByBroadcast($0.baseAddress!, u: cin, v: cout)
        }
        let taps = o.weight.value.data.withUnsafeBufferPointer { DirectConvolution.tapRegisters($0.baseAddress!, channels: 16) }
        let zeros = [Float](repeating: 0, count: (g.width + 2) * 16)
        let outputBias = o.bias?.value.data[0] ?? 0
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        kernel.withUnsafeBufferPointer { kp in
        withOptionalPointer(t.bias?.value.data) { bias in
        o.weight.value.data.withUnsafeBufferPointer { ow in
        taps.withUnsafeBufferPointer { tp in
        zeros.withUnsafeBufferPointer { zp in
            let (xBase, yBase) = (xp.baseAddress!, yp.baseAddress!)
            parallelFor(n) { frames in
                let staged = AlignedFloats.allocate(s.lowStagedRows * s.lowStagedWidth * cin)
                let hidden = AlignedFloats.allocate(s.highPixels * cout)
                defer { staged.deallocate(); hidden.deallocate() }
                for f in frames {
                    StrideTwoConvolution.transposedFrame(xBase + f * s.lowPixels * cin, s, inChannels: cin, outChannels: cout,
                                                         packedKernel: kp.baseAddress!, bias: bias, rectify: true,
                                                         staging: staged, tiles: t.strideTwoTiles, into: hidden)
                    DirectConvolution.vectorForwardFrame(hidden, g, weight: ow.baseAddress!, taps: tp.baseAddress!,
                                                         zeros: zp.baseAddress!, bias: outputBias, tiles: o.tiles,
                                                         into: yBase + f * s.highPixels)
                }
            }
        }}}}}}}
        return y
    }

    /// Adds both layers' parameter gradients for `dy = dL/dy` and returns `dL/dx`.
    static func backward(_ dy: Tensor, input x: Tensor, transposed t: ConvTranspose2D, output o: Conv2D) -> Tensor {
        let s = StrideTwoConvolution.ConvTranspose2DPath.lowShape(x)
        let (cin, cout) = (t.inChannels, t.outChannels)
        let g = o.geometry(t.outputShape(x.shape))
        var dx = Tensor(overwritten: x.shape)                                   // written whole
        let kernel = t.weight.value.data.withUnsafeBufferPointer {
            StrideTwoConvolution.packRowsByVector($0.baseAddress!, u: cout, v: cin)
        }
        let forwardKernel = t.weight.value.data.withUnsafeBufferPointer {
            StrideTwoConvolution.packRowsByBroadcast($0.baseAddress!, u: cin, v: cout)
        }
        let slices = WorkChunks(count: s.frames).count                         // as withSlices and vectorBackward
        var outputPartial = [Float](repeating: 0, count: slices * 144)
        let paddedSize = DirectConvolution.paddedGradientSize(g)
        let biasGradient = x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
        kernel.withUnsafeBufferPointer { kp in
        forwardKernel.withUnsafeBufferPointer { fkp in
        withOptionalPointer(t.bias?.value.data) { bias in
        o.weight.value.data.withUnsafeBufferPointer { ow in
        outputPartial.withUnsafeMutableBufferPointer { op in
        t.weight.grad.data.withUnsafeMutableBufferPointer { dw in
            let (xBase, dyBase, dxBase, opBase) = (xp.baseAddress!, dyp.baseAddress!, dxp.baseAddress!, op.baseAddress!)
            return StrideTwoConvolution.withSlices(s, u: cout, v: cin, biasChannels: cout, into: dw.baseAddress!) {
                slice, frames, weightGradient, sums in
                let padded = AlignedFloats.allocate(paddedSize)
                let hidden = AlignedFloats.allocate(s.highPixels * cout)
                let stagedSize = s.highStagedRows * s.highStagedWidth * cout
                let staging = AlignedFloats.allocate(stagedSize)
                let lowStaging = AlignedFloats.allocate(s.lowStagedRows * s.lowStagedWidth * cin)
                defer { padded.deallocate(); hidden.deallocate(); staging.deallocate(); lowStaging.deallocate() }
                padded.update(repeating: 0, count: paddedSize)
                // The output layer writes the activation's masked gradient straight
                // into the staged layout (row Y + 1, column X + 1); the zero border
                // is never written.
                staging.update(repeating: 0, count: stagedSize)
                let stagedRowStride = s.highStagedWidth * cout
                for f in frames {
                    let input = xBase + f * s.lowPixels * cin
                    StrideTwoConvolution.transposedFrame(input, s, inChannels: cin, outChannels: cout, packedKernel: fkp.baseAddress!,
                                                         bias: bias, rectify: true, staging: lowStaging,
                                                         tiles: t.strideTwoTiles, into: hidden)
                    DirectConvolution.backwardFrame(hidden, g, weight: ow.baseAddress!, dy: dyBase + f * s.highPixels,
                                                    padded: padded, dx: staging + stagedRowStride + cout,
                                                    into: opBase + slice * 144, tiles: o.tiles,
                                                    stagedBy: (stagedRowStride, sums + f * cout))
                    StrideTwoConvolution.stagedTransposedBackwardFrame(staging, input: input, s, inChannels: cin, outChannels: cout,
                                                                       packedKernel: kp.baseAddress!, weightGradient: weightGradient,
                                                                       inputGradient: dxBase + f * s.lowPixels * cin,
                                                                       tiles: t.strideTwoTiles)
                }
            }
        }}}}}}}}}
        // Reductions in the layered path's order.
        if let bias = t.bias { for c in 0..<cout { bias.grad.data[c] += biasGradient[c] } }
        for slice in 0..<slices { for j in 0..<144 { o.weight.grad.data[j] += outputPartial[slice * 144 + j] } }
        if let bias = o.bias { addChannelSums(of: dy, into: bias) }
        return dx
    }
}
