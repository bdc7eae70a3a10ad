/// The network's 3x3, stride-2, padding-1 convolutions with 16 or 32
/// channels on both sides (encoder Conv(16,32) and Conv(32,32), decoder
/// ConvT(32,32), ConvT(32,16) and ConvT(16,16)), forward and backward,
/// computed directly: every multiply-add is a vector FMA of a broadcast
/// input value with sixteen (or eight) weights, accumulated in registers.
/// The register tiles come in two families (`StrideTwoTiles`: `AVX512Tiles`
/// below, `AVX2Tiles` in `StrideTwoConvolution+AVX2.swift`) that give the
/// same bits; a layer looks its family up when it is built (`RegisterTiles`).
///
/// Why: as GEMMs these layers have k = 144..288 and n = 16..64, so im2col
/// (or the sub-pixel GEMM's neighbourhood gather and phase reordering)
/// moves more memory than the multiply-adds need, and OpenBLAS runs such
/// narrow GEMMs far below its peak (session 3: 38-80 GFLOP/s against a
/// 300 GFLOP/s sgemm). Here each frame is copied once into a zero-bordered
/// buffer that stays in the core's cache, so the kernels never test an
/// edge, and outputs are written once, with bias and ReLU applied.
///
/// Everything is three operations between a "high" frame (2h x 2w) and a
/// "low" one (h x w), with taps t = (ky, kx), Y = 2p - 1 + ky, X = 2q - 1 + kx
/// (positions outside the frame read as zero):
///
///     gather:    low[p, q, v]  = b[v] + sum_{t,u} high[Y, X, u] K[t, u, v]     conv forward, ConvT input gradient
///     scatter:   high[Y, X, v] = b[v] + sum_{p,q,t,u} low[p, q, u] K[t, u, v]  ConvT forward, conv input gradient
///     correlate: G[t, u, v]   += sum_{p,q} high[Y, X, u] low[p, q, v]          both weight gradients
///
/// (a stride-2 conv's adjoint is a transposed conv and vice versa). `v`,
/// the channels in the vector, and `u` are 16 or 32.
/// Packed kernels are `K[v / 16][t][u][v % 16]`.
enum StrideTwoConvolution {
    typealias Vector = SIMD16<Float>

    /// Whether a layer's geometry and channels take this path (its
    /// full-resolution side must also be of even size: `Conv2DPath`).
    static func accepts(_ s: ConvolutionShape) -> Bool {
        // 16 or 32 channels: `copyRow`'s bias sums hold two channel vectors.
        s.kernel == 3 && s.stride == 2 && s.padding == 1 && [16, 32].contains(s.inChannels) && [16, 32].contains(s.outChannels)
    }

    /// Pixels per register tile: 8 outputs of `gather`, 4 neighbourhoods (16 outputs) of `scatter`.
    static let gatherTile = 8, scatterTile = 4

    /// Sizes of one call: `frames` frames of `h x w` (low) and `2h x 2w` (high).
    struct Shape {
        var frames: Int, height: Int, width: Int
        var lowPixels: Int { height * width }
        var highPixels: Int { 4 * height * width }
        /// Columns of the zero-bordered high buffer: X + 1 for X in -1 ..< 2 * (width rounded up to the gather tile).
        var highStagedWidth: Int { 2 * roundUp(width, StrideTwoConvolution.gatherTile) + 1 }
        var highStagedRows: Int { 2 * height + 1 }
        /// Columns of the zero-bordered low buffer: q in 0 ... width rounded up to the scatter tile.
        var lowStagedWidth: Int { roundUp(width, StrideTwoConvolution.scatterTile) + 1 }
        var lowStagedRows: Int { height + 1 }
    }

    @inline(__always) static func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

    // MARK: Weight layouts

    /// `K[t][u][v] = w[v * 9U + t * U + u]`: a `V x 9U` weight whose rows are
    /// the vector side (Conv2D's `Cout x 9Cin` for its forward; ConvTranspose2D's
    /// `Cin x 9Cout` for its input gradient).
    static func packRowsByVector(_ w: UnsafePointer<Float>, u: Int, v: Int) -> AlignedArray {
        var k = [Float](repeating: 0, count: 9 * u * v)
        for vv in 0..<v { for t in 0..<9 { for uu in 0..<u {
            k[((vv / 16 * 9 + t) * u + uu) * 16 + vv % 16] = w[vv * 9 * u + t * u + uu]
        }}}
        return AlignedArray(k)
    }

