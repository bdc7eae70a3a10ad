import CVectorMath

/// A direct (no im2col) stride-1 convolution to one output channel, for the
/// decoder's output layers (`Conv(16,1)` and `Conv(8,1)` at full resolution).
///
/// With one output channel the im2col GEMM is a matrix-vector product: it
/// writes and rereads a `k*k*C`-wide column per pixel (600 MB for 256
/// frames of 64x64x16) to do `k*k*C` multiply-adds on it. Here every pixel
/// reads its neighbourhood straight from the (cached) input rows instead.
/// Same formula as `Conv2D` with `outChannels == 1`, `stride == 1`.
///
/// In channels-last frames the `k` taps of one kernel row over all channels
/// are one contiguous run of `k*C` floats, in the input as in the weight, so
/// each kernel row is one dot product of vectors. Pixels away from the
/// frame's edge take that path with several independent accumulators (a
/// single one made every multiply-add wait for the previous: the kernel was
/// latency-bound); edge pixels check each tap.
enum DirectConvolution {
    /// `y[n, oy, ox] = b + sum w[(ky*k + kx)*C + c] * x[n, oy - p + ky, ox - p + kx, c]`,
    /// for any kernel and channel count (`vectorForward` for `hasVectorPath` layers).
    static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                        bias: Float, into y: UnsafeMutablePointer<Float>) {
        let (oh, ow, c, k, p, h) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.padding, g.height)
        let run = k * c
        let (lo, hi) = interior(g)
        parallelFor(frames) { range in
            for f in range {
                let src = x + f * g.inputSize
                let dst = y + f * oh * ow
                for oy in 0..<oh {
                    let out = dst + oy * ow
                    guard oy - p >= 0 && oy - p + k <= h else {
                        for ox in 0..<ow { out[ox] = bias + patchDot(src, g, oy: oy, ox: ox, w) }
                        continue
                    }
                    for ox in 0..<lo { out[ox] = bias + patchDot(src, g, oy: oy, ox: ox, w) }
                    // Pixel ox's kernel row ky starts at input pixel (oy - p + ky, ox - p).
                    let first = src + ((oy - p) * g.width - p) * c
                    var ox = lo
                    while ox + 4 <= hi {
                        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                        for ky in 0..<k {
                            let row = first + (ky * g.width + ox) * c, wr = w + ky * run
                            var t = 0
                            while t + 8 <= run {
                                let wv = load8(wr + t)
                                a0 += load8(row + t) * wv
                                a1 += load8(row + c + t) * wv
                                a2 += load8(row + 2 * c + t) * wv
                                a3 += load8(row + 3 * c + t) * wv
                                t += 8
                            }
                            while t < run {
                                s0 += row[t] * wr[t]; s1 += row[c + t] * wr[t]
                                s2 += row[2 * c + t] * wr[t]; s3 += row[3 * c + t] * wr[t]
                                t += 1
                            }
                        }
                        out[ox] = bias + (a0.sum() + s0); out[ox + 1] = bias + (a1.sum() + s1)
                        out[ox + 2] = bias + (a2.sum() + s2); out[ox + 3] = bias + (a3.sum() + s3)
                        ox += 4
                    }
                    while ox < hi {
                        var a = SIMD8<Float>(), s: Float = 0
                        for ky in 0..<k {
                            let row = first + (ky * g.width + ox) * c, wr = w + ky * run
                            var t = 0
                            while t + 8 <= run { a += load8(row + t) * load8(wr + t); t += 8 }
                            while t < run { s += row[t] * wr[t]; t += 1 }
                        }
                        out[ox] = bias + (a.sum() + s)
                        ox += 1
                    }
                    for ox in hi..<ow { out[ox] = bias + patchDot(src, g, oy: oy, ox: ox, w) }
                }
            }
        }
    }

    /// The output columns `lo..<hi` whose every tap lies inside the frame horizontally.
    static func interior(_ g: ConvGeometry) -> (Int, Int) {
        let lo = min(g.outputWidth, g.padding)
        return (lo, max(lo, min(g.outputWidth, g.width + g.padding - g.kernel + 1)))
    }

    /// `sum_{ky,kx,c} w * x` over the in-bounds part of one patch.
    @inline(__always)
    static func patchDot(_ src: UnsafePointer<Float>, _ g: ConvGeometry, oy: Int, ox: Int, _ w: UnsafePointer<Float>) -> Float {
        let (c, k, p, h, wd) = (g.channels, g.kernel, g.padding, g.height, g.width)
        var acc8 = SIMD8<Float>()
        var acc: Float = 0
        for ky in 0..<k {
            let iy = oy - p + ky
            if iy < 0 || iy >= h { continue }
            for kx in 0..<k {
                let ix = ox - p + kx
                if ix < 0 || ix >= wd { continue }
                let xv = src + (iy * wd + ix) * c, wv = w + (ky * k + kx) * c
                var ci = 0
                while ci + 8 <= c { acc8 += load8(xv + ci) * load8(wv + ci); ci += 8 }
                while ci < c { acc += xv[ci] * wv[ci]; ci += 1 }
            }
        }
        return acc + acc8.sum()
    }

    /// Adds `dL/dW` into `dw` and (when `dx` is given) writes `dL/dx` into `dx`
    /// for `dy = dL/dy`, for any kernel and channel count (`vectorBackward`
    /// for `hasVectorPath` layers). Frames are split into fixed chunks whose partial
    /// weight gradients are summed in chunk order: deterministic.
    ///
    /// Both are gathers, so each output element is written once per kernel
    /// row: dW's run for kernel row ky accumulates in registers along an
    /// output row (ox) before touching memory, and dx at an input pixel sums
    /// its taps in registers.
    static func backward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let length = g.patchSize
        let chunks = WorkChunks(count: frames)
        var partial = [Float](repeating: 0, count: chunks.count * length)
        partial.withUnsafeMutableBufferPointer { part in
            let partBase = part.baseAddress!
            chunks.run { s, range in
                let mine = partBase + s * length
                for f in range {
                    let src = x + f * g.inputSize
                    let grad = dy + f * oh * ow
                    weightGradient(src, g, grad: grad, into: mine)
                    if let dx { inputGradient(grad, g, weight: w, into: dx + f * g.inputSize) }
                }
            }
            for s in 0..<chunks.count { for j in 0..<length { dw[j] += partBase[s * length + j] } }
        }
    }

    /// `dW[(ky, kx), ci] += sum_{oy, ox} dy[oy, ox] x[oy - p + ky, ox - p + kx, ci]` for one frame.
    static func weightGradient(_ src: UnsafePointer<Float>, _ g: ConvGeometry, grad: UnsafePointer<Float>,
                               into dw: UnsafeMutablePointer<Float>) {
        let (oh, ow, c, k, p, h, wd) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.padding, g.height, g.width)
        let run = k * c
        let (lo, hi) = interior(g)
        for oy in 0..<oh {
            let gradRow = grad + oy * ow
            for ky in 0..<k {
                let iy = oy - p + ky
                if iy < 0 || iy >= h { continue }
                let inRow = src + iy * wd * c
                let tap = dw + ky * run
                // Interior columns: the run for kernel row ky starts at pixel ox - p.
                let first = inRow - p * c
                var t = 0
                while t + 32 <= run {
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                    for ox in lo..<hi {
                        let gv = SIMD8<Float>(repeating: gradRow[ox]), at = first + ox * c + t
                        a0 += gv * load8(at); a1 += gv * load8(at + 8)
                        a2 += gv * load8(at + 16); a3 += gv * load8(at + 24)
                    }
                    add8(a0, tap + t); add8(a1, tap + t + 8); add8(a2, tap + t + 16); add8(a3, tap + t + 24)
                    t += 32
                }
                while t + 16 <= run {
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
                    for ox in lo..<hi {
                        let gv = SIMD8<Float>(repeating: gradRow[ox]), at = first + ox * c + t
                        a0 += gv * load8(at); a1 += gv * load8(at + 8)
                    }
                    add8(a0, tap + t); add8(a1, tap + t + 8)
                    t += 16
                }
                while t + 8 <= run {
                    var a0 = SIMD8<Float>()
                    for ox in lo..<hi { a0 += SIMD8<Float>(repeating: gradRow[ox]) * load8(first + ox * c + t) }
                    add8(a0, tap + t)
                    t += 8
                }
                while t < run {
                    var a: Float = 0
                    for ox in lo..<hi { a += gradRow[ox] * first[ox * c + t] }
                    tap[t] += a
                    t += 1
                }
                // Edge columns, tap by tap.
                for e in 0..<(lo + ow - hi) {
                    let ox = e < lo ? e : hi + e - lo
                    let gy = gradRow[ox]
                    for kx in 0..<k {
                        let ix = ox - p + kx
                        if ix < 0 || ix >= wd { continue }
                        let xv = inRow + ix * c, tv = tap + kx * c
                        for ci in 0..<c { tv[ci] += gy * xv[ci] }
                    }
                }
            }
        }
    }

    /// `dx[iy, ix, ci] = sum_{ky, kx} dy[iy + p - ky, ix + p - kx] w[(ky, kx), ci]` for one frame (written whole).
    static func inputGradient(_ grad: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                              into back: UnsafeMutablePointer<Float>) {
        let (oh, ow, c, k, p, h, wd) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.padding, g.height, g.width)
        let vectorChannels = c - c % 8
        // Input columns ix whose every tap's output column ix + p - kx exists.
        let lo = min(wd, max(0, k - 1 - p)), hi = max(lo, min(wd, ow - p))
        for iy in 0..<h {
            let rows = iy + p - (k - 1) >= 0 && iy + p < oh   // every kernel row's output row exists
            var ix = 0
            while ix < wd {
                if rows && vectorChannels == c && ix >= lo && ix + 4 <= hi {
                    // Four interior pixels share each weight vector: four independent sums.
                    let out = back + (iy * wd + ix) * c
                    for ci in stride(from: 0, to: c, by: 8) {
                        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                        for ky in 0..<k {
                            let gradRow = grad + (iy + p - ky) * ow + ix + p, wr = w + ky * k * c + ci
                            for kx in 0..<k {
                                let wv = load8(wr + kx * c), gr = gradRow - kx
                                a0 += gr[0] * wv; a1 += gr[1] * wv; a2 += gr[2] * wv; a3 += gr[3] * wv
                            }
                        }
                        store8(a0, out + ci); store8(a1, out + c + ci)
                        store8(a2, out + 2 * c + ci); store8(a3, out + 3 * c + ci)
                    }
                    ix += 4
                    continue
                }
                let out = back + (iy * wd + ix) * c
                var ci = 0
                while ci < vectorChannels {
                    var acc = SIMD8<Float>()
                    for ky in 0..<k {
                        let oy = iy + p - ky
                        if oy < 0 || oy >= oh { continue }
                        let gradRow = grad + oy * ow + ix + p, wr = w + ky * k * c + ci
                        for kx in 0..<k where ix + p - kx >= 0 && ix + p - kx < ow {
                            acc += gradRow[-kx] * load8(wr + kx * c)
                        }
                    }
                    store8(acc, out + ci)
                    ci += 8
                }
                while ci < c {
                    var acc: Float = 0
                    for ky in 0..<k {
                        let oy = iy + p - ky
                        if oy < 0 || oy >= oh { continue }
                        for kx in 0..<k {
                            let ox = ix + p - kx
                            if ox < 0 || ox >= ow { continue }
                            acc += grad[oy * ow + ox] * w[(ky * k + kx) * c + ci]
                        }
                    }
                    out[ci] = acc
                    ci += 1
                }
                ix += 1
            }
        }
    }
}

