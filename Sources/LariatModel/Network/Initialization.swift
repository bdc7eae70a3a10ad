/// PyTorch's default initialisation of convolution and linear layers:
/// `kaiming_uniform_(w, a=sqrt(5))`, i.e. `U(-b, b)` with
/// `b = gain * sqrt(3 / fanIn)`, `gain = sqrt(2 / (1 + a^2))`, which is
/// `b = 1 / sqrt(fanIn)`; biases are drawn from the same range.
/// (PyTorch takes `fanIn` of a transposed convolution from its weight's
/// second axis, the *output* channels times the kernel area; we follow it.)
func kaimingUniform(shape: [Int], fanIn: Int, using rng: inout SeededRandom) -> Tensor {
    let bound = 1 / Double(max(fanIn, 1)).squareRoot()
    let n = shape.reduce(1, *)
    var data = [Float](repeating: 0, count: n)
    for i in 0..<n { data[i] = Float(rng.uniform(-bound, bound)) }
    return Tensor(shape: shape, data: data)
}