    /// `K[t][u][v] = w[u * 9V + t * V + v]`: a `U x 9V` weight whose rows are
    /// the broadcast side (ConvTranspose2D's `Cin x 9Cout` for its forward;
    /// Conv2D's `Cout x 9Cin` for its input gradient).
    static func packRowsByBroadcast(_ w: UnsafePointer<Float>, u: Int, v: Int) -> AlignedArray {
        var k = [Float](repeating: 0, count: 9 * u * v)
        for uu in 0..<u { for t in 0..<9 { for vv in 0..<v {
            k[((vv / 16 * 9 + t) * u + uu) * 16 + vv % 16] = w[uu * 9 * v + t * v + vv]
        }}}
        return AlignedArray(k)
    }

    /// Adds `G[t][u][v]` (packed) into a `V x 9U` weight gradient: `dw[v * 9U + t * U + u]`,
    /// the layout of both Conv2D (v = Cout, u = Cin) and ConvTranspose2D (v = Cin, u = Cout).
    static func addUnpacked(_ g: UnsafePointer<Float>, u: Int, v: Int, into dw: UnsafeMutablePointer<Float>) {
        for vv in 0..<v { for t in 0..<9 { for uu in 0..<u {
            dw[vv * 9 * u + t * u + uu] += g[((vv / 16 * 9 + t) * u + uu) * 16 + vv % 16]
        }}}
    }

    // MARK: Layers

    /// Conv2D forward: `x` is `N x 2h x 2w x U`, `y` is `N x h x w x V`, written whole.
    static func convolution(_ x: UnsafePointer<Float>, _ s: Shape, inChannels u: Int, outChannels v: Int,
                            weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rectify: Bool,
                            tiles: any StrideTwoTiles.Type, into y: UnsafeMutablePointer<Float>) {
        let k = packRowsByVector(weight, u: u, v: v)
        k.withUnsafeBufferPointer { kp in
            parallelFor(s.frames) { frames in
                let staged = AlignedFloats.allocate(s.highStagedRows * s.highStagedWidth * u)
                defer { staged.deallocate() }
                for f in frames {
                    stageHigh(x + f * s.highPixels * u, s, channels: u, mask: nil, sums: nil, into: staged)
                    tiles.gather(staged, s, u: u, v: v, kernel: kp.baseAddress!, bias: bias, rectify: rectify,
                           into: y + f * s.lowPixels * v)
                }
            }
        }
    }

