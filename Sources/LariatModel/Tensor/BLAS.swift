import COpenBLAS
import Dispatch

/// Row-major single-precision GEMM: `C = alpha * op(A) * op(B) + beta * C`,
/// where `op(A)` is `m x k` and `op(B)` is `k x n`. OpenBLAS threads it.
@inline(__always)
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
           b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    OpenBLAS.library.sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                           blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                           beta, c, blasint(ldc))
}

/// The number of worker slices for per-frame loops: a few per core so that
/// uneven slices still balance.
let parallelSlices: Int = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body(range)` over `0..<count` split into contiguous slices on all
/// cores. Every index is visited by exactly one slice, so writes to
/// per-index regions need no locks and results do not depend on scheduling.
func parallelFor(_ count: Int, minimumPerSlice: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let slices = min(parallelSlices, max(1, count / max(1, minimumPerSlice)))
    if slices == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: slices) { s in
        let lo = count * s / slices, hi = count * (s + 1) / slices
        if lo < hi { body(lo..<hi) }
    }
}

import Foundation
