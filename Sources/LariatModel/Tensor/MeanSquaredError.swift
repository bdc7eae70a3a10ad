/// Mean squared error `L = (1/n) sum (p - y)^2` over all `n` values and its
/// gradient `dL/dp = 2 (p - y) / n` (scaled by `weight`, which also scales
/// the loss). The loss is summed in double, sequentially: deterministic.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor, weight: Float = 1)
    -> (loss: Double, gradient: Tensor) {
    precondition(prediction.count == target.count,
                 "meanSquaredError: prediction has \(prediction.count) values, target \(target.count)")
    let n = prediction.count
    var grad = Tensor(zeros: prediction.shape)
    var sum = 0.0
    let scale = 2 * weight / Float(max(n, 1))
    prediction.data.withUnsafeBufferPointer { p in
        target.data.withUnsafeBufferPointer { y in
            grad.data.withUnsafeMutableBufferPointer { g in
                for i in 0..<n {
                    let r = p[i] - y[i]
                    sum += Double(r) * Double(r)
                    g[i] = scale * r
                }
            }
        }
    }
    return (Double(weight) * sum / Double(max(n, 1)), grad)
}
