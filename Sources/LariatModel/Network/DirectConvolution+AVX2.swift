import CVectorMath

/// The output layers' vector path with tiles for AVX2's 16 ymm registers
/// (`RegisterTiles.avx2`):
///
/// - forward: four pixels of 16 channels, or eight of 8 channels (two per
///   sixteen-float register), per tile: 8 ymm accumulators beside the three
///   tap vectors of a kernel row (AVX-512: twice the pixels, 16 zmm);
/// - backward: eight channels at a time, the weight gradient's nine sums
///   and the input gradient's nine weight vectors in one pass per group
///   (AVX-512: all sixteen channels at once, 36 ymm on AVX2). Separate
///   passes for the two, which fit in 16 ymm, ran slower: every gradient
///   value was broadcast twice as often (LayerProfile, AMD EPYC).
///
/// Every output, weight-gradient sum and input-gradient value takes its
/// terms in the AVX-512 kernels' order, and the lane reductions are the
/// same shuffles, so both families give the same bits.
extension DirectConvolution.AVX2Tiles {
    @inline(__always)
    static func pixels(channels c: Int) -> Int { 64 / c }

    @inline(__always)
    static func outputTile(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>, column ox: Int,
                           channels c: Int, taps wp: UnsafePointer<Float>, bias b8: SIMD8<Float>,
                           into out: UnsafeMutablePointer<Float>) {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        let o = (ox - 1) * c
        if c == 16 {
            // As the AVX-512 tile: each input pixel of a kernel row meets the
            // (up to) three outputs its taps reach, each output's taps in (ky, kx) order.
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
                a2 = multiplyAdd(a2, v, k2); a3 = multiplyAdd(a3, v, k1)
                v = load16(row + 80)
                a3 = multiplyAdd(a3, v, k2)
            }
            // Four pixels' sums by the AVX-512 tile's shuffles (its first half).
            let v = lariat_pairs16(lariat_halves16(a0, a1), lariat_halves16(a2, a3))
            let sums = lariat_pairs8(lariat_pairs16(v, v)) + b8
            out[ox] = sums[0]; out[ox + 1] = sums[1]; out[ox + 2] = sums[2]; out[ox + 3] = sums[3]
        } else {   // a register holds two pixels
            for ky in 0..<3 {
                let row = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + o
                for kx in 0..<3 {
                    let at = row + kx * c, wv = load16(wp + 16 * (ky * 3 + kx))
                    a0 = multiplyAdd(a0, load16(at), wv)
                    a1 = multiplyAdd(a1, load16(at + 16), wv)
                    a2 = multiplyAdd(a2, load16(at + 32), wv)
                    a3 = multiplyAdd(a3, load16(at + 48), wv)
                }
            }
            store8(lariat_pairs8(lariat_pairs16(lariat_pairs16(a0, a1), lariat_pairs16(a2, a3))) + b8, out + ox)
        }
    }

    /// `vectorBackwardFrame`'s arithmetic eight channels at a time: per
    /// group one pass over the frame with the nine weight-gradient sums and
    /// the nine weight vectors (18 ymm; LLVM reads a few weights from memory
    /// inside the multiply-adds), so each gradient value is broadcast once
    /// per group.
    static func backwardFrame(_ src: UnsafePointer<Float>, _ g: ConvGeometry, weight w: UnsafePointer<Float>,
                              dy grad: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, into dw: UnsafeMutablePointer<Float>,
                              stagedBy staged: (dxRowStride: Int, sums: UnsafeMutablePointer<Double>)?) {
        typealias V = SIMD8<Float>
        let (h, wd, c) = (g.height, g.width, g.channels)
        let dxRowStride = staged?.dxRowStride ?? wd * c
        let pw = wd + 2
        for iy in 0..<h { (padded + (iy + 1) * pw + 1).update(from: grad + iy * wd, count: wd) }
        // dy[iy + 1 - ky, ix + 1 - kx] is padded[iy + 2 - ky, ix + 2 - kx].
        for cb in stride(from: 0, to: c, by: 8) {
            let wc = w + cb
            let w0 = load8(wc), w1 = load8(wc + c), w2 = load8(wc + 2 * c), w3 = load8(wc + 3 * c), w4 = load8(wc + 4 * c)
            let w5 = load8(wc + 5 * c), w6 = load8(wc + 6 * c), w7 = load8(wc + 7 * c), w8 = load8(wc + 8 * c)
            var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V(), d6 = V(), d7 = V(), d8 = V()
            for iy in 0..<h {
                let p0 = padded + (iy + 2) * pw + 2, p1 = p0 - pw, p2 = p1 - pw   // ky = 0, 1, 2
                let x = src + iy * wd * c + cb
                var rowSum = V()
                for ix in 0..<wd {
                    let xv = load8(x + ix * c)
                    let b0 = V(repeating: p0[ix]), b1 = V(repeating: p0[ix - 1]), b2 = V(repeating: p0[ix - 2])
                    let b3 = V(repeating: p1[ix]), b4 = V(repeating: p1[ix - 1]), b5 = V(repeating: p1[ix - 2])
                    let b6 = V(repeating: p2[ix]), b7 = V(repeating: p2[ix - 1]), b8 = V(repeating: p2[ix - 2])
                    d0 = d0.multiplyAdd(xv, b0); d1 = d1.multiplyAdd(xv, b1); d2 = d2.multiplyAdd(xv, b2)
                    d3 = d3.multiplyAdd(xv, b3); d4 = d4.multiplyAdd(xv, b4); d5 = d5.multiplyAdd(xv, b5)
                    d6 = d6.multiplyAdd(xv, b6); d7 = d7.multiplyAdd(xv, b7); d8 = d8.multiplyAdd(xv, b8)
                    if let dx {
                        // Two chains of the nine products, as `vectorBackwardFrame`.
                        let e = b0.times(w0).multiplyAdd(b1, w1).multiplyAdd(b2, w2).multiplyAdd(b3, w3)
                        let o = b4.times(w4).multiplyAdd(b5, w5).multiplyAdd(b6, w6).multiplyAdd(b7, w7).multiplyAdd(b8, w8)
                        let out = dx + iy * dxRowStride + ix * c + cb
                        if staged != nil {
                            let v = e.plus(o).masked(by: xv)
                            store8(v, out)
                            rowSum = rowSum.plus(v)
                        } else {
                            store8(e.plus(o), out)
                        }
                    }
                }
                if let staged { rowSum.addLanes(into: staged.sums + cb) }
            }
            let dwc = dw + cb
            add8(d0, dwc); add8(d1, dwc + c); add8(d2, dwc + 2 * c); add8(d3, dwc + 3 * c); add8(d4, dwc + 4 * c)
            add8(d5, dwc + 5 * c); add8(d6, dwc + 6 * c); add8(d7, dwc + 7 * c); add8(d8, dwc + 8 * c)
        }
    }
}
