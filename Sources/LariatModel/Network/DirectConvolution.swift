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
    /// `y[n, oy, ox] = b + sum w[(ky*k + kx)*C + c] * x[n, oy - p + ky, ox - p + kx, c]`.
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
    /// for `dy = dL/dy`. Frames are split into fixed slices whose partial
    /// weight gradients are summed in slice order: deterministic.
    ///
    /// Both are gathers, so each output element is written once per kernel
    /// row: dW's run for kernel row ky accumulates in registers along an
    /// output row (ox) before touching memory, and dx at an input pixel sums
    /// its taps in registers.
    static func backward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let length = g.patchSize
        let slices = min(parallelSlices, frames)
        var partial = [Float](repeating: 0, count: slices * length)
        partial.withUnsafeMutableBufferPointer { part in
            let partBase = part.baseAddress!
            DispatchQueue.concurrentPerform(iterations: slices) { s in
                let mine = partBase + s * length
                for f in (frames * s / slices)..<(frames * (s + 1) / slices) {
                    let src = x + f * g.inputSize
                    let grad = dy + f * oh * ow
                    weightGradient(src, g, grad: grad, into: mine)
                    if let dx { inputGradient(grad, g, weight: w, into: dx + f * g.inputSize) }
                }
            }
            for s in 0..<slices { for j in 0..<length { dw[j] += partBase[s * length + j] } }
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

import Dispatch
