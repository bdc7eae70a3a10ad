/// Eight- and sixteen-float vector access at any float pointer (unaligned),
/// and fused multiply-add, shared by the hand-written kernels: one AVX
/// (eight floats) or AVX-512 (sixteen) register per access when compiled
/// for a host that has them.

import CVectorMath

/// `acc + a * b` in one fused multiply-add per lane. Use this, not SIMD's
/// `addingProduct`, in kernels: see CVectorMath/shim.h.
@inline(__always)
func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    lariat_fma16(a, b, acc)
}

@inline(__always)
func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    lariat_fma8(a, b, acc)
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `p[0..<8] += v`.
@inline(__always)
func add8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    store8(load8(p) + v, p)
}

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// `p[0..<16] += v`.
@inline(__always)
func add16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    store16(load16(p) + v, p)
}
