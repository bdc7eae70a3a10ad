/// The geometry of a 2-D convolution over channels-last frames: a
/// `kernel x kernel` window moved by `stride` over the input zero-padded by
/// `padding` on every side, `outputHeight = (height + 2*padding - kernel) / stride + 1`.
struct ConvGeometry: Equatable {
    var height: Int, width: Int, channels: Int
    var kernel: Int, stride: Int, padding: Int

    var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Values in one input frame.
    var inputSize: Int { height * width * channels }
    /// Columns of one im2col row: the patch in (ky, kx, channel) order.
    var patchSize: Int { kernel * kernel * channels }
    /// im2col rows per frame: one per output position.
    var rowsPerFrame: Int { outputHeight * outputWidth }
}

/// im2col for frames `frames` of `x` (channels-last): row `(f, oy, ox)` of
/// `col` (relative to the first frame of the range) holds the patch
/// `x[f, oy*s - p + ky, ox*s - p + kx, c]` at column `(ky*k + kx)*C + c`, and
/// zero where the patch leaves the frame. Frames run in parallel.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, frames: Range<Int>,
            into col: UnsafeMutablePointer<Float>) {
    let (oh, ow, c, k, s, p) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.stride, g.padding)
    let rowLength = g.patchSize, w = g.width, h = g.height
    parallelFor(frames.count) { local in
        for fi in local {
            let src = x + (frames.lowerBound + fi) * g.inputSize
            var row = col + fi * g.rowsPerFrame * rowLength
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var dst = row
                    for ky in 0..<k {
                        let iy = oy * s - p + ky
                        for kx in 0..<k {
                            let ix = ox * s - p + kx
                            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                copyChannels(dst, src + (iy * w + ix) * c, c)
                            } else {
                                for ci in 0..<c { dst[ci] = 0 }
                            }
                            dst += c
                        }
                    }
                    row += rowLength
                }
            }
        }
    }
}

/// Copies one pixel's `c` channels. Inline vector moves: a memmove call per
/// 16 or 32 floats was 5% of a training step.
@inline(__always)
func copyChannels(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int) {
    var i = 0
    while i + 8 <= c {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                    as: SIMD8<Float>.self)
        i += 8
    }
    while i < c { dst[i] = src[i]; i += 1 }
}

/// col2im, the adjoint of `im2col`: adds every column entry back onto the
/// input position it was read from, `x[f, iy, ix, c] += col[(f,oy,ox), (ky,kx,c)]`.
/// `x` must be initialised (zero it to get the plain adjoint). Each frame is
/// summed by one thread in a fixed order, so the result is deterministic.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, frames: Range<Int>,
            into x: UnsafeMutablePointer<Float>) {
    let (oh, ow, c, k, s, p) = (g.outputHeight, g.outputWidth, g.channels, g.kernel, g.stride, g.padding)
    let rowLength = g.patchSize, w = g.width, h = g.height
    parallelFor(frames.count) { local in
        for fi in local {
            let dstFrame = x + (frames.lowerBound + fi) * g.inputSize
            var row = col + fi * g.rowsPerFrame * rowLength
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var src = row
                    for ky in 0..<k {
                        let iy = oy * s - p + ky
                        for kx in 0..<k {
                            let ix = ox * s - p + kx
                            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                let to = dstFrame + (iy * w + ix) * c
                                for ci in 0..<c { to[ci] += src[ci] }
                            }
                            src += c
                        }
                    }
                    row += rowLength
                }
            }
        }
    }
}

/// The im2col buffer size aimed at, in floats (a tuning knob for benchmarks).
let im2colChunkValues = 1 << 20

/// How many frames to process per chunk so the im2col buffer stays near
/// `targetValues` floats: big enough for efficient GEMMs, small enough to
/// bound memory (a 64x64x24 layer over 256 frames would need 0.9 GB at once)
/// and keep a chunk (4 MB) in cache between im2col and its GEMM.
func framesPerChunk(rowsPerFrame: Int, rowLength: Int, frames: Int, targetValues: Int = im2colChunkValues) -> Int {
    let perFrame = max(1, rowsPerFrame * rowLength)
    return max(1, min(frames, targetValues / perFrame))
}