    /// Conv2D backward for `dy` (`N x h x w x V`), masked first by the ReLU's
    /// derivative where `rectifiedOutput` is given: adds `dL/dW` into `dw`,
    /// writes `dL/dx` when `dx` is given, and returns each channel's `dL/db`.
    static func convolutionBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ s: Shape,
                                    inChannels u: Int, outChannels v: Int, weight: UnsafePointer<Float>,
                                    rectifiedOutput: UnsafePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>,
                                    inputGradient dx: UnsafeMutablePointer<Float>?, tiles: any StrideTwoTiles.Type) -> [Float] {
        let k = packRowsByBroadcast(weight, u: v, v: u)   // dx = scatter of dy: broadcast Cout, vector Cin
        return withSlices(s, u: u, v: v, biasChannels: v, into: dw) { _, frames, g, sums in
            let low = AlignedFloats.allocate(s.lowStagedRows * s.lowStagedWidth * v)
            let high = AlignedFloats.allocate(s.highStagedRows * s.highStagedWidth * u)
            defer { low.deallocate(); high.deallocate() }
            for f in frames {
                stageLow(dy + f * s.lowPixels * v, s, channels: v, mask: rectifiedOutput.map { $0 + f * s.lowPixels * v },
                         sums: sums + f * v, into: low)
                if let dx {
                    k.withUnsafeBufferPointer { kp in
                        tiles.scatter(low, s, u: v, v: u, kernel: kp.baseAddress!, bias: nil, rectify: false,
                                into: dx + f * s.highPixels * u)
                    }
                }
                stageHigh(x + f * s.highPixels * u, s, channels: u, mask: nil, sums: nil, into: high)
                tiles.correlate(high, s, low: low, lowRowStride: s.lowStagedWidth * v, u: u, v: v, into: g)
            }
        }
    }

    /// ConvTranspose2D forward: `x` is `N x h x w x U`, `y` is `N x 2h x 2w x V`, written whole.
    static func transposed(_ x: UnsafePointer<Float>, _ s: Shape, inChannels u: Int, outChannels v: Int,
                           weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rectify: Bool,
                           tiles: any StrideTwoTiles.Type, into y: UnsafeMutablePointer<Float>) {
        let k = packRowsByBroadcast(weight, u: u, v: v)
        k.withUnsafeBufferPointer { kp in
            parallelFor(s.frames) { frames in
                let staged = AlignedFloats.allocate(s.lowStagedRows * s.lowStagedWidth * u)
                defer { staged.deallocate() }
                for f in frames {
                    transposedFrame(x + f * s.lowPixels * u, s, inChannels: u, outChannels: v, packedKernel: kp.baseAddress!,
                                    bias: bias, rectify: rectify, staging: staged, tiles: tiles, into: y + f * s.highPixels * v)
                }
            }
        }
    }

    /// One frame of `transposed`; `kernel` is `packRowsByBroadcast(weight, u: Cin, v: Cout)`,
    /// `staging` a `stageLow` buffer.
    static func transposedFrame(_ x: UnsafePointer<Float>, _ s: Shape, inChannels u: Int, outChannels v: Int,
                                packedKernel k: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rectify: Bool,
                                staging: UnsafeMutablePointer<Float>, tiles: any StrideTwoTiles.Type,
                                into y: UnsafeMutablePointer<Float>) {
        stageLow(x, s, channels: u, mask: nil, sums: nil, into: staging)
        tiles.scatter(staging, s, u: u, v: v, kernel: k, bias: bias, rectify: rectify, into: y)
    }

    /// ConvTranspose2D backward (input `x` is `N x h x w x Cin`, `dy` is
    /// `N x 2h x 2w x Cout`), as `convolutionBackward`.
    static func transposedBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ s: Shape,
                                   inChannels cin: Int, outChannels cout: Int, weight: UnsafePointer<Float>,
                                   rectifiedOutput: UnsafePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>,
                                   inputGradient dx: UnsafeMutablePointer<Float>?, tiles: any StrideTwoTiles.Type) -> [Float] {
        let k = packRowsByVector(weight, u: cout, v: cin)   // dx = gather of dy: broadcast Cout, vector Cin
        return withSlices(s, u: cout, v: cin, biasChannels: cout, into: dw) { _, frames, g, sums in
            let high = AlignedFloats.allocate(s.highStagedRows * s.highStagedWidth * cout)
            defer { high.deallocate() }
            k.withUnsafeBufferPointer { kp in
                for f in frames {
                    transposedBackwardFrame(dy + f * s.highPixels * cout, input: x + f * s.lowPixels * cin, s,
                                            inChannels: cin, outChannels: cout, packedKernel: kp.baseAddress!,
                                            rectifiedOutput: rectifiedOutput.map { $0 + f * s.highPixels * cout },
                                            staging: high, biasSums: sums + f * cout, weightGradient: g,
                                            inputGradient: dx.map { $0 + f * s.lowPixels * cin }, tiles: tiles)
                }
            }
        }
    }

    /// One frame of `transposedBackward`: `dy` and `rectifiedOutput` are the
    /// frame's `2h x 2w x Cout`, `x` its `h x w x Cin`; `kernel` is
    /// `packRowsByVector(weight, u: Cout, v: Cin)`, `staging` a `stageHigh`
    /// buffer; adds into the packed `weightGradient` and `biasSums`.
    static func transposedBackwardFrame(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ s: Shape,
                                        inChannels cin: Int, outChannels cout: Int, packedKernel k: UnsafePointer<Float>,
                                        rectifiedOutput: UnsafePointer<Float>?, staging high: UnsafeMutablePointer<Float>,
                                        biasSums: UnsafeMutablePointer<Double>, weightGradient g: UnsafeMutablePointer<Float>,
                                        inputGradient dx: UnsafeMutablePointer<Float>?, tiles: any StrideTwoTiles.Type) {
        stageHigh(dy, s, channels: cout, mask: rectifiedOutput, sums: biasSums, into: high)
        stagedTransposedBackwardFrame(high, input: x, s, inChannels: cin, outChannels: cout, packedKernel: k,
                                      weightGradient: g, inputGradient: dx, tiles: tiles)
    }

    /// `transposedBackwardFrame` after its staging: `high` holds the frame's
    /// masked `dy` as `stageHigh` leaves it.
    static func stagedTransposedBackwardFrame(_ high: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ s: Shape,
                                              inChannels cin: Int, outChannels cout: Int, packedKernel k: UnsafePointer<Float>,
                                              weightGradient g: UnsafeMutablePointer<Float>,
                                              inputGradient dx: UnsafeMutablePointer<Float>?, tiles: any StrideTwoTiles.Type) {
        if let dx { tiles.gather(high, s, u: cout, v: cin, kernel: k, bias: nil, rectify: false, into: dx) }
        tiles.correlate(high, s, low: x, lowRowStride: s.width * cin, u: cout, v: cin, into: g)
    }

    /// Runs `body(slice, frames, G, frameSums)` on fixed chunks of the frames on
    /// all cores, each slice with its own packed weight gradient `G`; adds
    /// the slices' `G` in slice order into `dw` (a `V x 9U` gradient) and
    /// returns the bias gradient summed in frame order: the result does not
    /// depend on scheduling.
    static func withSlices(_ s: Shape, u: Int, v: Int, biasChannels c: Int, into dw: UnsafeMutablePointer<Float>,
                           _ body: (Int, Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Double>) -> Void)
        -> [Float] {
        let size = 9 * u * v
        let chunks = WorkChunks(count: s.frames)
        let slices = chunks.count
        var partial = [Float](repeating: 0, count: slices * size)
        var frameSums = [Double](repeating: 0, count: s.frames * c)
        partial.withUnsafeMutableBufferPointer { pp in
        frameSums.withUnsafeMutableBufferPointer { sp in
            let (pBase, sBase) = (pp.baseAddress!, sp.baseAddress!)
            chunks.run { slice, range in body(slice, range, pBase + slice * size, sBase) }
            for slice in 1..<max(1, slices) {
                for i in 0..<size { pBase[i] += pBase[slice * size + i] }
            }
            addUnpacked(pBase, u: u, v: v, into: dw)
        }}
        var total = [Double](repeating: 0, count: c)
        for f in 0..<s.frames { for j in 0..<c { total[j] += frameSums[f * c + j] } }
        return total.map { Float($0) }
    }

    // MARK: Staging

    /// Copies one high frame (`2h x 2w x C`) into the zero-bordered buffer
    /// (row Y + 1, column X + 1), masked where `mask <= 0`, adding the
    /// (masked) values' per-channel sums to `sums`.
    static func stageHigh(_ src: UnsafePointer<Float>, _ s: Shape, channels c: Int, mask: UnsafePointer<Float>?,
                          sums: UnsafeMutablePointer<Double>?, into buf: UnsafeMutablePointer<Float>) {
        let width = 2 * s.width, sw = s.highStagedWidth
        buf.update(repeating: 0, count: sw * c)                 // row Y = -1
        for y in 0..<(2 * s.height) {
            let row = buf + (y + 1) * sw * c
            row.update(repeating: 0, count: c)                  // column X = -1
            copyRow(src + y * width * c, count: width * c, channels: c, mask: mask.map { $0 + y * width * c },
                    sums: sums, into: row + c)
            (row + (width + 1) * c).update(repeating: 0, count: (sw - width - 1) * c)
        }
    }

    /// Copies one low frame (`h x w x C`) into the buffer with zeros past its
    /// right and bottom edges, as `stageHigh`.
    static func stageLow(_ src: UnsafePointer<Float>, _ s: Shape, channels c: Int, mask: UnsafePointer<Float>?,
                         sums: UnsafeMutablePointer<Double>?, into buf: UnsafeMutablePointer<Float>) {
        let width = s.width, lw = s.lowStagedWidth
        for y in 0..<s.height {
            let row = buf + y * lw * c
            copyRow(src + y * width * c, count: width * c, channels: c, mask: mask.map { $0 + y * width * c },
                    sums: sums, into: row)
            (row + width * c).update(repeating: 0, count: (lw - width) * c)
        }
        (buf + s.height * lw * c).update(repeating: 0, count: lw * c)
    }

    /// `dst = src` (zero where `mask <= 0`); per-channel sums of `dst`
    /// folded from float partials into `sums` once per row.
    @inline(__always)
    static func copyRow(_ src: UnsafePointer<Float>, count: Int, channels c: Int, mask: UnsafePointer<Float>?,
                        sums: UnsafeMutablePointer<Double>?, into dst: UnsafeMutablePointer<Float>) {
        guard mask != nil || sums != nil else { dst.update(from: src, count: count); return }
        var s0 = Vector(), s1 = Vector()          // channel vectors 0 and 1 (c is 16 or 32)
        var i = 0
        while i < count {
            for half in 0..<(c / 16) {
                var g = load16(src + i + 16 * half)
                if let mask { g = g.replacing(with: 0, where: load16(mask + i + 16 * half) .<= 0) }
                store16(g, dst + i + 16 * half)
                if half == 0 { s0 += g } else { s1 += g }
            }
            i += c
        }
        if let sums {
            for j in 0..<16 { sums[j] += Double(s0[j]) }
            if c == 32 { for j in 0..<16 { sums[16 + j] += Double(s1[j]) } }
        }
    }

    /// The kernels' register tiles for `tiles` (looked up when a layer is built).
    static func kernels(for tiles: RegisterTiles) -> any StrideTwoTiles.Type {
        switch tiles {
        case .avx2: AVX2Tiles.self
        case .avx512: AVX512Tiles.self
        }
    }

    /// Tiles of 8-24 sixteen-float accumulators, for 32 zmm registers.
    enum AVX512Tiles: StrideTwoTiles {}
    /// Tiles of at most 12 eight-float (ymm) accumulators, for 16 ymm registers
    /// (`StrideTwoConvolution+AVX2.swift`).
    enum AVX2Tiles: StrideTwoTiles {}
}

