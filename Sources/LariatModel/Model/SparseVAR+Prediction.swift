extension SparseVAR {
    /// One-step predictions for a new series `T x k`: row r is
    /// `c + sum_i A_i z_{r+p-i}`, the prediction of z at time `r + p`,
    /// for r in 0..<T-p (the same rows as `fittedValues`).
    public func predict(_ series: NDArray) -> NDArray {
        let (T, k, p) = (series.shape[0], variableCount, lag)
        guard T > p else { return NDArray(zeros: [0, k]) }
        var out = [Double](repeating: 0, count: (T - p) * k)
        let width = k * p
        for r in 0..<(T - p) {
            for i in 0..<k {
                var s = intercept[i]
                for lagIndex in 1...p {
                    let row = (r + p - lagIndex) * k
                    let base = i * width + (lagIndex - 1) * k
                    for j in 0..<k { s += coefficients.data[base + j] * series.data[row + j] }
                }
                out[r * k + i] = s
            }
        }
        return NDArray(shape: [T - p, k], data: out)
    }
}
