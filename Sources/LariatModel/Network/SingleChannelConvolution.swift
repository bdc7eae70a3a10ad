import CVectorMath
import Dispatch

/// A direct convolution from one input channel to a multiple of 8 output
/// channels, for the layers that read the movie itself (the encoder's
/// `Conv(1,16,3,s2)` and the skip's `Conv(1,8,3,p1)`).
///
/// With one input channel an im2col row is `k*k` scalars gathered one by
/// one, and the GEMM that follows has `k = 9`: the copy cost more than the
/// arithmetic. Here each output pixel broadcasts its `k*k` input values
/// against the weight's columns, eight output channels to a vector, and
/// writes its channels-last output once. Same formula as `Conv2D` with
/// `inChannels == 1`, with the following ReLU fused (forward and mask);
/// the weight gradient is summed over fixed chunks of frames (`WorkChunks`) in chunk order
/// (deterministic). No input gradient: layers that need one take the im2col path.
enum SingleChannelConvolution {
    static func applies(inChannels: Int, outChannels: Int) -> Bool {
        inChannels == 1 && outChannels % 8 == 0
    }

    /// `wT[tap * Cout + co] = W[co, tap]`.
    static func transposedWeight(_ w: UnsafePointer<Float>, taps: Int, outChannels cout: Int) -> [Float] {
        var t = [Float](repeating: 0, count: taps * cout)
        for co in 0..<cout { for tap in 0..<taps { t[tap * cout + co] = w[co * taps + tap] } }
        return t
    }

