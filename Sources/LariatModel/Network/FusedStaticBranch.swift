/// The skip branch `Conv(8,1)(ReLU(Conv(1,8)(s)))` run frame by frame when
/// every frame has its own static image, as in the training benchmark (its
/// PyTorch reference reads the current frame). `fit` decodes with one mean
/// image, on which the layers run once, and never comes here.
///
/// Why: layer by layer, the 8-channel features (33 MB for 256 frames of
/// 64 x 64) are written, read back by the output layer, read again by its
/// backward pass and once more as the ReLU's mask, and their gradient is
/// written and read: memory traffic, not arithmetic, set the branch's time.
/// Here one frame's features stay in the core's cache: the forward pass
/// keeps only the one-channel output, the backward pass recomputes them.
/// The arithmetic and its order are the layers' own (`forwardFrame`,
/// `vectorForwardFrame`, `vectorBackwardFrame`, `weightGradientFrame`, the
/// same slices of frames), so results are bit-identical to the layered path.
enum FusedStaticBranch {
    /// `false` keeps the layer-by-layer path (a reference for tests).
    nonisolated(unsafe) static var isAllowed = true

    static func applies(conv: Conv2D, output: Conv2D, staticShape: [Int]) -> Bool {
        guard isAllowed, staticShape.count == 4, staticShape[0] > 1, staticShape[3] == 1 else { return false }
        let g = output.geometry([staticShape[0], staticShape[1], staticShape[2], output.inChannels])
        return conv.usesSingleChannelKernel && conv.kernel == 3 && conv.stride == 1 && conv.padding == 1
            && conv.outChannels == 8 && output.inChannels == 8 && output.usesDirectKernel
            && DirectConvolution.hasVectorPath(g)
    }

    /// What both passes need: the two layers' geometries and prepared weights.
    private struct Plan {
        let frames: Int, pixels: Int
        let convGeometry: ConvGeometry, outputGeometry: ConvGeometry
        let convWeight: [Float], convBias: [Float], outputTaps: AlignedArray, zeros: [Float]

        init(_ s: Tensor, conv: Conv2D, output: Conv2D) {
            frames = s.shape[0]; pixels = s.shape[1] * s.shape[2]
            convGeometry = conv.geometry(s.shape)
            outputGeometry = output.geometry([frames, s.shape[1], s.shape[2], 8])
            convWeight = conv.weight.value.data.withUnsafeBufferPointer {
                SingleChannelConvolution.transposedWeight($0.baseAddress!, taps: 9, outChannels: 8)
            }
            convBias = conv.bias?.value.data ?? [Float](repeating: 0, count: 8)
            outputTaps = output.weight.value.data.withUnsafeBufferPointer {
                DirectConvolution.tapRegisters($0.baseAddress!, channels: 8)
            }
            zeros = [Float](repeating: 0, count: (s.shape[2] + 2) * 8)
        }
    }

    /// `Conv(8,1)(ReLU(Conv(1,8)(s)))` for `N x H x W x 1` static images.
    static func forward(_ s: Tensor, conv: Conv2D, output: Conv2D) -> Tensor {
        let plan = Plan(s, conv: conv, output: output)
        var ys = Tensor(overwritten: [plan.frames, s.shape[1], s.shape[2], 1])   // written whole
        let outputBias = output.bias?.value.data[0] ?? 0
        s.data.withUnsafeBufferPointer { sp in
        ys.data.withUnsafeMutableBufferPointer { yp in
        plan.convWeight.withUnsafeBufferPointer { cw in
        plan.convBias.withUnsafeBufferPointer { cb in
        output.weight.value.data.withUnsafeBufferPointer { ow in
        plan.outputTaps.withUnsafeBufferPointer { taps in
        plan.zeros.withUnsafeBufferPointer { zeros in
            let (sBase, yBase) = (sp.baseAddress!, yp.baseAddress!)
            parallelFor(plan.frames) { range in
                let features = AlignedFloats.allocate(plan.pixels * 8)
                defer { features.deallocate() }
                for f in range {
                    SingleChannelConvolution.forwardFrame(sBase + f * plan.pixels, plan.convGeometry,
                                                          transposedWeight: cw.baseAddress!, bias: cb.baseAddress!,
                                                          outChannels: 8, rectify: true, into: features)
                    DirectConvolution.vectorForwardFrame(features, plan.outputGeometry, weight: ow.baseAddress!,
                                                         taps: taps.baseAddress!, zeros: zeros.baseAddress!, bias: outputBias,
                                                         into: yBase + f * plan.pixels)
                }
            }
        }}}}}}}
        return ys
    }