/// One register-tile family of the three stride-2 kernels (`RegisterTiles`),
/// each computing one frame; every family gives the same bits.
protocol StrideTwoTiles {
    /// `low = gather(high)` on a `stageHigh` buffer; `out` is `h x w x v`, written whole.
    static func gather(_ high: UnsafePointer<Float>, _ s: StrideTwoConvolution.Shape, u: Int, v: Int,
                       kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rectify: Bool,
                       into out: UnsafeMutablePointer<Float>)
    /// `high = scatter(low)` on a `stageLow` buffer; `out` is `2h x 2w x v`, written whole.
    static func scatter(_ low: UnsafePointer<Float>, _ s: StrideTwoConvolution.Shape, u: Int, v: Int,
                        kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rectify: Bool,
                        into out: UnsafeMutablePointer<Float>)
    /// `G += correlate(high, low)` for one frame, `G` packed as `K`.
    static func correlate(_ high: UnsafePointer<Float>, _ s: StrideTwoConvolution.Shape, low: UnsafePointer<Float>,
                          lowRowStride: Int, u: Int, v: Int, into g: UnsafeMutablePointer<Float>)
}

extension StrideTwoConvolution.AVX512Tiles {
    typealias Vector = SIMD16<Float>
    typealias Shape = StrideTwoConvolution.Shape