// MARK: - 3x3 kernels on 8 or 16 channels

extension DirectConvolution {
    /// The layers with a vector path: 3x3, padding 1, 16 or 8 input channels
    /// (the decoder's output convolutions). In the forward pass one AVX-512
    /// register holds a pixel's 16 channels or two adjacent pixels' 8; each
    /// tap is one fused multiply-add per register, and eight registers are
    /// reduced to their pixels' sums at once. The backward pass reads the
    /// output gradient from a zero-bordered copy, so dx and dW share one
    /// pass over the frame with no edge tests.
    static func hasVectorPath(_ g: ConvGeometry) -> Bool {
        g.kernel == 3 && g.padding == 1 && g.stride == 1 && (g.channels == 16 || g.channels == 8)
    }

    /// `hasVectorPath` for a layer's shape (input channels, one output channel).
    static func hasVectorPath(_ s: ConvolutionShape) -> Bool {
        s.kernel == 3 && s.padding == 1 && s.stride == 1 && (s.inChannels == 16 || s.inChannels == 8) && s.outChannels == 1
    }

    /// Tap `t`'s weights as one register: 16 channels, or 8 repeated for two pixels.
    @inline(__always)
    static func tapWeights(_ w: UnsafePointer<Float>, _ t: Int, channels c: Int) -> SIMD16<Float> {
        c == 16 ? load16(w + 16 * t) : SIMD16(lowHalf: load8(w + 8 * t), highHalf: load8(w + 8 * t))
    }

