/// The decoder's upsampling layer, `ConvTranspose2D(k3, s2, p1, op1)`, as
/// four sub-pixel phases computed by one dense GEMM.
///
/// Output pixel `(2i + a, 2j + b)` depends only on the input's 2 x 2
/// neighbourhood `x[i..i+1, j..j+1]`: along each axis the even phase takes
/// kernel tap 1 from offset 0, the odd phase taps 2 (offset 0) and 0
/// (offset 1). So with `col[(i,j), (di,dj,ci)] = x[i+di, j+dj, ci]` (zero
/// past the edge) and a `4Cin x 4Cout` weight `wide` holding those taps
/// (zero where a phase does not see an offset), `out = col * wide` and
/// `y[2i+a, 2j+b, co] = out[(i,j), (a,b,co)]`.
///
/// Why: the im2col formulation multiplies by `k = Cin` (16 for the
/// largest layer), writes a `9 Cout`-wide column per input pixel and then
/// scatter-adds it; here the GEMM has `k = 4 Cin`, its output is the image
/// itself up to a reordering, and bias and the following ReLU are applied
/// in that reordering. The dense weight does 16/9 of the useful
/// multiply-adds, in a shape BLAS runs near its peak.
enum SubPixelTransposedConvolution {
    /// Whether a layer has the geometry this decomposition is written for (any channels, any frame size).
    static func accepts(_ s: ConvolutionShape) -> Bool {
        s.kernel == 3 && s.stride == 2 && s.padding == 1 && s.outputPadding == 1
    }

    /// The kernel tap along one axis that joins output phase `phase` to input offset `offset`.
    @inline(__always)
    static func tap(phase: Int, offset: Int) -> Int? {
        switch (phase, offset) {
        case (0, 0): return 1
        case (1, 0): return 2
        case (1, 1): return 0
        default: return nil
        }
    }

    /// The `(di, dj, a, b)` combinations that carry a kernel tap, with that tap's index `ky*3 + kx`.
    static let connections: [(offset: Int, phase: Int, tap: Int)] = {
        var list: [(Int, Int, Int)] = []
        for di in 0..<2 { for dj in 0..<2 { for a in 0..<2 { for b in 0..<2 {
            if let ky = tap(phase: a, offset: di), let kx = tap(phase: b, offset: dj) {
                list.append((di * 2 + dj, a * 2 + b, ky * 3 + kx))
            }
        }}}}
        return list
    }()

    /// `wide[(d, ci), (phase, co)]` from the layer's `W[ci, (ky,kx), co]`.
    static func wideWeight(_ w: UnsafePointer<Float>, inChannels cin: Int, outChannels cout: Int) -> [Float] {
        var wide = [Float](repeating: 0, count: 16 * cin * cout)
        for (d, phase, t) in connections {
            for ci in 0..<cin { for co in 0..<cout {
                wide[(d * cin + ci) * 4 * cout + phase * cout + co] = w[(ci * 9 + t) * cout + co]
            }}
        }
        return wide
    }

    /// The input shape's sizes and the chunking of frames.
    struct Shape {
        var frames: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
        var pixels: Int { height * width }
        var colWidth: Int { 4 * inChannels }
        var outWidth: Int { 4 * outChannels }
        /// Frames per GEMM: 8 MB of col and out. Larger GEMMs ran faster than
        /// cache-sized ones (measured 4 to 16 MB: 77 vs 87 ms for the 16 -> 16 layer).
        var chunk: Int { framesPerChunk(rowsPerFrame: pixels, rowLength: colWidth + outWidth, frames: frames, targetValues: 1 << 21) }
    }

