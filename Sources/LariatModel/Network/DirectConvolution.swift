/// A direct (no im2col) stride-1 convolution to one output channel, for the
/// decoder's output layers (`Conv(16,1)` and `Conv(8,1)` at full resolution).
///
/// With one output channel the im2col GEMM is a matrix-vector product: it
/// writes and rereads a `k*k*C`-wide column per pixel (600 MB for 256
/// frames of 64x64x16) to do `k*k*C` multiply-adds on it. Here every pixel
/// reads its `k x k` neighbourhood of contiguous channel vectors straight
/// from the (cached) input rows instead. Same formula as `Conv2D` with
/// `outChannels == 1`, `stride == 1`.
enum DirectConvolution {
    /// `y[n, oy, ox] = b + sum w[(ky*k + kx)*C + c] * x[n, oy - p + ky, ox - p + kx, c]`.
    static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                        bias: Float, into y: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        parallelFor(frames) { range in
            for f in range {
                let src = x + f * g.inputSize
                let dst = y + f * oh * ow
                for oy in 0..<oh { for ox in 0..<ow {
                    dst[oy * ow + ox] = bias + patchDot(src, g, oy: oy, ox: ox, w)
                }}
            }
        }
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
                while ci + 8 <= c {
                    acc8 += UnsafeRawPointer(xv + ci).loadUnaligned(as: SIMD8<Float>.self)
                        * UnsafeRawPointer(wv + ci).loadUnaligned(as: SIMD8<Float>.self)
                    ci += 8
                }
                while ci < c { acc += xv[ci] * wv[ci]; ci += 1 }
            }
        }
        return acc + acc8.sum()
    }

    /// Adds `dL/dW` into `dw` and (when `dx` is given) `dL/dx` into `dx`
    /// for `dy = dL/dy`. Frames are split into fixed slices whose partial
    /// weight gradients are summed in slice order: deterministic.
    ///
    /// Both are gathers, so each output element is written once: dW[tap]
    /// accumulates in a register along an output row (ox) before touching
    /// memory, and dx at an input pixel sums its (up to) k x k taps in a
    /// register. Scattering dy into both per tap, as the chain rule reads,
    /// spent its time on read-modify-writes.
    static func backward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let (oh, ow, c, k, p, h, wd) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.padding, g.height, g.width)
        let length = g.patchSize
        let slices = min(parallelSlices, frames)
        let vectorChannels = c - c % 8
        var partial = [Float](repeating: 0, count: slices * length)
        partial.withUnsafeMutableBufferPointer { part in
            let partBase = part.baseAddress!
            DispatchQueue.concurrentPerform(iterations: slices) { s in
                let mine = partBase + s * length
                for f in (frames * s / slices)..<(frames * (s + 1) / slices) {
                    let src = x + f * g.inputSize
                    let grad = dy + f * oh * ow
                    // dW[(ky, kx), ci] += sum_{oy, ox} dy[oy, ox] x[oy - p + ky, ox - p + kx, ci]
                    for oy in 0..<oh {
                        let gradRow = grad + oy * ow
                        for ky in 0..<k {
                            let iy = oy - p + ky
                            if iy < 0 || iy >= h { continue }
                            let inRow = src + iy * wd * c
                            for kx in 0..<k {
                                let lo = max(0, p - kx), hi = min(ow, wd + p - kx)
                                if lo >= hi { continue }
                                let tap = mine + (ky * k + kx) * c
                                var ci = 0
                                while ci < vectorChannels {
                                    var acc = SIMD8<Float>()
                                    var at = inRow + (lo - p + kx) * c + ci
                                    for ox in lo..<hi {
                                        acc += gradRow[ox] * UnsafeRawPointer(at).loadUnaligned(as: SIMD8<Float>.self)
                                        at += c
                                    }
                                    let t = UnsafeMutableRawPointer(tap + ci)
                                    t.storeBytes(of: t.loadUnaligned(as: SIMD8<Float>.self) + acc, as: SIMD8<Float>.self)
                                    ci += 8
                                }
                                while ci < c {
                                    var acc: Float = 0
                                    for ox in lo..<hi { acc += gradRow[ox] * inRow[(ox - p + kx) * c + ci] }
                                    tap[ci] += acc
                                    ci += 1
                                }
                            }
                        }
                    }
                    // dx[iy, ix, ci] += sum_{ky, kx} dy[iy + p - ky, ix + p - kx] w[(ky, kx), ci]
                    guard let back = dx.map({ $0 + f * g.inputSize }) else { continue }
                    for iy in 0..<h { for ix in 0..<wd {
                        let out = back + (iy * wd + ix) * c
                        var ci = 0
                        while ci < c {
                            let vector = ci < vectorChannels
                            var acc = SIMD8<Float>()
                            var scalar: Float = 0
                            for ky in 0..<k {
                                let oy = iy + p - ky
                                if oy < 0 || oy >= oh { continue }
                                for kx in 0..<k {
                                    let ox = ix + p - kx
                                    if ox < 0 || ox >= ow { continue }
                                    let gy = grad[oy * ow + ox]
                                    let wv = w + (ky * k + kx) * c + ci
                                    if vector { acc += gy * UnsafeRawPointer(wv).loadUnaligned(as: SIMD8<Float>.self) }
                                    else { scalar += gy * wv[0] }
                                }
                            }
                            if vector {
                                let o = UnsafeMutableRawPointer(out + ci)
                                o.storeBytes(of: o.loadUnaligned(as: SIMD8<Float>.self) + acc, as: SIMD8<Float>.self)
                                ci += 8
                            } else {
                                out[ci] += scalar
                                ci += 1
                            }
                        }
                    }}
                }
            }
            for s in 0..<slices { for j in 0..<length { dw[j] += partBase[s * length + j] } }
        }
    }
}

import Dispatch
