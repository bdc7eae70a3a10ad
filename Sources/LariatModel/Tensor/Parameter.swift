/// A trainable tensor and the gradient accumulated for it.
///
/// Layers add their parameter gradients into `grad` during backward passes
/// (so several passes through one layer, e.g. decoding frames and
/// predictions, sum correctly); `zeroGradient()` starts a step afresh.
public final class Parameter {
    /// Where the parameter lives, e.g. `encoder.conv1.weight`.
    public let name: String
    public var value: Tensor
    public var grad: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }

    public func zeroGradient() {
        grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

extension Array where Element == Parameter {
    /// Zeroes every parameter's gradient.
    public func zeroGradients() { for p in self { p.zeroGradient() } }

    /// Total number of trainable values.
    public var valueCount: Int { reduce(0) { $0 + $1.value.count } }
}
