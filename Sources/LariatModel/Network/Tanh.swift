import Foundation

/// The hyperbolic tangent `y = tanh(x)`, elementwise; `dx = dy * (1 - y^2)`.
/// A layer of its own, and the nonlinearity a convolution applies after
/// itself for `Activation.tanh`.
public final class Tanh: RegisteredLayer {
    public static let registryName = "tanh"
    public init() {}
    public convenience init(name: String, channels: Int, rng: inout SeededRandom) { self.init() }
    public var parameters: [Parameter] { [] }
    public func outputShape(_ input: [Int]) -> [Int] { input }

    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        let y = Self.forward(x)
        return (y, { dy, _ in Self.backward(dy, output: y) })
    }

    public static func forward(_ x: Tensor) -> Tensor {
        var y = x
        for i in 0..<y.count { y.data[i] = Foundation.tanh(y.data[i]) }
        return y
    }

    public static func backward(_ dy: Tensor, output y: Tensor) -> Tensor {
        var dx = dy
        for i in 0..<dx.count { dx.data[i] *= 1 - y.data[i] * y.data[i] }
        return dx
    }
}
