import Foundation

/// The Adam optimizer (Kingma & Ba, "Adam: A method for stochastic
/// optimization", 2015), with PyTorch's defaults and bias correction:
///
///     m <- b1 m + (1-b1) g;   v <- b2 v + (1-b2) g^2
///     theta <- theta - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
///
/// Its moments belong to the parameter list passed to the first `update`;
/// later calls must pass the same parameters in the same order.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    /// Steps taken so far.
    public private(set) var step = 0
    private var m: [[Float]] = []
    private var v: [[Float]] = []

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }

    /// One step on every parameter along its accumulated `grad`.
    public func update(_ parameters: [Parameter]) {
        var values = parameters.map(\.value)
        update(&values, along: parameters.map(\.grad))
        for (p, value) in zip(parameters, values) { p.value = value }
    }

    /// One step on `params` along `grads` (same shapes, same order every call).
    public func update(_ params: inout [Tensor], along grads: [Tensor]) {
        precondition(params.count == grads.count, "Adam: \(params.count) parameters, \(grads.count) gradients")
        if m.isEmpty {
            m = params.map { [Float](repeating: 0, count: $0.count) }
            v = m
        }
        precondition(m.count == params.count && zip(m, params).allSatisfy { $0.count == $1.count },
                     "Adam: the parameter list changed between updates")
        step += 1
        let t = Float(step)
        let c1 = 1 - powf(beta1, t), c2 = 1 - powf(beta2, t)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let stepSize = learningRate / c1
        let invSqrtC2 = 1 / c2.squareRoot()
        for i in params.indices {
            precondition(params[i].shape == grads[i].shape, "Adam: parameter \(i) has shape \(params[i].shape), gradient \(grads[i].shape)")
            params[i].data.withUnsafeMutableBufferPointer { theta in
                grads[i].data.withUnsafeBufferPointer { g in
                    m[i].withUnsafeMutableBufferPointer { m in
                        v[i].withUnsafeMutableBufferPointer { v in
                            for j in 0..<theta.count {
                                let gj = g[j]
                                m[j] = b1 * m[j] + (1 - b1) * gj
                                v[j] = b2 * v[j] + (1 - b2) * gj * gj
                                theta[j] -= stepSize * m[j] / (v[j].squareRoot() * invSqrtC2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
