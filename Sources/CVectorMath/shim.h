// Fused multiply-add and lane reductions on 8- and 16-float vectors, for
// the hand-written convolution kernels. Swift's SIMD `addingProduct` is a lane-by-lane loop
// that LLVM re-vectorises only when it can see the whole chain; in larger
// kernels it fell back to scalar or 4-wide FMAs with gathers. Clang's
// elementwise builtin is one llvm.fma on the whole vector (one AVX-512 or
// AVX2 instruction when compiled for such a CPU); the reductions are whole-
// register shuffles, which Swift's SIMD half/even/odd accessors became only
// in small functions. Header only: no library.
#ifndef LARIAT_VECTOR_MATH_H
#define LARIAT_VECTOR_MATH_H

typedef float lariat_float8 __attribute__((ext_vector_type(8)));
typedef float lariat_float16 __attribute__((ext_vector_type(16)));

/// a * b + c, each lane rounded once.
static inline __attribute__((always_inline))
lariat_float16 lariat_fma16(lariat_float16 a, lariat_float16 b, lariat_float16 c) {
    return __builtin_elementwise_fma(a, b, c);
}

/// a * b + c, each lane rounded once.
static inline __attribute__((always_inline))
lariat_float8 lariat_fma8(lariat_float8 a, lariat_float8 b, lariat_float8 c) {
    return __builtin_elementwise_fma(a, b, c);
}

/// [x[0..<8] + x[8..<16], y[0..<8] + y[8..<16]]: each vector's halves added.
static inline __attribute__((always_inline))
lariat_float16 lariat_halves16(lariat_float16 x, lariat_float16 y) {
    return __builtin_shufflevector(x, y, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
         + __builtin_shufflevector(x, y, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}

/// Adjacent lanes of x, then of y, added pairwise: [x0+x1, x2+x3, ..., y14+y15].
static inline __attribute__((always_inline))
lariat_float16 lariat_pairs16(lariat_float16 x, lariat_float16 y) {
    return __builtin_shufflevector(x, y, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
         + __builtin_shufflevector(x, y, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// Adjacent lanes added pairwise: [v0+v1, v2+v3, ..., v14+v15].
static inline __attribute__((always_inline))
lariat_float8 lariat_pairs8(lariat_float16 v) {
    return __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14)
         + __builtin_shufflevector(v, v, 1, 3, 5, 7, 9, 11, 13, 15);
}

typedef float lariat_float2 __attribute__((ext_vector_type(2)));

/// The two floats at p, repeated: [p0, p1, p0, p1, ...] (one 64-bit broadcast).
static inline __attribute__((always_inline))
lariat_float16 lariat_splat_pair16(const float *p) {
    lariat_float2 v;
    __builtin_memcpy(&v, p, sizeof v);
    return __builtin_shufflevector(v, v, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
}

/// Even lanes, then odd lanes: two interleaved 8-float vectors one after the other.
static inline __attribute__((always_inline))
lariat_float16 lariat_deinterleave16(lariat_float16 v) {
    return __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
}

// MARK: CPU features, for choosing a kernel's register tile at run time

#include <cpuid.h>

/// Whether the CPU running this code has AVX-512 F and the operating system
/// saves its registers (XCR0's opmask, ZMM_Hi256 and Hi16_ZMM bits, read by
/// XGETBV): what XNNPACK's and OpenBLAS's dispatchers check.
static inline int lariat_cpu_has_avx512f(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;   // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6u) != 0xE6u) return 0;                                   // SSE, AVX, opmask, ZMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 16) & 1;                                                  // AVX512F
}

/// Whether this code was compiled with AVX-512 enabled (`-target-cpu` of an
/// AVX-512 CPU): only then is a 16-float vector one register. Swift's
/// Clang importer compiles this header for the module's target CPU.
static inline int lariat_compiled_avx512f(void) {
#ifdef __AVX512F__
    return 1;
#else
    return 0;
#endif
}

#endif
