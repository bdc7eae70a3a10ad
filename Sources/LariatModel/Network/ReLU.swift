/// The rectifier `y = max(x, 0)`; its backward pass is `dx = dy * [y > 0]`
/// (taking the derivative at 0 as 0, as PyTorch does).
public enum ReLU {
    public static func forward(_ x: Tensor) -> Tensor {
        var y = x
        forwardInPlace(&y)
        return y
    }

    public static func forwardInPlace(_ x: inout Tensor) {
        x.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = max(p[i], 0) }
        }
    }

    /// `dL/dx` from `dL/dy` and the forward output `y`.
    public static func backward(_ dy: Tensor, output y: Tensor) -> Tensor {
        precondition(dy.shape == y.shape, "ReLU.backward: dy \(dy.shape) vs y \(y.shape)")
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            y.data.withUnsafeBufferPointer { yp in
                for i in 0..<d.count { d[i] = yp[i] > 0 ? d[i] : 0 }
            }
        }
        return dx
    }
}