    /// `y = convT(x) + b`, rectified when `rectify`; `y` is written whole.
    static func forward(_ x: UnsafePointer<Float>, _ s: Shape, weight: UnsafePointer<Float>, bias: [Float]?,
                        rectify: Bool, into y: UnsafeMutablePointer<Float>) {
        let wide = wideWeight(weight, inChannels: s.inChannels, outChannels: s.outChannels)
        let chunk = s.chunk
        let col = UnsafeMutablePointer<Float>.allocate(capacity: chunk * s.pixels * s.colWidth)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: chunk * s.pixels * s.outWidth)
        defer { col.deallocate(); out.deallocate() }
        var biasPair = [Float](repeating: 0, count: 2 * s.outChannels)   // the bias for phases b = 0, 1
        if let bias { for c in 0..<(2 * s.outChannels) { biasPair[c] = bias[c % s.outChannels] } }
        wide.withUnsafeBufferPointer { wp in
        biasPair.withUnsafeBufferPointer { bp in
            for start in stride(from: 0, to: s.frames, by: chunk) {
                let frames = start..<min(s.frames, start + chunk)
                gatherNeighbourhoods(x, s, frames: frames, into: col)
                sgemm(m: frames.count * s.pixels, n: s.outWidth, k: s.colWidth, a: col, lda: s.colWidth,
                      b: wp.baseAddress!, ldb: s.outWidth, beta: 0, c: out, ldc: s.outWidth)
                interleavePhases(out, s, frames: frames, bias: bp.baseAddress!, rectify: rectify, into: y)
            }
        }}
    }

    /// Adds `dL/dW` for `dy = dL/dy`, writes `dL/dx` when `dx` is given,
    /// and returns `dL/db` (per output channel). With `rectifiedOutput` (the
    /// forward's output after ReLU), `dy` is first masked by the ReLU's derivative.
    static func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ s: Shape, weight: UnsafePointer<Float>,
                         rectifiedOutput: UnsafePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>,
                         inputGradient dx: UnsafeMutablePointer<Float>?) -> [Float] {
        let (cin, cout) = (s.inChannels, s.outChannels)
        let wide = wideWeight(weight, inChannels: cin, outChannels: cout)
        var dWide = [Float](repeating: 0, count: 16 * cin * cout)
        var frameBiasSums = [Double](repeating: 0, count: s.frames * cout)
        let chunk = s.chunk
        let col = UnsafeMutablePointer<Float>.allocate(capacity: chunk * s.pixels * s.colWidth)
        let dOut = UnsafeMutablePointer<Float>.allocate(capacity: chunk * s.pixels * s.outWidth)
        defer { col.deallocate(); dOut.deallocate() }
        wide.withUnsafeBufferPointer { wp in
        dWide.withUnsafeMutableBufferPointer { dwp in
        frameBiasSums.withUnsafeMutableBufferPointer { sums in
            for start in stride(from: 0, to: s.frames, by: chunk) {
                let frames = start..<min(s.frames, start + chunk)
                let rows = frames.count * s.pixels
                separatePhases(dy, s, frames: frames, mask: rectifiedOutput, frameSums: sums.baseAddress!, into: dOut)
                gatherNeighbourhoods(x, s, frames: frames, into: col)
                // dWide[(d,ci), (phase,co)] += col^T * dOut
                sgemm(transA: true, m: s.colWidth, n: s.outWidth, k: rows, a: col, lda: s.colWidth,
                      b: dOut, ldb: s.outWidth, beta: 1, c: dwp.baseAddress!, ldc: s.outWidth)
                if let dx {
                    // dcol = dOut * wide^T (into col's buffer), then each input
                    // pixel sums the four neighbourhoods it belongs to.
                    sgemm(transB: true, m: rows, n: s.colWidth, k: s.outWidth, a: dOut, lda: s.outWidth,
                          b: wp.baseAddress!, ldb: s.outWidth, beta: 0, c: col, ldc: s.colWidth)
                    sumNeighbourhoods(col, s, frames: frames, into: dx)
                }
            }
        }}}
        for (d, phase, t) in connections {
            for ci in 0..<cin { for co in 0..<cout {
                dw[(ci * 9 + t) * cout + co] += dWide[(d * cin + ci) * 4 * cout + phase * cout + co]
            }}
        }
        var total = [Double](repeating: 0, count: cout)
        for f in 0..<s.frames { for c in 0..<cout { total[c] += frameBiasSums[f * cout + c] } }
        return total.map { Float($0) }
    }

    /// `col[(f,i,j), (di,dj,ci)] = x[f, i+di, j+dj, ci]`, zero past the bottom and right edges.
    static func gatherNeighbourhoods(_ x: UnsafePointer<Float>, _ s: Shape, frames: Range<Int>,
                                     into col: UnsafeMutablePointer<Float>) {
        let (h, w, c) = (s.height, s.width, s.inChannels)
        parallelFor(frames.count) { local in
            for fi in local {
                let frame = x + (frames.lowerBound + fi) * s.pixels * c
                var row = col + fi * s.pixels * 4 * c
                for i in 0..<h {
                    for j in 0..<w {
                        let top = frame + (i * w + j) * c
                        let pair = j + 1 < w ? 2 * c : c     // x[i, j] and x[i, j+1] are adjacent
                        copyChannels(row, top, pair)
                        for z in pair..<(2 * c) { row[z] = 0 }
                        if i + 1 < h {
                            copyChannels(row + 2 * c, top + w * c, pair)
                            for z in pair..<(2 * c) { row[2 * c + z] = 0 }
                        } else {
                            for z in 0..<(2 * c) { row[2 * c + z] = 0 }
                        }
                        row += 4 * c
                    }
                }
            }
        }
    }

    /// `y[f, 2i+a, 2j+b, co] = max?(out[(f,i,j), (a,b,co)] + bias[co])`.
    static func interleavePhases(_ out: UnsafePointer<Float>, _ s: Shape, frames: Range<Int>, bias: UnsafePointer<Float>,
                                 rectify: Bool, into y: UnsafeMutablePointer<Float>) {
        let (h, w, c) = (s.height, s.width, s.outChannels)
        let pair = 2 * c, vectorEnd = pair - pair % 8
        parallelFor(frames.count) { local in
            for fi in local {
                let f = frames.lowerBound + fi
                var src = out + fi * s.pixels * 4 * c
                for i in 0..<h {
                    for j in 0..<w {
                        for a in 0..<2 {
                            let dst = y + ((f * 2 * h + 2 * i + a) * 2 * w + 2 * j) * c
                            let from = src + a * pair
                            var t = 0
                            while t < vectorEnd {
                                var v = load8(from + t) + load8(bias + t)
                                if rectify { v = v.replacing(with: 0, where: v .< 0) }
                                store8(v, dst + t)
                                t += 8
                            }
                            while t < pair {
                                let v = from[t] + bias[t]
                                dst[t] = rectify && v < 0 ? 0 : v
                                t += 1
                            }
                        }
                        src += 4 * c
                    }
                }
            }
        }
    }

    /// The adjoint of `interleavePhases`' reordering, masked where the
    /// rectified output is not positive; adds each frame's per-channel sums
    /// of the (masked) gradient to `frameSums` (the bias gradient).
    static func separatePhases(_ dy: UnsafePointer<Float>, _ s: Shape, frames: Range<Int>, mask: UnsafePointer<Float>?,
                               frameSums: UnsafeMutablePointer<Double>, into dOut: UnsafeMutablePointer<Float>) {
        let (h, w, c) = (s.height, s.width, s.outChannels)
        let pair = 2 * c, vectorEnd = pair - pair % 8
        parallelFor(frames.count) { local in
            let sums = UnsafeMutablePointer<Float>.allocate(capacity: pair)
            defer { sums.deallocate() }
            for fi in local {
                let f = frames.lowerBound + fi
                let frameSum = frameSums + f * c
                var dst = dOut + fi * s.pixels * 4 * c
                for i in 0..<h {
                    for t in 0..<pair { sums[t] = 0 }   // float partials per input row, folded into double
                    for j in 0..<w {
                        for a in 0..<2 {
                            let offset = ((f * 2 * h + 2 * i + a) * 2 * w + 2 * j) * c
                            let from = dy + offset, to = dst + a * pair
                            var t = 0
                            while t < vectorEnd {
                                var g = load8(from + t)
                                if let mask { g = g.replacing(with: 0, where: load8(mask + offset + t) .<= 0) }
                                store8(g, to + t)
                                add8(g, sums + t)
                                t += 8
                            }
                            while t < pair {
                                var g = from[t]
                                if let mask, mask[offset + t] <= 0 { g = 0 }
                                to[t] = g
                                sums[t] += g
                                t += 1
                            }
                        }
                        dst += 4 * c
                    }
                    for t in 0..<pair { frameSum[t % c] += Double(sums[t]) }
                }
            }
        }
    }

    /// `dx[f,i,j,:] = dcol[(i,j),(0,0)] + dcol[(i,j-1),(0,1)] + dcol[(i-1,j),(1,0)] + dcol[(i-1,j-1),(1,1)]`
    /// (terms outside the frame omitted): the adjoint of `gatherNeighbourhoods`. Writes `dx` whole.
    static func sumNeighbourhoods(_ dcol: UnsafePointer<Float>, _ s: Shape, frames: Range<Int>,
                                  into dx: UnsafeMutablePointer<Float>) {
        let (h, w, c) = (s.height, s.width, s.inChannels)
        let rowWidth = 4 * c
        parallelFor(frames.count) { local in
            for fi in local {
                let frame = dcol + fi * s.pixels * rowWidth
                let out = dx + (frames.lowerBound + fi) * s.pixels * c
                for i in 0..<h {
                    for j in 0..<w {
                        let here = frame + (i * w + j) * rowWidth
                        let to = out + (i * w + j) * c
                        for ci in 0..<c {
                            var v = here[ci]
                            if j > 0 { v += here[-rowWidth + c + ci] }
                            if i > 0 {
                                let above = here - w * rowWidth
                                v += above[2 * c + ci]
                                if j > 0 { v += above[-rowWidth + 3 * c + ci] }
                            }
                            to[ci] = v
                        }
                    }
                }
            }
        }
    }
}