    /// Adds both layers' parameter gradients for `dys = dL/dys` (`N x H x W x 1`).
    static func backward(_ dys: Tensor, static s: Tensor, conv: Conv2D, output: Conv2D) {
        let plan = Plan(s, conv: conv, output: output)
        let slices = min(parallelSlices, plan.frames)
        var outputPartial = [Float](repeating: 0, count: slices * 72)   // [slice][tap][c], as vectorBackward
        var convPartial = [Float](repeating: 0, count: slices * 72)     // [slice][tap][co], as weightGradient
        var frameSums = [Double](repeating: 0, count: plan.frames * 8)
        let paddedSize = DirectConvolution.paddedGradientSize(plan.outputGeometry)
        s.data.withUnsafeBufferPointer { sp in
        dys.data.withUnsafeBufferPointer { dp in
        plan.convWeight.withUnsafeBufferPointer { cw in
        plan.convBias.withUnsafeBufferPointer { cb in
        output.weight.value.data.withUnsafeBufferPointer { ow in
        outputPartial.withUnsafeMutableBufferPointer { op in
        convPartial.withUnsafeMutableBufferPointer { cp in
        frameSums.withUnsafeMutableBufferPointer { fs in
            let (sBase, dBase, opBase, cpBase, fsBase) = (sp.baseAddress!, dp.baseAddress!, op.baseAddress!,
                                                           cp.baseAddress!, fs.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let features = AlignedFloats.allocate(plan.pixels * 8)
                let dFeatures = AlignedFloats.allocate(plan.pixels * 8)
                let staging = AlignedFloats.allocate(plan.pixels * 8)
                let padded = AlignedFloats.allocate(paddedSize)
                defer { features.deallocate(); dFeatures.deallocate(); staging.deallocate(); padded.deallocate() }
                padded.update(repeating: 0, count: paddedSize)
                for f in (plan.frames * slice / slices)..<(plan.frames * (slice + 1) / slices) {
                    let image = sBase + f * plan.pixels
                    SingleChannelConvolution.forwardFrame(image, plan.convGeometry, transposedWeight: cw.baseAddress!,
                                                          bias: cb.baseAddress!, outChannels: 8, rectify: true, into: features)
                    DirectConvolution.vectorBackwardFrame(features, plan.outputGeometry, weight: ow.baseAddress!,
                                                          dy: dBase + f * plan.pixels, padded: padded, dx: dFeatures,
                                                          into: opBase + slice * 72, as: SIMD8<Float>.self)
                    SingleChannelConvolution.weightGradientFrame(image, plan.convGeometry, dy: dFeatures,
                                                                 rectifiedOutput: features, staging: staging, outChannels: 8,
                                                                 biasSums: fsBase + f * 8, into: cpBase + slice * 72)
                }
            }
        }}}}}}}}
        // Reductions in the layered path's order.
        for slice in 0..<slices { for j in 0..<72 { output.weight.grad.data[j] += outputPartial[slice * 72 + j] } }
        if let bias = output.bias { addChannelSums(of: dys, into: bias) }
        for slice in 0..<slices {
            for co in 0..<8 { for tap in 0..<9 { conv.weight.grad.data[co * 9 + tap] += convPartial[slice * 72 + tap * 8 + co] } }
        }
        if let bias = conv.bias {
            var total = [Double](repeating: 0, count: 8)
            for f in 0..<plan.frames { for c in 0..<8 { total[c] += frameSums[f * 8 + c] } }
            for c in 0..<8 { bias.grad.data[c] += Float(total[c]) }
        }
    }
}

import Dispatch