    // MARK: Kernels (one frame)

    // Each kernel is specialised per channel pair (`Channels16`,
    // `Channels32`): with `u` and `v` constants the loads of a tile share one
    // base register at fixed offsets. With them as variables the tile needs
    // a pointer per neighbour, more than the registers left beside the
    // accumulators, and the short 16-channel loops spent much of their
    // instructions moving pointers.

    /// `low = gather(high)` on a `stageHigh` buffer; `out` is `h x w x v`, written whole.
    static func gather(_ high: UnsafePointer<Float>, _ s: Shape, u: Int, v: Int, kernel: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, rectify: Bool, into out: UnsafeMutablePointer<Float>) {
        switch (u, v) {
        case (16, 16): gatherKernel(high, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels16.self, Channels16.self)
        case (16, 32): gatherKernel(high, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels16.self, Channels32.self)
        case (32, 16): gatherKernel(high, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels32.self, Channels16.self)
        case (32, 32): gatherKernel(high, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels32.self, Channels32.self)
        default: preconditionFailure("StrideTwoConvolution: \(u) and \(v) channels (16 or 32 only)")
        }
    }

    static func gatherKernel<U: ChannelCount, V: ChannelCount>(
        _ high: UnsafePointer<Float>, _ s: Shape, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rectify: Bool, into out: UnsafeMutablePointer<Float>, _: U.Type, _: V.Type) {
        let (u, v) = (U.count, V.count)
        let sw = s.highStagedWidth
        for vb in 0..<(v / 16) {
            let kb = kernel + vb * 9 * u * 16
            let b = bias.map { load16($0 + vb * 16) } ?? Vector()
            for p in 0..<s.height {
                var q0 = 0
                while q0 < s.width {
                    var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b
                    for ky in 0..<3 {
                        // Staged column X + 1 = 2q + kx for output q.
                        let row = high + ((2 * p + ky) * sw + 2 * q0) * u
                        for kx in 0..<3 {
                            let px = row + kx * u, kt = kb + (ky * 3 + kx) * u * 16
                            for c in 0..<u {
                                let w = load16(kt + c * 16)
                                a0 = multiplyAdd(a0, Vector(repeating: px[c]), w)
                                a1 = multiplyAdd(a1, Vector(repeating: px[2 * u + c]), w)
                                a2 = multiplyAdd(a2, Vector(repeating: px[4 * u + c]), w)
                                a3 = multiplyAdd(a3, Vector(repeating: px[6 * u + c]), w)
                                a4 = multiplyAdd(a4, Vector(repeating: px[8 * u + c]), w)
                                a5 = multiplyAdd(a5, Vector(repeating: px[10 * u + c]), w)
                                a6 = multiplyAdd(a6, Vector(repeating: px[12 * u + c]), w)
                                a7 = multiplyAdd(a7, Vector(repeating: px[14 * u + c]), w)
                            }
                        }
                    }
                    let dst = out + (p * s.width + q0) * v + vb * 16
                    let valid = min(8, s.width - q0)
                    withUnsafeTemporaryAllocation(of: Vector.self, capacity: 8) { acc in
                        acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3
                        acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7
                        for i in 0..<valid {
                            store16(rectify ? acc[i].replacing(with: 0, where: acc[i] .< 0) : acc[i], dst + i * v)
                        }
                    }
                    q0 += 8
                }
            }
        }
    }

