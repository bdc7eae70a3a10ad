// Fused multiply-add on 8- and 16-float vectors, for the hand-written
// convolution kernels. Swift's SIMD `addingProduct` is a lane-by-lane loop
// that LLVM re-vectorises only when it can see the whole chain; in larger
// kernels it fell back to scalar or 4-wide FMAs with gathers. Clang's
// elementwise builtin is one llvm.fma on the whole vector (one AVX-512 or
// AVX2 instruction when compiled for such a CPU). Header only: no library.
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

#endif
