/// The stride-2 kernels with tiles for AVX2's 16 ymm registers
/// (`RegisterTiles.avx2`). A sixteen-float vector is two ymm registers
/// there, so the AVX-512 tiles (8, 16 and 24 sixteen-float accumulators)
/// spill; these keep at most 12 ymm accumulators beside the values they
/// meet:
///
/// - gather: 4 output pixels x 16 channels (8 ymm), against the same
///   weight vector and one broadcast input value (AVX-512: 8 pixels);
/// - scatter: 4 neighbourhoods x 2 output phases x 8 channels (8 ymm), the
///   even output row's phases in one pass and the odd row's in another,
///   with their 3 or 6 weight vectors (AVX-512: all four phases x 16
///   channels, 16 zmm, and nine weight vectors);
/// - correlate: 3 kx x 2 input channels x 16 channels (12 ymm) per pass
///   over a row, the running sums kept in a small buffer between rows so
///   each row's inputs serve every channel pair from L1 (AVX-512: 3 kx x 8
///   channels, 24 zmm, one pass over the frame).
///
/// Each output's multiply-adds run in the AVX-512 kernels' order (a sum
/// starts from the bias or zero and takes its terms in the same sequence;
/// a running sum stored and reloaded is the same value), so both families
/// give the same bits; `StrideTwoConvolutionTests` checks that and both
/// against the generic layers.
extension StrideTwoConvolution.AVX2Tiles {
    typealias Vector = SIMD16<Float>
    typealias Shape = StrideTwoConvolution.Shape

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