    /// `forward` for `hasVectorPath` layers.
    static func vectorForward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                              bias: Float, tiles: RegisterTiles, into y: UnsafeMutablePointer<Float>) {
        let taps = tapRegisters(w, channels: g.channels)
        let zeros = [Float](repeating: 0, count: (g.width + 2) * g.channels)   // the rows above and below the frame
        taps.withUnsafeBufferPointer { tp in
        zeros.withUnsafeBufferPointer { zp in
            parallelFor(frames) { range in
                for f in range {
                    vectorForwardFrame(x + f * g.inputSize, g, weight: w, taps: tp.baseAddress!, zeros: zp.baseAddress!,
                                       bias: bias, tiles: tiles, into: y + f * g.height * g.width)
                }
            }
        }}
    }

    /// The nine taps' weights as registers: `tapWeights(t)` at `16 t`.
    static func tapRegisters(_ w: UnsafePointer<Float>, channels c: Int) -> AlignedArray {
        var taps = [Float](repeating: 0, count: 9 * 16)
        for t in 0..<9 { for j in 0..<16 { taps[16 * t + j] = w[t * c + j % c] } }
        return AlignedArray(taps)
    }

    /// `vectorForward` for one frame; `zeros` holds a row of zeros (`(W + 2) C` floats).
    static func vectorForwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                                   taps wp: UnsafePointer<Float>, zeros: UnsafePointer<Float>, bias: Float,
                                   tiles: RegisterTiles, into dst: UnsafeMutablePointer<Float>) {
        switch tiles {
        case .avx2: vectorForwardFrame(src, g, weight: w, taps: wp, zeros: zeros, bias: bias, into: dst, AVX2Tiles.self)
        case .avx512: vectorForwardFrame(src, g, weight: w, taps: wp, zeros: zeros, bias: bias, into: dst, AVX512Tiles.self)
        }
    }

    @inline(__always)
    static func vectorForwardFrame<T: DirectConvolutionTiles>(_ src: UnsafePointer<Float>, _ g: ConvGeometry,
                                                              weight w: UnsafePointer<Float>, taps wp: UnsafePointer<Float>,
                                                              zeros: UnsafePointer<Float>, bias: Float,
                                                              into dst: UnsafeMutablePointer<Float>, _: T.Type) {
        let (h, wd, c) = (g.height, g.width, g.channels)
        // Blocks of `128 / c` pixels (the AVX-512 tile) run as tiles of
        // `T.pixels`: every family computes the same pixels by tiles and the
        // same by `patchDot`, so their bits agree at any width.
        let pixels = 128 / c, tile = T.pixels(channels: c)
        let b8 = SIMD8<Float>(repeating: bias)
        for oy in 0..<h {
            let out = dst + oy * wd
            // Kernel row ky reads input row oy - 1 + ky, pixel ox - 1 + kx.
            let r0 = oy > 0 ? src + (oy - 1) * wd * c : zeros
            let r1 = src + oy * wd * c
            let r2 = oy + 1 < h ? src + (oy + 1) * wd * c : zeros
            out[0] = bias + patchDot(src, g, oy: oy, ox: 0, w)
            var ox = 1
            while ox + pixels < wd {
                for t in stride(from: 0, to: pixels, by: tile) {
                    T.outputTile(r0, r1, r2, column: ox + t, channels: c, taps: wp, bias: b8, into: out)
                }
                ox += pixels
            }
            // The last pixels before the edge: a tile overlapping the previous one
            // (recomputing its pixels gives the same values).
            if ox < wd - 1 && wd - 1 - pixels >= 1 {
                for t in stride(from: 0, to: pixels, by: tile) {
                    T.outputTile(r0, r1, r2, column: wd - 1 - pixels + t, channels: c, taps: wp, bias: b8, into: out)
                }
                ox = wd - 1
            }
            while ox < wd {
                out[ox] = bias + patchDot(src, g, oy: oy, ox: ox, w)
                ox += 1
            }
        }
    }

    /// The register tiles of the output layers' kernels: `AVX512Tiles` and
    /// `AVX2Tiles` (`DirectConvolution+AVX2.swift`).
    enum AVX512Tiles: DirectConvolutionTiles {}
    enum AVX2Tiles: DirectConvolutionTiles {}
}

