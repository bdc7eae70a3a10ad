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
    static func backward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Int, weight w: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let (oh, ow, c, k, p, h, wd) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.padding, g.height, g.width)
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
                    let back = dx.map { $0 + f * g.inputSize }
                    for oy in 0..<oh { for ox in 0..<ow {
                        let gy = grad[oy * ow + ox]
                        if gy == 0 { continue }
                        let g8 = SIMD8<Float>(repeating: gy)
                        for ky in 0..<k {
                            let iy = oy - p + ky
                            if iy < 0 || iy >= h { continue }
                            for kx in 0..<k {
                                let ix = ox - p + kx
                                if ix < 0 || ix >= wd { continue }
                                let off = (iy * wd + ix) * c, tap = (ky * k + kx) * c
                                var ci = 0
                                while ci + 8 <= c {
                                    let xv = UnsafeRawPointer(src + off + ci).loadUnaligned(as: SIMD8<Float>.self)
                                    let dwv = UnsafeMutableRawPointer(mine + tap + ci)
                                    dwv.storeBytes(of: dwv.loadUnaligned(as: SIMD8<Float>.self) + g8 * xv, as: SIMD8<Float>.self)
                                    if let back {
                                        let wv = UnsafeRawPointer(w + tap + ci).loadUnaligned(as: SIMD8<Float>.self)
                                        let dxv = UnsafeMutableRawPointer(back + off + ci)
                                        dxv.storeBytes(of: dxv.loadUnaligned(as: SIMD8<Float>.self) + g8 * wv, as: SIMD8<Float>.self)
                                    }
                                    ci += 8
                                }
                                while ci < c {
                                    mine[tap + ci] += gy * src[off + ci]
                                    back?[off + ci] += gy * w[tap + ci]
                                    ci += 1
                                }
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