    /// Four output pixels per tile; the staged width (a multiple of the
    /// AVX-512 tile's 8) is a multiple of 4 too.
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
                    var a0 = b, a1 = b, a2 = b, a3 = b
                    for ky in 0..<3 {
                        let row = high + ((2 * p + ky) * sw + 2 * q0) * u
                        for kx in 0..<3 {
                            let px = row + kx * u, kt = kb + (ky * 3 + kx) * u * 16
                            for c in 0..<u {
                                let w = load16(kt + c * 16)
                                a0 = multiplyAdd(a0, Vector(repeating: px[c]), w)
                                a1 = multiplyAdd(a1, Vector(repeating: px[2 * u + c]), w)
                                a2 = multiplyAdd(a2, Vector(repeating: px[4 * u + c]), w)
                                a3 = multiplyAdd(a3, Vector(repeating: px[6 * u + c]), w)
                            }
                        }
                    }
                    let dst = out + (p * s.width + q0) * v + vb * 16
                    let valid = min(4, s.width - q0)
                    withUnsafeTemporaryAllocation(of: Vector.self, capacity: 4) { acc in
                        acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3
                        for i in 0..<valid {
                            store16(rectify ? acc[i].replacing(with: 0, where: acc[i] .< 0) : acc[i], dst + i * v)
                        }
                    }
                    q0 += 4
                }
            }
        }
    }

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

    /// Output (2i + a, 2j + b) from the neighbourhood low[i..i+1, j..j+1]
    /// (see `AVX512Tiles.scatter`): per eight output channels, the even
    /// row's phases (taps 3, 4, 5, reading row i) in one pass over the
    /// input channels, then the odd row's (taps 0-2 and 6-8, rows i and i + 1).
    static func scatterKernel<U: ChannelCount, V: ChannelCount>(
        _ low: UnsafePointer<Float>, _ s: Shape, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rectify: Bool, into out: UnsafeMutablePointer<Float>, _: U.Type, _: V.Type) {
        typealias H = SIMD8<Float>
        let (u, v) = (U.count, V.count)
        let lw = s.lowStagedWidth, outWidth = 2 * s.width
        @inline(__always) func store(_ e: H, _ dst: UnsafeMutablePointer<Float>) {
            store8(rectify ? e.replacing(with: 0, where: e .< 0) : e, dst)
        }
        for vb in 0..<(v / 16) {
            for half in 0..<2 {
                let kb = kernel + vb * 9 * u * 16 + 8 * half, tap = u * 16
                let b = bias.map { load8($0 + vb * 16 + 8 * half) } ?? H()
                let lane = vb * 16 + 8 * half
                for i in 0..<s.height {
                    var j0 = 0
                    while j0 < s.width {
                        let r0 = low + (i * lw + j0) * u, r1 = r0 + lw * u
                        let valid = min(4, s.width - j0)
                        // Even output row (a = 0): e0<b>_<p>, phase b of neighbourhood j0 + p.
                        var e00_0 = b, e01_0 = b, e00_1 = b, e01_1 = b
                        var e00_2 = b, e01_2 = b, e00_3 = b, e01_3 = b
                        for c in 0..<u {
                            let kc = kb + c * 16
                            let w3 = load8(kc + 3 * tap), w4 = load8(kc + 4 * tap), w5 = load8(kc + 5 * tap)
                            let x0 = H(repeating: r0[c]), x1 = H(repeating: r0[u + c])
                            e00_0 = multiplyAdd(e00_0, x0, w4)
                            e01_0 = multiplyAdd(multiplyAdd(e01_0, x0, w5), x1, w3)
                            let x2 = H(repeating: r0[2 * u + c])
                            e00_1 = multiplyAdd(e00_1, x1, w4)
                            e01_1 = multiplyAdd(multiplyAdd(e01_1, x1, w5), x2, w3)
                            let x3 = H(repeating: r0[3 * u + c])
                            e00_2 = multiplyAdd(e00_2, x2, w4)
                            e01_2 = multiplyAdd(multiplyAdd(e01_2, x2, w5), x3, w3)
                            let x4 = H(repeating: r0[4 * u + c])
                            e00_3 = multiplyAdd(e00_3, x3, w4)
                            e01_3 = multiplyAdd(multiplyAdd(e01_3, x3, w5), x4, w3)
                        }
                        withUnsafeTemporaryAllocation(of: H.self, capacity: 8) { acc in
                            acc[0] = e00_0; acc[1] = e01_0; acc[2] = e00_1; acc[3] = e01_1
                            acc[4] = e00_2; acc[5] = e01_2; acc[6] = e00_3; acc[7] = e01_3
                            let row = out + (2 * i * outWidth + 2 * j0) * v + lane
                            for p in 0..<valid {
                                store(acc[2 * p], row + 2 * p * v)
                                store(acc[2 * p + 1], row + (2 * p + 1) * v)
                            }
                        }
                        // Odd output row (a = 1): e1<b>_<p>.
                        var e10_0 = b, e11_0 = b, e10_1 = b, e11_1 = b
                        var e10_2 = b, e11_2 = b, e10_3 = b, e11_3 = b
                        for c in 0..<u {
                            let kc = kb + c * 16
                            let w0 = load8(kc), w1 = load8(kc + tap), w2 = load8(kc + 2 * tap)
                            let w6 = load8(kc + 6 * tap), w7 = load8(kc + 7 * tap), w8 = load8(kc + 8 * tap)
                            let x0 = H(repeating: r0[c]), x1 = H(repeating: r0[u + c])
                            let y0 = H(repeating: r1[c]), y1 = H(repeating: r1[u + c])
                            e10_0 = multiplyAdd(multiplyAdd(e10_0, x0, w7), y0, w1)
                            e11_0 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_0, x0, w8), x1, w6), y0, w2), y1, w0)
                            let x2 = H(repeating: r0[2 * u + c]), y2 = H(repeating: r1[2 * u + c])
                            e10_1 = multiplyAdd(multiplyAdd(e10_1, x1, w7), y1, w1)
                            e11_1 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_1, x1, w8), x2, w6), y1, w2), y2, w0)
                            let x3 = H(repeating: r0[3 * u + c]), y3 = H(repeating: r1[3 * u + c])
                            e10_2 = multiplyAdd(multiplyAdd(e10_2, x2, w7), y2, w1)
                            e11_2 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_2, x2, w8), x3, w6), y2, w2), y3, w0)
                            let x4 = H(repeating: r0[4 * u + c]), y4 = H(repeating: r1[4 * u + c])
                            e10_3 = multiplyAdd(multiplyAdd(e10_3, x3, w7), y3, w1)
                            e11_3 = multiplyAdd(multiplyAdd(multiplyAdd(multiplyAdd(e11_3, x3, w8), x4, w6), y3, w2), y4, w0)
                        }
                        withUnsafeTemporaryAllocation(of: H.self, capacity: 8) { acc in
                            acc[0] = e10_0; acc[1] = e11_0; acc[2] = e10_1; acc[3] = e11_1
                            acc[4] = e10_2; acc[5] = e11_2; acc[6] = e10_3; acc[7] = e11_3
                            let row = out + ((2 * i + 1) * outWidth + 2 * j0) * v + lane
                            for p in 0..<valid {
                                store(acc[2 * p], row + 2 * p * v)
                                store(acc[2 * p + 1], row + (2 * p + 1) * v)
                            }
                        }
                        j0 += 4
                    }
                }
            }
        }
    }

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

    /// Per (vector block, ky): for each low row, every pair of input
    /// channels in turn takes its 3 kx x 2 sums (12 ymm) from `running`,
    /// adds the row's products in pixel order and puts them back; after
    /// the last row the sums are added into `g` once, as the AVX-512 kernel
    /// adds its registers.
    static func correlateKernel<U: ChannelCount, V: ChannelCount>(
        _ high: UnsafePointer<Float>, _ s: Shape, low: UnsafePointer<Float>, lowRowStride: Int,
        into g: UnsafeMutablePointer<Float>, _: U.Type, _: V.Type) {
        let (u, v) = (U.count, V.count)
        let sw = s.highStagedWidth
        // running[(kx * u + c) * 16 ..< +16]: the sum for tap (ky, kx), input channel c.
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: 3 * u) { running in
            for vb in 0..<(v / 16) {
                for ky in 0..<3 {
                    for i in 0..<(3 * u) { running[i] = Vector() }
                    for p in 0..<s.height {
                        let lowRow = low + p * lowRowStride + vb * 16
                        let highRow = high + (2 * p + ky) * sw * u
                        var c0 = 0
                        while c0 < u {
                            var a0_0 = running[c0], a0_1 = running[c0 + 1]
                            var a1_0 = running[u + c0], a1_1 = running[u + c0 + 1]
                            var a2_0 = running[2 * u + c0], a2_1 = running[2 * u + c0 + 1]
                            let row = highRow + c0
                            for q in 0..<s.width {
                                let l = load16(lowRow + q * v)
                                let h0 = row + 2 * q * u, h1 = h0 + u, h2 = h0 + 2 * u
                                a0_0 = multiplyAdd(a0_0, Vector(repeating: h0[0]), l)
                                a0_1 = multiplyAdd(a0_1, Vector(repeating: h0[1]), l)
                                a1_0 = multiplyAdd(a1_0, Vector(repeating: h1[0]), l)
                                a1_1 = multiplyAdd(a1_1, Vector(repeating: h1[1]), l)
                                a2_0 = multiplyAdd(a2_0, Vector(repeating: h2[0]), l)
                                a2_1 = multiplyAdd(a2_1, Vector(repeating: h2[1]), l)
                            }
                            running[c0] = a0_0; running[c0 + 1] = a0_1
                            running[u + c0] = a1_0; running[u + c0 + 1] = a1_1
                            running[2 * u + c0] = a2_0; running[2 * u + c0 + 1] = a2_1
                            c0 += 2
                        }
                    }
                    let dst = g + ((vb * 9 + ky * 3) * u) * 16   // kx = 0; kx + 1 is u * 16 further
                    for kx in 0..<3 { for c in 0..<u { add16(running[kx * u + c], dst + (kx * u + c) * 16) } }
                }
            }
        }
    }
}