/// One register-tile family of the output layers' vector path (`RegisterTiles`);
/// every family gives the same bits.
protocol DirectConvolutionTiles {
    /// Output pixels per tile of `outputTile` for `channels` (16 or 8) input channels.
    static func pixels(channels: Int) -> Int
    /// `out[ox ..< ox + pixels(c)]` of one output row (the pixels' full patches
    /// inside the frame horizontally), `r0...r2` the input rows it reads.
    static func outputTile(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>, column ox: Int,
                           channels c: Int, taps wp: UnsafePointer<Float>, bias b8: SIMD8<Float>,
                           into out: UnsafeMutablePointer<Float>)
    /// `DirectConvolution.vectorBackwardFrame` for this family's registers.
    static func backwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                              dy grad: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, into dw: UnsafeMutablePointer<Float>,
                              stagedBy staged: (dxRowStride: Int, sums: UnsafeMutablePointer<Double>)?)
}

extension DirectConvolution.AVX512Tiles {
    @inline(__always)
    static func pixels(channels c: Int) -> Int { 128 / c }

    @inline(__always)
    static func backwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                              dy grad: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, into dw: UnsafeMutablePointer<Float>,
                              stagedBy staged: (dxRowStride: Int, sums: UnsafeMutablePointer<Double>)?) {
        if g.channels == 16 {
            DirectConvolution.vectorBackwardFrame(src, g, weight: w, dy: grad, padded: padded, dx: dx, into: dw,
                                                  as: SIMD16<Float>.self, stagedBy: staged)
        } else {
            DirectConvolution.vectorBackwardFrame(src, g, weight: w, dy: grad, padded: padded, dx: dx, into: dw,
                                                  as: SIMD8<Float>.self, stagedBy: staged)
        }
    }

    /// `out[ox ..< ox + 128 / c]` of one output row (the pixels' full patches
    /// inside the frame horizontally): eight registers of one or two pixels.
    @inline(__always)
    static func outputTile(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>, column ox: Int,
                           channels c: Int, taps wp: UnsafePointer<Float>, bias b8: SIMD8<Float>,
                           into out: UnsafeMutablePointer<Float>) {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var a4 = SIMD16<Float>(), a5 = SIMD16<Float>(), a6 = SIMD16<Float>(), a7 = SIMD16<Float>()
        let o = (ox - 1) * c
        if c == 16 {
            // Each input pixel of a kernel row is loaded once and meets the
            // (up to) three outputs whose taps reach it, instead of one load
            // per tap and output. Every output still takes its taps in
            // (ky, kx) order, so the sums are the same to the bit.
            for ky in 0..<3 {
                let row = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + o
                let k0 = load16(wp + 16 * (ky * 3)), k1 = load16(wp + 16 * (ky * 3 + 1)), k2 = load16(wp + 16 * (ky * 3 + 2))
                var v = load16(row)
                a0 = multiplyAdd(a0, v, k0)
                v = load16(row + 16)
                a0 = multiplyAdd(a0, v, k1); a1 = multiplyAdd(a1, v, k0)
                v = load16(row + 32)
                a0 = multiplyAdd(a0, v, k2); a1 = multiplyAdd(a1, v, k1); a2 = multiplyAdd(a2, v, k0)
                v = load16(row + 48)
                a1 = multiplyAdd(a1, v, k2); a2 = multiplyAdd(a2, v, k1); a3 = multiplyAdd(a3, v, k0)
                v = load16(row + 64)
                a2 = multiplyAdd(a2, v, k2); a3 = multiplyAdd(a3, v, k1); a4 = multiplyAdd(a4, v, k0)
                v = load16(row + 80)
                a3 = multiplyAdd(a3, v, k2); a4 = multiplyAdd(a4, v, k1); a5 = multiplyAdd(a5, v, k0)
                v = load16(row + 96)
                a4 = multiplyAdd(a4, v, k2); a5 = multiplyAdd(a5, v, k1); a6 = multiplyAdd(a6, v, k0)
                v = load16(row + 112)
                a5 = multiplyAdd(a5, v, k2); a6 = multiplyAdd(a6, v, k1); a7 = multiplyAdd(a7, v, k0)
                v = load16(row + 128)
                a6 = multiplyAdd(a6, v, k2); a7 = multiplyAdd(a7, v, k1)
                v = load16(row + 144)
                a7 = multiplyAdd(a7, v, k2)
            }
        } else {
            for ky in 0..<3 {
                let row = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + o
                for kx in 0..<3 {
                    let at = row + kx * c, wv = load16(wp + 16 * (ky * 3 + kx))
                    a0 = multiplyAdd(a0, load16(at), wv)
                    a1 = multiplyAdd(a1, load16(at + 16), wv)
                    a2 = multiplyAdd(a2, load16(at + 32), wv)
                    a3 = multiplyAdd(a3, load16(at + 48), wv)
                    a4 = multiplyAdd(a4, load16(at + 64), wv)
                    a5 = multiplyAdd(a5, load16(at + 80), wv)
                    a6 = multiplyAdd(a6, load16(at + 96), wv)
                    a7 = multiplyAdd(a7, load16(at + 112), wv)
                }
            }
        }
        // Eight pixels' sums, whole-register shuffles: (16 channels) each
        // register's halves, then adjacent lanes three times.
        if c == 16 {
            let v = lariat_pairs16(lariat_pairs16(lariat_halves16(a0, a1), lariat_halves16(a2, a3)),
                                   lariat_pairs16(lariat_halves16(a4, a5), lariat_halves16(a6, a7)))
            store8(lariat_pairs8(v) + b8, out + ox)
        } else {   // a register holds two pixels
            store8(lariat_pairs8(lariat_pairs16(lariat_pairs16(a0, a1), lariat_pairs16(a2, a3))) + b8, out + ox)
            store8(lariat_pairs8(lariat_pairs16(lariat_pairs16(a4, a5), lariat_pairs16(a6, a7))) + b8, out + ox + 8)
        }
    }

}