    /// `high = scatter(low)` on a `stageLow` buffer; `out` is `2h x 2w x v`, written whole.
    /// Output (2i + a, 2j + b) reads the neighbourhood low[i..i+1, j..j+1]:
    /// even phases tap 1 at offset 0, odd phases tap 2 at offset 0 and tap 0 at offset 1.
    static func scatter(_ low: UnsafePointer<Float>, _ s: Shape, u: Int, v: Int, kernel: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, rectify: Bool, into out: UnsafeMutablePointer<Float>) {
        switch (u, v) {
        case (16, 16): scatterKernel(low, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels16.self, Channels16.self)
        case (16, 32): scatterKernel(low, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels16.self, Channels32.self)
        case (32, 16): scatterKernel(low, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels32.self, Channels16.self)
        case (32, 32): scatterKernel(low, s, kernel: kernel, bias: bias, rectify: rectify, into: out, Channels32.self, Channels32.self)
        default: preconditionFailure("StrideTwoConvolution: \(u) and \(v) channels (16 or 32 only)")
        }
    }

    static func scatterKernel<U: ChannelCount, V: ChannelCount>(
        _ low: UnsafePointer<Float>, _ s: Shape, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rectify: Bool, into out: UnsafeMutablePointer<Float>, _: U.Type, _: V.Type) {
        let (u, v) = (U.count, V.count)
        let lw = s.lowStagedWidth, outWidth = 2 * s.width
        for vb in 0..<(v / 16) {
            let kb = kernel + vb * 9 * u * 16
            let b = bias.map { load16($0 + vb * 16) } ?? Vector()
            for i in 0..<s.height {
                var j0 = 0
                while j0 < s.width {
                    // e<a><b>_<p>: phase (a, b) of neighbourhood j0 + p.
                    var e00_0 = b, e01_0 = b, e10_0 = b, e11_0 = b
                    var e00_1 = b, e01_1 = b, e10_1 = b, e11_1 = b
                    var e00_2 = b, e01_2 = b, e10_2 = b, e11_2 = b
                    var e00_3 = b, e01_3 = b, e10_3 = b, e11_3 = b
                    let r0 = low + (i * lw + j0) * u, r1 = r0 + lw * u
                    for c in 0..<u {
                        let kc = kb + c * 16, tap = u * 16
                        let w0 = load16(kc), w1 = load16(kc + tap), w2 = load16(kc + 2 * tap)
                        let w3 = load16(kc + 3 * tap), w4 = load16(kc + 4 * tap), w5 = load16(kc + 5 * tap)
                        let w6 = load16(kc + 6 * tap), w7 = load16(kc + 7 * tap), w8 = load16(kc + 8 * tap)
                        let x0 = Vector(repeating: r0[c]), x1 = Vector(repeating: r0[u + c])
                        let y0 = Vector(repeating: r1[c]), y1 = Vector(repeating: r1[u + c])
                        e00_0 = multiplyAdd(e00_0, x0, w4)
                        e01_0 = multiplyAdd(multiplyAdd(e01_0, x0, w5), x1, w3)
                        e10_0 = multiplyAdd(multiplyAdd(e10_0, x0, w7), y0, w1)
                        e11_0 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_0, x0, w8), x1, w6), y0, w2), y1, w0)
                        let x2 = Vector(repeating: r0[2 * u + c]), y2 = Vector(repeating: r1[2 * u + c])
                        e00_1 = multiplyAdd(e00_1, x1, w4)
                        e01_1 = multiplyAdd(multiplyAdd(e01_1, x1, w5), x2, w3)
                        e10_1 = multiplyAdd(multiplyAdd(e10_1, x1, w7), y1, w1)
                        e11_1 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_1, x1, w8), x2, w6), y1, w2), y2, w0)
                        let x3 = Vector(repeating: r0[3 * u + c]), y3 = Vector(repeating: r1[3 * u + c])
                        e00_2 = multiplyAdd(e00_2, x2, w4)
                        e01_2 = multiplyAdd(multiplyAdd(e01_2, x2, w5), x3, w3)
                        e10_2 = multiplyAdd(multiplyAdd(e10_2, x2, w7), y2, w1)
                        e11_2 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_2, x2, w8), x3, w6), y2, w2), y3, w0)
                        let x4 = Vector(repeating: r0[4 * u + c]), y4 = Vector(repeating: r1[4 * u + c])
                        e00_3 = multiplyAdd(e00_3, x3, w4)
                        e01_3 = multiplyAdd(multiplyAdd(e01_3, x3, w5), x4, w3)
                        e10_3 = multiplyAdd(multiplyAdd(e10_3, x3, w7), y3, w1)
                        e11_3 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_3, x3, w8), x4, w6), y3, w2), y4, w0)
                    }
                    let valid = min(4, s.width - j0)
                    withUnsafeTemporaryAllocation(of: Vector.self, capacity: 16) { acc in
                        acc[0] = e00_0; acc[1] = e01_0; acc[2] = e10_0; acc[3] = e11_0
                        acc[4] = e00_1; acc[5] = e01_1; acc[6] = e10_1; acc[7] = e11_1
                        acc[8] = e00_2; acc[9] = e01_2; acc[10] = e10_2; acc[11] = e11_2
                        acc[12] = e00_3; acc[13] = e01_3; acc[14] = e10_3; acc[15] = e11_3
                        for p in 0..<valid {
                            for phase in 0..<4 {
                                let (a, bb) = (phase / 2, phase % 2)
                                let e = acc[p * 4 + phase]
                                let dst = out + ((2 * i + a) * outWidth + 2 * (j0 + p) + bb) * v + vb * 16
                                store16(rectify ? e.replacing(with: 0, where: e .< 0) : e, dst)
                            }
                        }
                    }
                    j0 += 4
                }
            }
        }
    }

    /// `G += correlate(high, low)` for one frame: `high` a `stageHigh` buffer
    /// with `u` channels, `low` the `h x w x v` frame (rows `lowRowStride`
    /// floats apart); `g` packed as `K`. Tiles of 3 kx x 8 input channels
    /// (24 registers) per (vector block, ky, channel block), each one pass
    /// over the frame's pixels.
    static func correlate(_ high: UnsafePointer<Float>, _ s: Shape, low: UnsafePointer<Float>, lowRowStride: Int,
                          u: Int, v: Int, into g: UnsafeMutablePointer<Float>) {
        switch (u, v) {
        case (16, 16): correlateKernel(high, s, low: low, lowRowStride: lowRowStride, into: g, Channels16.self, Channels16.self)
        case (16, 32): correlateKernel(high, s, low: low, lowRowStride: lowRowStride, into: g, Channels16.self, Channels32.self)
        case (32, 16): correlateKernel(high, s, low: low, lowRowStride: lowRowStride, into: g, Channels32.self, Channels16.self)
        case (32, 32): correlateKernel(high, s, low: low, lowRowStride: lowRowStride, into: g, Channels32.self, Channels32.self)
        default: preconditionFailure("StrideTwoConvolution: \(u) and \(v) channels (16 or 32 only)")
        }
    }

    static func correlateKernel<U: ChannelCount, V: ChannelCount>(
        _ high: UnsafePointer<Float>, _ s: Shape, low: UnsafePointer<Float>, lowRowStride: Int,
        into g: UnsafeMutablePointer<Float>, _: U.Type, _: V.Type) {
        let (u, v) = (U.count, V.count)
        let sw = s.highStagedWidth
        for vb in 0..<(v / 16) {
            for ky in 0..<3 {
                var c0 = 0
                while c0 < u {
                    // a<kx>_<c>: tap (ky, kx), input channel c0 + c.
                    var a0_0 = Vector(), a0_1 = Vector(), a0_2 = Vector(), a0_3 = Vector()
                    var a0_4 = Vector(), a0_5 = Vector(), a0_6 = Vector(), a0_7 = Vector()
                    var a1_0 = Vector(), a1_1 = Vector(), a1_2 = Vector(), a1_3 = Vector()
                    var a1_4 = Vector(), a1_5 = Vector(), a1_6 = Vector(), a1_7 = Vector()
                    var a2_0 = Vector(), a2_1 = Vector(), a2_2 = Vector(), a2_3 = Vector()
                    var a2_4 = Vector(), a2_5 = Vector(), a2_6 = Vector(), a2_7 = Vector()
                    for p in 0..<s.height {
                        let lowRow = low + p * lowRowStride + vb * 16
                        let highRow = high + (2 * p + ky) * sw * u + c0
                        for q in 0..<s.width {
                            let l = load16(lowRow + q * v)
                            let h0 = highRow + 2 * q * u, h1 = h0 + u, h2 = h0 + 2 * u
                            a0_0 = multiplyAdd(a0_0, Vector(repeating: h0[0]), l)
                            a0_1 = multiplyAdd(a0_1, Vector(repeating: h0[1]), l)
                            a0_2 = multiplyAdd(a0_2, Vector(repeating: h0[2]), l)
                            a0_3 = multiplyAdd(a0_3, Vector(repeating: h0[3]), l)
                            a0_4 = multiplyAdd(a0_4, Vector(repeating: h0[4]), l)
                            a0_5 = multiplyAdd(a0_5, Vector(repeating: h0[5]), l)
                            a0_6 = multiplyAdd(a0_6, Vector(repeating: h0[6]), l)
                            a0_7 = multiplyAdd(a0_7, Vector(repeating: h0[7]), l)
                            a1_0 = multiplyAdd(a1_0, Vector(repeating: h1[0]), l)
                            a1_1 = multiplyAdd(a1_1, Vector(repeating: h1[1]), l)
                            a1_2 = multiplyAdd(a1_2, Vector(repeating: h1[2]), l)
                            a1_3 = multiplyAdd(a1_3, Vector(repeating: h1[3]), l)
                            a1_4 = multiplyAdd(a1_4, Vector(repeating: h1[4]), l)
                            a1_5 = multiplyAdd(a1_5, Vector(repeating: h1[5]), l)
                            a1_6 = multiplyAdd(a1_6, Vector(repeating: h1[6]), l)
                            a1_7 = multiplyAdd(a1_7, Vector(repeating: h1[7]), l)
                            a2_0 = multiplyAdd(a2_0, Vector(repeating: h2[0]), l)
                            a2_1 = multiplyAdd(a2_1, Vector(repeating: h2[1]), l)
                            a2_2 = multiplyAdd(a2_2, Vector(repeating: h2[2]), l)
                            a2_3 = multiplyAdd(a2_3, Vector(repeating: h2[3]), l)
                            a2_4 = multiplyAdd(a2_4, Vector(repeating: h2[4]), l)
                            a2_5 = multiplyAdd(a2_5, Vector(repeating: h2[5]), l)
                            a2_6 = multiplyAdd(a2_6, Vector(repeating: h2[6]), l)
                            a2_7 = multiplyAdd(a2_7, Vector(repeating: h2[7]), l)
                        }
                    }
                    let dst = g + ((vb * 9 + ky * 3) * u + c0) * 16   // kx = 0; kx + 1 is u * 16 further
                    add16(a0_0, dst + 0 * u * 16 + 0)
                    add16(a0_1, dst + 0 * u * 16 + 16)
                    add16(a0_2, dst + 0 * u * 16 + 32)
                    add16(a0_3, dst + 0 * u * 16 + 48)
                    add16(a0_4, dst + 0 * u * 16 + 64)
                    add16(a0_5, dst + 0 * u * 16 + 80)
                    add16(a0_6, dst + 0 * u * 16 + 96)
                    add16(a0_7, dst + 0 * u * 16 + 112)
                    add16(a1_0, dst + 1 * u * 16 + 0)
                    add16(a1_1, dst + 1 * u * 16 + 16)
                    add16(a1_2, dst + 1 * u * 16 + 32)
                    add16(a1_3, dst + 1 * u * 16 + 48)
                    add16(a1_4, dst + 1 * u * 16 + 64)
                    add16(a1_5, dst + 1 * u * 16 + 80)
                    add16(a1_6, dst + 1 * u * 16 + 96)
                    add16(a1_7, dst + 1 * u * 16 + 112)
                    add16(a2_0, dst + 2 * u * 16 + 0)
                    add16(a2_1, dst + 2 * u * 16 + 16)
                    add16(a2_2, dst + 2 * u * 16 + 32)
                    add16(a2_3, dst + 2 * u * 16 + 48)
                    add16(a2_4, dst + 2 * u * 16 + 64)
                    add16(a2_5, dst + 2 * u * 16 + 80)
                    add16(a2_6, dst + 2 * u * 16 + 96)
                    add16(a2_7, dst + 2 * u * 16 + 112)
                    c0 += 8
                }
            }
        }
    }
}

/// A channel count known at compile time, so a kernel specialised for it
/// computes its addresses from constants.
protocol ChannelCount { static var count: Int { get } }
enum Channels16: ChannelCount { static var count: Int { 16 } }
enum Channels32: ChannelCount { static var count: Int { 32 } }

import Dispatch
