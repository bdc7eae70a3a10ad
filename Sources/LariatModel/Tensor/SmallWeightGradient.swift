/// `dW[co, j] += sum_r dy[r, co] * col[r, j]` for a weight gradient with few
/// values (`outputs x length` small) summed over very many rows, e.g. a
/// one-channel 3x3 convolution over 256 frames of 64x64 (9 x 8 values over a
/// million rows). OpenBLAS runs that `transA` GEMM on one core at a few
/// GFLOP/s; here fixed chunks of rows (`WorkChunks`) run on all cores with SIMD8
/// registers across output channels, and their sums are added in chunk
/// order (deterministic, whatever the number of cores).
///
/// - Precondition: `outputs` is a multiple of 8 and `length * outputs <= 512`.
func smallWeightGradient(dy: UnsafePointer<Float>, col: UnsafePointer<Float>, rows: Int, outputs: Int, length: Int,
                         into dw: UnsafeMutablePointer<Float>) {
    precondition(outputs % 8 == 0 && length * outputs <= 512)
    let blocks = outputs / 8
    let chunks = WorkChunks(count: rows, minimumPerChunk: rows >= 1 << 14 ? 1 : rows)
    var partial = [Float](repeating: 0, count: chunks.count * length * outputs)
    partial.withUnsafeMutableBufferPointer { part in
        let partBase = part.baseAddress!
        chunks.run { s, range in
            // acc[j * blocks + b] holds dW[8b..<8b+8, j] for this slice.
            var acc = [SIMD8<Float>](repeating: SIMD8(), count: length * blocks)
            acc.withUnsafeMutableBufferPointer { a in
                for r in range {
                    let g = dy + r * outputs, c = col + r * length
                    for b in 0..<blocks {
                        let gv = UnsafeRawPointer(g + 8 * b).loadUnaligned(as: SIMD8<Float>.self)
                        for j in 0..<length { a[j * blocks + b] += c[j] * gv }
                    }
                }
                let out = partBase + s * length * outputs
                for j in 0..<length { for b in 0..<blocks { for l in 0..<8 {
                    out[(8 * b + l) * length + j] = a[j * blocks + b][l]
                }}}
            }
        }
        for s in 0..<chunks.count {
            let src = partBase + s * length * outputs
            for i in 0..<(length * outputs) { dw[i] += src[i] }
        }
    }
}