extension DirectConvolution {
    /// Floats of the zero-bordered copy of one frame's output gradient.
    static func paddedGradientSize(_ g: ConvGeometry) -> Int { (g.height + 2) * (g.width + 2) }

    /// `backward` for `hasVectorPath` layers, `V` holding one pixel's
    /// channels: per frame (`vectorBackwardFrame`), on fixed chunks of
    /// frames whose dW partials are added in slice order.
    static func vectorBackward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int,
                               weight w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                               dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, tiles: RegisterTiles) {
        let c = g.channels
        let chunks = WorkChunks(count: frames)
        var partial = [Float](repeating: 0, count: chunks.count * 9 * c)
        partial.withUnsafeMutableBufferPointer { part in
            let partBase = part.baseAddress!
            chunks.run { s, range in
                let padded = AlignedFloats.allocate(paddedGradientSize(g))
                defer { padded.deallocate() }
                padded.update(repeating: 0, count: paddedGradientSize(g))
                for f in range {
                    backwardFrame(x + f * g.inputSize, g, weight: w, dy: dy + f * g.height * g.width, padded: padded,
                                  dx: dx.map { $0 + f * g.inputSize }, into: partBase + s * 9 * c, tiles: tiles)
                }
            }
            for s in 0..<chunks.count { for j in 0..<(9 * c) { dw[j] += partBase[s * 9 * c + j] } }
        }
    }

    /// One frame of `vectorBackward` with `tiles`' registers (see `vectorBackwardFrame`).
    static func backwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                              dy grad: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, into dw: UnsafeMutablePointer<Float>, tiles: RegisterTiles,
                              stagedBy staged: (dxRowStride: Int, sums: UnsafeMutablePointer<Double>)? = nil) {
        switch tiles {
        case .avx2: AVX2Tiles.backwardFrame(src, g, weight: w, dy: grad, padded: padded, dx: dx, into: dw, stagedBy: staged)
        case .avx512: AVX512Tiles.backwardFrame(src, g, weight: w, dy: grad, padded: padded, dx: dx, into: dw, stagedBy: staged)
        }
    }

    /// One frame of `vectorBackward` (`V` holds the frame's `C` channels):
    /// the output gradient is copied into `padded` (zero-bordered, its
    /// border already zero); then for every input pixel the nine gradient
    /// values its taps reach give both dx (against the weights) and dW
    /// (added into `dw`, against the channels).
    ///
    /// `stagedBy`, for a fused caller: dx rows `dxRowStride` floats apart,
    /// dx zeroed where `src` is not positive (`src` being the previous
    /// ReLU's output: its derivative's mask), and each row's sum of the
    /// masked dx added into `sums`: what `StrideTwoConvolution.stageHigh`
    /// does with the layer's output, without a second pass.
    @inline(__always)
    static func vectorBackwardFrame<V: ChannelVector>(_ src: UnsafePointer<Float>, _ g: ConvGeometry,
                                                      weight w: UnsafePointer<Float>, dy grad: UnsafePointer<Float>,
                                                      padded: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                                      into dw: UnsafeMutablePointer<Float>, as _: V.Type,
                                                      stagedBy staged: (dxRowStride: Int, sums: UnsafeMutablePointer<Double>)? = nil) {
        let (h, wd, c) = (g.height, g.width, g.channels)
        let dxRowStride = staged?.dxRowStride ?? wd * c
        let pw = wd + 2
        let w0 = V.load(w), w1 = V.load(w + c), w2 = V.load(w + 2 * c), w3 = V.load(w + 3 * c), w4 = V.load(w + 4 * c)
        let w5 = V.load(w + 5 * c), w6 = V.load(w + 6 * c), w7 = V.load(w + 7 * c), w8 = V.load(w + 8 * c)
        for iy in 0..<h { (padded + (iy + 1) * pw + 1).update(from: grad + iy * wd, count: wd) }
        // dy[iy + 1 - ky, ix + 1 - kx] is padded[iy + 2 - ky, ix + 2 - kx].
        let zero = V.splat(0)
        var d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero, d6 = zero, d7 = zero, d8 = zero
        for iy in 0..<h {
            let p0 = padded + (iy + 2) * pw + 2, p1 = p0 - pw, p2 = p1 - pw   // ky = 0, 1, 2
            var rowSum = zero
            for ix in 0..<wd {
                let xv = V.load(src + (iy * wd + ix) * c)
                let b0 = V.splat(p0[ix]), b1 = V.splat(p0[ix - 1]), b2 = V.splat(p0[ix - 2])
                let b3 = V.splat(p1[ix]), b4 = V.splat(p1[ix - 1]), b5 = V.splat(p1[ix - 2])
                let b6 = V.splat(p2[ix]), b7 = V.splat(p2[ix - 1]), b8 = V.splat(p2[ix - 2])
                d0 = d0.multiplyAdd(xv, b0); d1 = d1.multiplyAdd(xv, b1); d2 = d2.multiplyAdd(xv, b2)
                d3 = d3.multiplyAdd(xv, b3); d4 = d4.multiplyAdd(xv, b4); d5 = d5.multiplyAdd(xv, b5)
                d6 = d6.multiplyAdd(xv, b6); d7 = d7.multiplyAdd(xv, b7); d8 = d8.multiplyAdd(xv, b8)
                if let dx {
                    // Two chains of the nine products, so each waits on fewer.
                    let e = b0.times(w0).multiplyAdd(b1, w1).multiplyAdd(b2, w2).multiplyAdd(b3, w3)
                    let o = b4.times(w4).multiplyAdd(b5, w5).multiplyAdd(b6, w6).multiplyAdd(b7, w7).multiplyAdd(b8, w8)
                    if staged != nil {
                        let v = e.plus(o).masked(by: xv)
                        v.store(dx + iy * dxRowStride + ix * c)
                        rowSum = rowSum.plus(v)
                    } else {
                        e.plus(o).store(dx + iy * dxRowStride + ix * c)
                    }
                }
            }
            if let staged { rowSum.addLanes(into: staged.sums) }
        }
        d0.add(into: dw); d1.add(into: dw + c); d2.add(into: dw + 2 * c); d3.add(into: dw + 3 * c)
        d4.add(into: dw + 4 * c); d5.add(into: dw + 5 * c); d6.add(into: dw + 6 * c)
        d7.add(into: dw + 7 * c); d8.add(into: dw + 8 * c)
    }
}

import Dispatch
