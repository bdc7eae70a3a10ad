import COpenBLAS

/// Row-major single-precision GEMM: `C = alpha * op(A) * op(B) + beta * C`,
/// where `op(A)` is `m x k` and `op(B)` is `k x n`.
///
/// Run on all cores as single-threaded OpenBLAS calls over a fixed split
/// (`WorkChunks`) that depends only on `m`, `n` and `k`, so the bits never
/// depend on the number of cores. OpenBLAS's own threading does not give
/// that: its partition follows its thread count, and a fit under `taskset
/// -c 0` differed from the same fit on two cores in the 7th digit. The
/// split:
/// - small products (under 2^20 multiply-adds) run as one call;
/// - a few values summed over very many rows (a weight gradient:
///   `k >= 4 max(m, n)`, `m n <= 2^16`) split `k`: each chunk's `m x n`
///   partial product is added in chunk order;
/// - otherwise the longer of `m` and `n` is split, and every element of C
///   comes from exactly one call, over the whole of `k`.
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
           b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    // op(A)'s rows i..., columns l... and op(B)'s rows l..., columns j... as pointers.
    func aAt(_ i: Int, _ l: Int) -> UnsafePointer<Float> { transA ? a + l * lda + i : a + i * lda + l }
    func bAt(_ l: Int, _ j: Int) -> UnsafePointer<Float> { transB ? b + j * ldb + l : b + l * ldb + j }
    func call(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        OpenBLAS.library.sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                               blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                               beta, c, blasint(ldc))
    }
    if m * n * k < 1 << 20 {
        call(m, n, k, a, b, beta, c, ldc)
    } else if k >= 4 * max(m, n), m * n <= 1 << 16 {
        let chunks = WorkChunks(count: k, minimumPerChunk: 256)
        let size = m * n
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks.count * size)
        defer { partial.deallocate() }
        chunks.run { ch, r in
            call(m, n, r.count, aAt(0, r.lowerBound), bAt(r.lowerBound, 0), 0, partial + ch * size, n)
        }
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n {
                var s: Float = 0
                for ch in 0..<chunks.count { s += partial[ch * size + i * n + j] }
                row[j] = beta == 0 ? s : beta * row[j] + s        // beta = 0 must not read C (it may be NaN)
            }
        }
    } else if m >= n {
        WorkChunks(count: m, minimumPerChunk: 64).run { _, r in
            call(r.count, n, k, aAt(r.lowerBound, 0), b, beta, c + r.lowerBound * ldc, ldc)
        }
    } else {
        WorkChunks(count: n, minimumPerChunk: 64).run { _, r in
            call(m, r.count, k, a, bAt(0, r.lowerBound), beta, c + r.lowerBound, ldc)
        }
    }
}
