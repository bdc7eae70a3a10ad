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

/// One register of channel values, 8 (AVX) or 16 (AVX-512) floats, for
/// kernels written once for both widths. The operations are requirements
/// written on the concrete types: in generic code SIMD's own arithmetic
/// is a lane-by-lane loop that LLVM does not always re-vectorise.
protocol ChannelVector {
    static func splat(_ x: Float) -> Self
    static func load(_ p: UnsafePointer<Float>) -> Self
    func store(_ p: UnsafeMutablePointer<Float>)
    /// `p[...] += self`.
    func add(into p: UnsafeMutablePointer<Float>)
    /// `self + a * b`, fused.
    func multiplyAdd(_ a: Self, _ b: Self) -> Self
    func times(_ b: Self) -> Self
    func plus(_ b: Self) -> Self
    /// `max(self, 0)` lane by lane (0 for a NaN lane's comparison too, as `replacing(with:where:)`).
    func rectified() -> Self
    /// Zero where `mask <= 0` (a ReLU's output as the mask of its derivative).
    func masked(by mask: Self) -> Self
    /// `sums[j] += Double(self[j])` for every lane.
    func addLanes(into sums: UnsafeMutablePointer<Double>)
}

extension SIMD8: ChannelVector where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { load8(p) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { store8(self, p) }
    @inline(__always) func add(into p: UnsafeMutablePointer<Float>) { add8(self, p) }
    @inline(__always) func multiplyAdd(_ a: Self, _ b: Self) -> Self { LariatModel.multiplyAdd(self, a, b) }
    @inline(__always) func times(_ b: Self) -> Self { self * b }
    @inline(__always) func plus(_ b: Self) -> Self { self + b }
    @inline(__always) func rectified() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) func masked(by mask: Self) -> Self { replacing(with: 0, where: mask .<= 0) }
    @inline(__always) func addLanes(into sums: UnsafeMutablePointer<Double>) { for j in 0..<8 { sums[j] += Double(self[j]) } }
}

extension SIMD16: ChannelVector where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { load16(p) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { store16(self, p) }
    @inline(__always) func add(into p: UnsafeMutablePointer<Float>) { add16(self, p) }
    @inline(__always) func multiplyAdd(_ a: Self, _ b: Self) -> Self { LariatModel.multiplyAdd(self, a, b) }
    @inline(__always) func times(_ b: Self) -> Self { self * b }
    @inline(__always) func plus(_ b: Self) -> Self { self + b }
    @inline(__always) func rectified() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) func masked(by mask: Self) -> Self { replacing(with: 0, where: mask .<= 0) }
    @inline(__always) func addLanes(into sums: UnsafeMutablePointer<Double>) { for j in 0..<16 { sums[j] += Double(self[j]) } }
}
