/// A fully connected layer (PyTorch's `Linear`): `y = x W^T + b` with `x`
/// of shape `N x in` (trailing axes flattened), `W` of shape `out x in`,
/// `y` of shape `N x out`.
public final class Linear {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter

    public init(name: String, inFeatures: Int, outFeatures: Int, rng: inout SeededRandom) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear \(name): bad configuration")
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        weight = Parameter(name: name + ".weight", value: kaimingUniform(shape: [outFeatures, inFeatures], fanIn: inFeatures, using: &rng))
        bias = Parameter(name: name + ".bias", value: kaimingUniform(shape: [outFeatures], fanIn: inFeatures, using: &rng))
    }

    public var parameters: [Parameter] { [weight, bias] }

    private func rows(_ x: Tensor) -> Int {
        precondition(x.rank >= 1 && x.count == x.shape[0] * inFeatures,
                     "Linear: expected N x \(inFeatures) values, got shape \(x.shape)")
        return x.shape[0]
    }

    /// `y = x W^T + b`.
    public func forward(_ x: Tensor) -> Tensor {
        let n = rows(x)
        var y = Tensor(zeros: [n, outFeatures])
        let b = bias.value.data
        for r in 0..<n { for j in 0..<outFeatures { y.data[r * outFeatures + j] = b[j] } }
        x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        y.data.withUnsafeMutableBufferPointer { yp in
            sgemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: xp.baseAddress!, lda: inFeatures,
                  b: wp.baseAddress!, ldb: inFeatures, beta: 1, c: yp.baseAddress!, ldc: outFeatures)
        }}}
        return y
    }

    /// Adds `dL/dW = dy^T x` and `dL/db = sum_n dy` to the gradients and
    /// returns `dL/dx = dy W` in the shape of `x`.
    @discardableResult
    public func backward(_ dy: Tensor, input x: Tensor, inputGradient: Bool = true) -> Tensor? {
        let n = rows(x)
        precondition(dy.shape == [n, outFeatures], "Linear.backward: dy has shape \(dy.shape)")
        var dx: Tensor? = inputGradient ? Tensor(zeros: x.shape) : nil
        x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        weight.value.data.withUnsafeBufferPointer { wp in
        weight.grad.data.withUnsafeMutableBufferPointer { dwp in
            sgemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dyp.baseAddress!, lda: outFeatures,
                  b: xp.baseAddress!, ldb: inFeatures, beta: 1, c: dwp.baseAddress!, ldc: inFeatures)
            if dx != nil {
                dx!.data.withUnsafeMutableBufferPointer { dxp in
                    sgemm(m: n, n: inFeatures, k: outFeatures, a: dyp.baseAddress!, lda: outFeatures,
                          b: wp.baseAddress!, ldb: inFeatures, beta: 0, c: dxp.baseAddress!, ldc: inFeatures)
                }
            }
        }}}}
        addChannelSums(of: dy, into: bias)
        return dx
    }
}

extension Linear: Layer {
    public func outputShape(_ input: [Int]) -> [Int] { [input[0], outFeatures] }

    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        (forward(x), { dy, wanted in self.backward(dy, input: x, inputGradient: wanted) })
    }
}
