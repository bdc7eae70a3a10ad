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
            zero(p.baseAddress!, where: UnsafePointer(p.baseAddress!), count: p.count, includingZero: false)
        }
    }

    /// `dL/dx` from `dL/dy` and the forward output `y`.
    public static func backward(_ dy: Tensor, output y: Tensor) -> Tensor {
        var dx = dy
        backwardInPlace(&dx, output: y)
        return dx
    }

    /// Overwrites `dy` with `dL/dx`.
    public static func backwardInPlace(_ dy: inout Tensor, output y: Tensor) {
        precondition(dy.shape == y.shape, "ReLU.backward: dy \(dy.shape) vs y \(y.shape)")
        dy.data.withUnsafeMutableBufferPointer { d in
            y.data.withUnsafeBufferPointer { yp in
                zero(d.baseAddress!, where: yp.baseAddress!, count: d.count, includingZero: true)
            }
        }
    }

    /// Sets `target[i] = 0` wherever `reference[i] < 0` (`<= 0` when
    /// `includingZero`), in SIMD blocks on all cores. The forward pass masks
    /// x by itself; the backward pass masks dy by the forward output.
    static func zero(_ target: UnsafeMutablePointer<Float>, where reference: UnsafePointer<Float>, count: Int,
                     includingZero: Bool) {
        forBlocks(count) { range in
            var i = range.lowerBound
            let zero = SIMD8<Float>()
            while i + 8 <= range.upperBound {
                let raw = UnsafeMutableRawPointer(target + i)
                let v = raw.loadUnaligned(as: SIMD8<Float>.self)
                let r = UnsafeRawPointer(reference + i).loadUnaligned(as: SIMD8<Float>.self)
                let mask = includingZero ? r .<= zero : r .< zero
                raw.storeBytes(of: v.replacing(with: zero, where: mask), as: SIMD8<Float>.self)
                i += 8
            }
            while i < range.upperBound {
                if includingZero ? reference[i] <= 0 : reference[i] < 0 { target[i] = 0 }
                i += 1
            }
        }
    }

    /// Splits `0..<count` into a few large blocks on all cores (small tensors stay on one).
    static func forBlocks(_ count: Int, _ body: (Range<Int>) -> Void) {
        parallelFor(count, minimumPerSlice: 1 << 16, body)
    }
}