    /// `y[n, oy, ox, co] = b[co] + sum_{ky,kx} W[co, ky*k + kx] x[n, oy*s - p + ky, ox*s - p + kx]`,
    /// rectified (`max(y, 0)`) when `rectify`.
    static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight: UnsafePointer<Float>,
                        outChannels cout: Int, bias: [Float]?, rectify: Bool, tiles: RegisterTiles,
                        into y: UnsafeMutablePointer<Float>) {
        let (oh, ow, k, h, w) = (g.outputHeight, g.outputWidth, g.kernel, g.height, g.width)
        let wT = transposedWeight(weight, taps: k * k, outChannels: cout)
        let b = bias ?? [Float](repeating: 0, count: cout)
        wT.withUnsafeBufferPointer { wtp in
        b.withUnsafeBufferPointer { bp in
            let wt = wtp.baseAddress!, bb = bp.baseAddress!
            parallelFor(frames) { range in
                for f in range {
                    forwardFrame(x + f * h * w, g, transposedWeight: wt, bias: bb, outChannels: cout, rectify: rectify,
                                 tiles: tiles, into: y + f * oh * ow * cout)
                }
            }
        }}
    }

    /// `forward` for one frame, with the weight as `transposedWeight` gives it.
    ///
    /// Register tiles: the interior rows keep nine weight vectors, the bias
    /// and three sums in registers. With `.avx512` a 16-channel row (and an
    /// 8-channel row at stride 1, two pixels per register) is one
    /// sixteen-float vector per value (13 zmm); with `.avx2` that is 26 ymm,
    /// so such rows run eight channels at a time (13 ymm). Each lane's
    /// arithmetic is the same either way: the same bits.
    static func forwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, transposedWeight wt: UnsafePointer<Float>,
                             bias bb: UnsafePointer<Float>, outChannels cout: Int, rectify: Bool, tiles: RegisterTiles,
                             into y: UnsafeMutablePointer<Float>) {
        let (oh, ow, k, s, p, h, w) = (g.outputHeight, g.outputWidth, g.kernel, g.stride, g.padding, g.height, g.width)
        // Columns whose taps are all inside the frame horizontally.
        let lo = min(ow, (p + s - 1) / s)
        let hi = w - k + p >= 0 ? max(lo, min(ow, (w - k + p) / s + 1)) : lo
        for oy in 0..<oh {
            let row = y + oy * ow * cout
            let iy0 = oy * s - p
            if k == 3 && iy0 >= 0 && iy0 + 3 <= h && (cout == 8 || cout == 16) {
                for ox in 0..<lo { pixel(src, g, oy: oy, ox: ox, transposedWeight: wt, bias: bb, outChannels: cout,
                                         rectify: rectify, into: row + ox * cout) }
                if tiles == .avx2 {
                    for cb in stride(from: 0, to: cout, by: 8) {
                        interiorRow(src, g, row: oy, columns: lo, hi, transposedWeight: wt + cb, bias: bb + cb,
                                    outChannels: cout, rectify: rectify, into: row + cb, as: SIMD8<Float>.self)
                    }
                } else if cout == 8 && s == 1 {
                    let pairs = lo + (hi - lo) / 2 * 2
                    interiorRowInPairs(src, g, row: oy, columns: lo, pairs, transposedWeight: wt, bias: bb,
                                       rectify: rectify, into: row)
                    interiorRow(src, g, row: oy, columns: pairs, hi, transposedWeight: wt, bias: bb, outChannels: 8,
                                rectify: rectify, into: row, as: SIMD8<Float>.self)
                } else if cout == 8 {
                    interiorRow(src, g, row: oy, columns: lo, hi, transposedWeight: wt, bias: bb, outChannels: 8,
                                rectify: rectify, into: row, as: SIMD8<Float>.self)
                } else {
                    interiorRow(src, g, row: oy, columns: lo, hi, transposedWeight: wt, bias: bb, outChannels: 16,
                                rectify: rectify, into: row, as: SIMD16<Float>.self)
                }
                for ox in hi..<ow { pixel(src, g, oy: oy, ox: ox, transposedWeight: wt, bias: bb, outChannels: cout,
                                          rectify: rectify, into: row + ox * cout) }
                continue
            }
            for ox in 0..<ow {
                pixel(src, g, oy: oy, ox: ox, transposedWeight: wt, bias: bb, outChannels: cout, rectify: rectify,
                      into: row + ox * cout)
            }
        }
    }

    /// Output pixels `lo..<hi` of row `oy` (every tap inside the frame), `V`
    /// holding a pixel's channels: the nine weight vectors stay in
    /// registers. The arithmetic is `pixel`'s, in the same order.
    @inline(__always)
    static func interiorRow<V: ChannelVector>(_ src: UnsafePointer<Float>, _ g: ConvGeometry, row oy: Int,
                                              columns lo: Int, _ hi: Int, transposedWeight wt: UnsafePointer<Float>,
                                              bias bb: UnsafePointer<Float>, outChannels c: Int, rectify: Bool,
                                              into out: UnsafeMutablePointer<Float>, as _: V.Type) {
        let (s, p, w) = (g.stride, g.padding, g.width)
        let w0 = V.load(wt), w1 = V.load(wt + c), w2 = V.load(wt + 2 * c), w3 = V.load(wt + 3 * c)
        let w4 = V.load(wt + 4 * c), w5 = V.load(wt + 5 * c), w6 = V.load(wt + 6 * c), w7 = V.load(wt + 7 * c)
        let w8 = V.load(wt + 8 * c), bias = V.load(bb)
        let top = src + (oy * s - p) * w - p
        for ox in lo..<hi {
            let r0 = top + ox * s, r1 = r0 + w, r2 = r1 + w
            var a0 = bias.multiplyAdd(V.splat(r0[0]), w0)
            var a1 = V.splat(r1[0]).times(w3)
            var a2 = V.splat(r2[0]).times(w6)
            a0 = a0.multiplyAdd(V.splat(r0[1]), w1)
            a1 = a1.multiplyAdd(V.splat(r1[1]), w4)
            a2 = a2.multiplyAdd(V.splat(r2[1]), w7)
            a0 = a0.multiplyAdd(V.splat(r0[2]), w2)
            a1 = a1.multiplyAdd(V.splat(r1[2]), w5)
            a2 = a2.multiplyAdd(V.splat(r2[2]), w8)
            let v = a0.plus(a1).plus(a2)
            (rectify ? v.rectified() : v).store(out + ox * c)
        }
    }

    /// `interiorRow` for eight channels at stride 1, two pixels per 16-float
    /// register: lanes 2c and 2c + 1 hold channel c of pixels ox and ox + 1,
    /// so each tap's two inputs (adjacent in the row) are one 64-bit
    /// broadcast, and every lane does `interiorRow`'s arithmetic in its
    /// order (the same bits) at twice the width. `hi - lo` is even.
    @inline(__always)
    static func interiorRowInPairs(_ src: UnsafePointer<Float>, _ g: ConvGeometry, row oy: Int, columns lo: Int, _ hi: Int,
                                   transposedWeight wt: UnsafePointer<Float>, bias bb: UnsafePointer<Float>, rectify: Bool,
                                   into out: UnsafeMutablePointer<Float>) {
        @inline(__always) func doubled(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            let v = load8(p)
            return SIMD16(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3], v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7])
        }
        let (p, w) = (g.padding, g.width)
        let w0 = doubled(wt), w1 = doubled(wt + 8), w2 = doubled(wt + 16), w3 = doubled(wt + 24), w4 = doubled(wt + 32)
        let w5 = doubled(wt + 40), w6 = doubled(wt + 48), w7 = doubled(wt + 56), w8 = doubled(wt + 64), bias = doubled(bb)
        let top = src + (oy - p) * w - p
        var ox = lo
        while ox < hi {
            let r0 = top + ox, r1 = r0 + w, r2 = r1 + w
            var a0 = multiplyAdd(bias, lariat_splat_pair16(r0), w0)
            var a1 = lariat_splat_pair16(r1) * w3
            var a2 = lariat_splat_pair16(r2) * w6
            a0 = multiplyAdd(a0, lariat_splat_pair16(r0 + 1), w1)
            a1 = multiplyAdd(a1, lariat_splat_pair16(r1 + 1), w4)
            a2 = multiplyAdd(a2, lariat_splat_pair16(r2 + 1), w7)
            a0 = multiplyAdd(a0, lariat_splat_pair16(r0 + 2), w2)
            a1 = multiplyAdd(a1, lariat_splat_pair16(r1 + 2), w5)
            a2 = multiplyAdd(a2, lariat_splat_pair16(r2 + 2), w8)
            let v = a0 + a1 + a2
            store16(lariat_deinterleave16(rectify ? v.replacing(with: 0, where: v .< 0) : v), out + ox * 8)
            ox += 2
        }
    }

    /// One output pixel's channels, tap by tap (edges, and kernels other than 3 x 3).
    @inline(__always)
    static func pixel(_ src: UnsafePointer<Float>, _ g: ConvGeometry, oy: Int, ox: Int, transposedWeight wt: UnsafePointer<Float>,
                      bias bb: UnsafePointer<Float>, outChannels cout: Int, rectify: Bool, into out: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w) = (g.kernel, g.stride, g.padding, g.height, g.width)
        let iy0 = oy * s - p, ix0 = ox * s - p
        let inside = iy0 >= 0 && iy0 + k <= h && ix0 >= 0 && ix0 + k <= w
        if inside && k == 3 {
            // Nine taps, three independent sums.
            let r0 = src + iy0 * w + ix0, r1 = r0 + w, r2 = r1 + w
            for cb in stride(from: 0, to: cout, by: 8) {
                let wc = wt + cb
                @inline(__always) func b(_ v: Float) -> SIMD8<Float> { SIMD8(repeating: v) }
                var a0 = multiplyAdd(load8(bb + cb), b(r0[0]), load8(wc))
                var a1 = b(r1[0]) * load8(wc + 3 * cout)
                var a2 = b(r2[0]) * load8(wc + 6 * cout)
                a0 = multiplyAdd(a0, b(r0[1]), load8(wc + cout))
                a1 = multiplyAdd(a1, b(r1[1]), load8(wc + 4 * cout))
                a2 = multiplyAdd(a2, b(r2[1]), load8(wc + 7 * cout))
                a0 = multiplyAdd(a0, b(r0[2]), load8(wc + 2 * cout))
                a1 = multiplyAdd(a1, b(r1[2]), load8(wc + 5 * cout))
                a2 = multiplyAdd(a2, b(r2[2]), load8(wc + 8 * cout))
                let v = a0 + a1 + a2
                store8(rectify ? v.replacing(with: 0, where: v .< 0) : v, out + cb)
            }
            return
        }
        if k == 3 {
            // The loop below unrolled: the taps inside the frame, in order.
            let rowIn = (0 <= iy0 && iy0 < h, 0 <= iy0 + 1 && iy0 + 1 < h, 0 <= iy0 + 2 && iy0 + 2 < h)
            let colIn = (0 <= ix0 && ix0 < w, 0 <= ix0 + 1 && ix0 + 1 < w, 0 <= ix0 + 2 && ix0 + 2 < w)
            let r = src + iy0 * w + ix0
            for cb in stride(from: 0, to: cout, by: 8) {
                let wc = wt + cb
                var acc = load8(bb + cb)
                if rowIn.0 && colIn.0 { acc += r[0] * load8(wc) }
                if rowIn.0 && colIn.1 { acc += r[1] * load8(wc + cout) }
                if rowIn.0 && colIn.2 { acc += r[2] * load8(wc + 2 * cout) }
                if rowIn.1 && colIn.0 { acc += r[w] * load8(wc + 3 * cout) }
                if rowIn.1 && colIn.1 { acc += r[w + 1] * load8(wc + 4 * cout) }
                if rowIn.1 && colIn.2 { acc += r[w + 2] * load8(wc + 5 * cout) }
                if rowIn.2 && colIn.0 { acc += r[2 * w] * load8(wc + 6 * cout) }
                if rowIn.2 && colIn.1 { acc += r[2 * w + 1] * load8(wc + 7 * cout) }
                if rowIn.2 && colIn.2 { acc += r[2 * w + 2] * load8(wc + 8 * cout) }
                store8(rectify ? acc.replacing(with: 0, where: acc .< 0) : acc, out + cb)
            }
            return
        }
        for cb in stride(from: 0, to: cout, by: 8) {
            var acc = load8(bb + cb)
            for ky in 0..<k {
                let iy = iy0 + ky
                if !inside && (iy < 0 || iy >= h) { continue }
                for kx in 0..<k {
                    let ix = ix0 + kx
                    if !inside && (ix < 0 || ix >= w) { continue }
                    acc += src[iy * w + ix] * load8(wt + (ky * k + kx) * cout + cb)
                }
            }
            store8(rectify ? acc.replacing(with: 0, where: acc .< 0) : acc, out + cb)
        }
    }

    /// `dW[co, tap] += sum_{n,oy,ox} dy[n, oy, ox, co] x[n, oy*s - p + ky, ox*s - p + kx]`;
    /// returns the bias gradient `sum dy[..., co]`. With `rectifiedOutput`
    /// (a rectified forward's output), `dy` is first zeroed where it is not positive.
    static func weightGradient(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, dy: UnsafePointer<Float>,
                               rectifiedOutput mask: UnsafePointer<Float>?, outChannels cout: Int,
                               into dw: UnsafeMutablePointer<Float>) -> [Float] {
        let (oh, ow, k, h, w) = (g.outputHeight, g.outputWidth, g.kernel, g.height, g.width)
        let taps = k * k
        let chunks = WorkChunks(count: frames)
        let slices = chunks.count
        var partial = [Float](repeating: 0, count: slices * taps * cout)   // [slice][tap][co]
        var frameSums = [Double](repeating: 0, count: frames * cout)
        // The masked gradient, one frame at a time.
        let masked: UnsafeMutablePointer<Float>? = mask == nil ? nil
            : .allocate(capacity: slices * oh * ow * cout)
        defer { masked?.deallocate() }
        frameSums.withUnsafeMutableBufferPointer { sumsBuffer in
        partial.withUnsafeMutableBufferPointer { part in
            let partBase = part.baseAddress!, sumsBase = sumsBuffer.baseAddress!
            chunks.run { slice, range in
                let acc = partBase + slice * taps * cout
                for f in range {
                    weightGradientFrame(x + f * h * w, g, dy: dy + f * oh * ow * cout,
                                        rectifiedOutput: mask.map { $0 + f * oh * ow * cout },
                                        staging: masked.map { $0 + slice * oh * ow * cout }, outChannels: cout,
                                        biasSums: sumsBase + f * cout, into: acc)
                }
            }
            for slice in 0..<slices {
                let acc = partBase + slice * taps * cout
                for co in 0..<cout { for tap in 0..<taps { dw[co * taps + tap] += acc[tap * cout + co] } }
            }
        }}
        var total = [Double](repeating: 0, count: cout)
        for f in 0..<frames { for c in 0..<cout { total[c] += frameSums[f * cout + c] } }
        return total.map { Float($0) }
    }

    /// `weightGradient` for one frame: adds into `acc` (`[tap][co]`) and its
    /// bias sums into `biasSums`; a `rectifiedOutput` mask is applied on
    /// the way into `staging` (one frame of `dy`).
    static func weightGradientFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, dy: UnsafePointer<Float>,
                                    rectifiedOutput mask: UnsafePointer<Float>?, staging masked: UnsafeMutablePointer<Float>?,
                                    outChannels cout: Int, biasSums sums: UnsafeMutablePointer<Double>,
                                    into acc: UnsafeMutablePointer<Float>) {
        let (oh, ow, k) = (g.outputHeight, g.outputWidth, g.kernel)
        var grad = dy
        if let mask, let masked {
            let m = mask, to = masked
            var i = 0
            while i < oh * ow * cout {
                store8(load8(grad + i).replacing(with: 0, where: load8(m + i) .<= 0), to + i)
                i += 8
            }
            grad = UnsafePointer(to)
        }
        channelSums(grad, pixels: oh * ow, channels: cout, into: sums)
        if k == 3 {
            for cb in stride(from: 0, to: cout, by: 8) {
                weightGradient3x3(src, g, dy: grad, outChannels: cout, block: cb, into: acc)
            }
            return
        }
        for oy in 0..<oh {
            for ox in 0..<ow {
                accumulatePixel(src, g, oy: oy, ox: ox, grad: grad, outChannels: cout, into: acc)
                grad += cout
            }
        }
    }

    /// `weightGradientFrame` for 3 x 3 kernels, channels `cb ..< cb + 8`: the
    /// nine tap sums stay in registers through the frame (through memory,
    /// every edge pixel's addition waited on the previous one's store). Per
    /// row, a sum receives the interior's row sum, then each edge pixel's
    /// products.
    @inline(__always)
    static func weightGradient3x3(_ src: UnsafePointer<Float>, _ g: ConvGeometry, dy grad: UnsafePointer<Float>,
                                  outChannels cout: Int, block cb: Int, into acc: UnsafeMutablePointer<Float>) {
        let (oh, ow, s, p, h, w) = (g.outputHeight, g.outputWidth, g.stride, g.padding, g.height, g.width)
        let lo = min(ow, (p + s - 1) / s)
        let hi = w - 3 + p >= 0 ? max(lo, min(ow, (w - 3 + p) / s + 1)) : lo
        let a = acc + cb
        var s0 = load8(a), s1 = load8(a + cout), s2 = load8(a + 2 * cout), s3 = load8(a + 3 * cout)
        var s4 = load8(a + 4 * cout), s5 = load8(a + 5 * cout), s6 = load8(a + 6 * cout)
        var s7 = load8(a + 7 * cout), s8 = load8(a + 8 * cout)
        // One pixel's products, tap by tap, where the tap is inside the frame.
        @inline(__always) func edge(_ oy: Int, _ ox: Int) {
            let gv = load8(grad + (oy * ow + ox) * cout + cb)
            let iy0 = oy * s - p, ix0 = ox * s - p
            let rowIn = (0 <= iy0 && iy0 < h, 0 <= iy0 + 1 && iy0 + 1 < h, 0 <= iy0 + 2 && iy0 + 2 < h)
            let colIn = (0 <= ix0 && ix0 < w, 0 <= ix0 + 1 && ix0 + 1 < w, 0 <= ix0 + 2 && ix0 + 2 < w)
            let r = src + iy0 * w + ix0
            if rowIn.0 && colIn.0 { s0 = s0 + r[0] * gv }
            if rowIn.0 && colIn.1 { s1 = s1 + r[1] * gv }
            if rowIn.0 && colIn.2 { s2 = s2 + r[2] * gv }
            if rowIn.1 && colIn.0 { s3 = s3 + r[w] * gv }
            if rowIn.1 && colIn.1 { s4 = s4 + r[w + 1] * gv }
            if rowIn.1 && colIn.2 { s5 = s5 + r[w + 2] * gv }
            if rowIn.2 && colIn.0 { s6 = s6 + r[2 * w] * gv }
            if rowIn.2 && colIn.1 { s7 = s7 + r[2 * w + 1] * gv }
            if rowIn.2 && colIn.2 { s8 = s8 + r[2 * w + 2] * gv }
        }
        for oy in 0..<oh {
            let iy0 = oy * s - p
            guard iy0 >= 0 && iy0 + 3 <= h else {
                for ox in 0..<ow { edge(oy, ox) }
                continue
            }
            let rowGrad = grad + oy * ow * cout
            let r0 = src + iy0 * w - p, r1 = r0 + w, r2 = r1 + w
            var t0 = SIMD8<Float>(), t1 = SIMD8<Float>(), t2 = SIMD8<Float>()
            var t3 = SIMD8<Float>(), t4 = SIMD8<Float>(), t5 = SIMD8<Float>()
            var t6 = SIMD8<Float>(), t7 = SIMD8<Float>(), t8 = SIMD8<Float>()
            for ox in lo..<hi {
                let gv = load8(rowGrad + ox * cout + cb), c = ox * s
                t0 = multiplyAdd(t0, SIMD8(repeating: r0[c]), gv); t1 = multiplyAdd(t1, SIMD8(repeating: r0[c + 1]), gv); t2 = multiplyAdd(t2, SIMD8(repeating: r0[c + 2]), gv)
                t3 = multiplyAdd(t3, SIMD8(repeating: r1[c]), gv); t4 = multiplyAdd(t4, SIMD8(repeating: r1[c + 1]), gv); t5 = multiplyAdd(t5, SIMD8(repeating: r1[c + 2]), gv)
                t6 = multiplyAdd(t6, SIMD8(repeating: r2[c]), gv); t7 = multiplyAdd(t7, SIMD8(repeating: r2[c + 1]), gv); t8 = multiplyAdd(t8, SIMD8(repeating: r2[c + 2]), gv)
            }
            s0 = s0 + t0; s1 = s1 + t1; s2 = s2 + t2; s3 = s3 + t3; s4 = s4 + t4
            s5 = s5 + t5; s6 = s6 + t6; s7 = s7 + t7; s8 = s8 + t8
            for ox in 0..<lo { edge(oy, ox) }
            for ox in hi..<ow { edge(oy, ox) }
        }
        store8(s0, a); store8(s1, a + cout); store8(s2, a + 2 * cout); store8(s3, a + 3 * cout)
        store8(s4, a + 4 * cout); store8(s5, a + 5 * cout); store8(s6, a + 6 * cout)
        store8(s7, a + 7 * cout); store8(s8, a + 8 * cout)
    }

    /// `sums[c] += sum_pixels v[pixel, c]` (`c` a multiple of 8): float
    /// partials in a register per block of rows, folded into double.
    static func channelSums(_ v: UnsafePointer<Float>, pixels: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>) {
        for cb in stride(from: 0, to: c, by: 8) {
            var start = 0
            while start < pixels {
                let end = min(pixels, start + 256)
                var block = SIMD8<Float>()
                var px = start
                while px < end { block += load8(v + px * c + cb); px += 1 }
                for j in 0..<8 { sums[cb + j] += Double(block[j]) }
                start = end
            }
        }
    }

    /// One output pixel's contribution to the weight gradient, tap by tap
    /// with bounds checks (edge pixels, and kernels other than 3 x 3).
    static func accumulatePixel(_ src: UnsafePointer<Float>, _ g: ConvGeometry, oy: Int, ox: Int, grad: UnsafePointer<Float>,
                               outChannels cout: Int, into acc: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w) = (g.kernel, g.stride, g.padding, g.height, g.width)
        for cb in stride(from: 0, to: cout, by: 8) {
            let gv = load8(grad + cb)
            for ky in 0..<k {
                let iy = oy * s - p + ky
                if iy < 0 || iy >= h { continue }
                for kx in 0..<k {
                    let ix = ox * s - p + kx
                    if ix < 0 || ix >= w { continue }
                    add8(src[iy * w + ix] * gv, acc + (ky * k + kx) * cout + cb)
                }
            }
        }
    }
}
