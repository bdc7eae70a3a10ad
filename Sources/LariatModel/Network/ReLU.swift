/// The rectifier `y = max(x, 0)`; its backward pass is `dx = dy * [y > 0]`
/// (taking the derivative at 0 as 0, as PyTorch does).
///
/// Elementwise, on both cores in SIMD blocks: at 64x64x16 per frame these
/// tensors are tens of megabytes, and a scalar `max` loop costs as much as
/// the convolution next to it.
public enum ReLU {
    public static func forward(_ x: Tensor) -> Tensor {
        var y = x
        forwardInPlace(&y)
        return y
    }

    public static func forwardInPlace(_ x: inout Tensor) {
        x.data.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            forBlocks(p.count) { range in
                var i = range.lowerBound
                let zero = SIMD8<Float>()
                while i + 8 <= range.upperBound {
                    let raw = UnsafeMutableRawPointer(base + i)
                    let v = raw.loadUnaligned(as: SIMD8<Float>.self)
                    raw.storeBytes(of: v.replacing(with: zero, where: v .< zero), as: SIMD8<Float>.self)
                    i += 8
                }
                while i < range.upperBound { if base[i] < 0 { base[i] = 0 }; i += 1 }
            }
        }
    }

    /// `dL/dx` from `dL/dy` and the forward output `y`.
    public static func backward(_ dy: Tensor, output y: Tensor) -> Tensor {
        var dx = dy
        backwardInPlace(&dx, output: y)
        return dx
    }

    /// Overwrites `dy` with `dL/dx`. Written out beside `forwardInPlace`
    /// rather than sharing a masking kernel with it: the shared version
    /// (target and mask possibly aliased) made a training step 3.5% slower.
    public static func backwardInPlace(_ dy: inout Tensor, output y: Tensor) {
        precondition(dy.shape == y.shape, "ReLU.backward: dy \(dy.shape) vs y \(y.shape)")
        dy.data.withUnsafeMutableBufferPointer { d in
            y.data.withUnsafeBufferPointer { yp in
                let dBase = d.baseAddress!, yBase = yp.baseAddress!
                forBlocks(d.count) { range in
                    var i = range.lowerBound
                    let zero = SIMD8<Float>()
                    while i + 8 <= range.upperBound {
                        let raw = UnsafeMutableRawPointer(dBase + i)
                        let g = raw.loadUnaligned(as: SIMD8<Float>.self)
                        let out = UnsafeRawPointer(yBase + i).loadUnaligned(as: SIMD8<Float>.self)
                        raw.storeBytes(of: g.replacing(with: zero, where: out .<= zero), as: SIMD8<Float>.self)
                        i += 8
                    }
                    while i < range.upperBound { if yBase[i] <= 0 { dBase[i] = 0 }; i += 1 }
                }
            }
        }
    }

    /// Splits `0..<count` into a few large blocks on all cores (small tensors stay on one).
    static func forBlocks(_ count: Int, _ body: (Range<Int>) -> Void) {
        parallelFor(count, minimumPerSlice: 1 << 16, body)
    }
}
