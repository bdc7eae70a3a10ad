/// A differentiable piece of the network (micrograd's and swift-apis'
/// idea): `applied(to:)` computes `y = f(x)` and returns, with it, the
/// pullback that maps `dL/dy` to `dL/dx` and adds `dL/dθ` into each
/// parameter's `grad`. A network is a composition of layers
/// (`Sequential`); a composition needs no gradient code of its own,
/// because its pullback is its parts' pullbacks run in reverse.
///
///     let (y, pullback) = try layer.applied(to: x)
///     let dx = try pullback(dy, true)          // false: only parameter gradients
public protocol Layer: AnyObject {
    /// Every trainable parameter, in a fixed order.
    var parameters: [Parameter] { get }
    /// The output shape for an input shape (a precondition fails for a wrong one).
    func outputShape(_ input: [Int]) -> [Int]
    /// `y = f(x)` and its pullback. The pullback keeps what it needs of the
    /// forward pass (its input, or its output for a rectifier).
    func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback)
}

/// `dL/dy -> dL/dx`, adding parameter gradients on the way; the flag says
/// whether `dL/dx` is wanted (nil may be returned when it is not, which
/// spares, for example, the first layer's col2im).
public typealias Pullback = (_ dy: Tensor, _ inputGradient: Bool) throws -> Tensor?

extension Layer {
    /// `y = f(x)` alone (inference: the pullback's captures are dropped at once).
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try applied(to: x).output }
}

/// The nonlinearity after a convolution. A rectifier is fused into the
/// convolution kernels (their ReLU mask is the stored output); others run
/// as an `Elementwise` layer after the convolution.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    case relu
    case tanh
    case identity
}

extension Activation {
    /// A convolution followed by this activation, as a layer's `applied(to:)`:
    /// `forward(rectified)` computes the convolution (with the ReLU fused when
    /// asked) and `backward(dy, rectifiedOutput, inputGradient)` its pullback.
    /// A rectifier is fused into both; tanh runs after the convolution.
    func composed(forward: (_ rectified: Bool) -> Tensor,
                  backward: @escaping (_ dy: Tensor, _ rectifiedOutput: Tensor?, _ inputGradient: Bool) -> Tensor?)
        -> (output: Tensor, pullback: Pullback) {
        switch self {
        case .relu:
            let y = forward(true)
            return (y, { dy, wanted in backward(dy, y, wanted) })
        case .identity:
            return (forward(false), { dy, wanted in backward(dy, nil, wanted) })
        case .tanh:
            let a = Tanh.forward(forward(false))
            return (a, { dy, wanted in backward(Tanh.backward(dy, output: a), nil, wanted) })
        }
    }
}
