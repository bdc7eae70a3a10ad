/// Per-coordinate standardisation of a window of latents, `zs = (z - mu) / sd`
/// with `mu` the mean and `sd = sqrt(var + epsilon)` over the window's frames,
/// so the VAR's lambda sits on a fixed scale whatever the encoder's scale.
/// The one standardisation of latents: each joint step's window
/// (`LatentVARStep`) and a fitted model's training latents
/// (`LatentDynamicsModel`, whose `latentMean` and `latentSD` then apply to
/// any movie through `standardise(_:mean:sd:)`).
struct LatentStandardisation {
    static let epsilon = 1e-6
    /// Frames T and coordinates d.
    let count: Int, dimension: Int
    let mean: [Double]
    let sd: [Double]
    /// `T x d`.
    let standardised: NDArray

    init(_ z: Tensor) {
        count = z.shape[0]; dimension = z.shape[1]
        let (T, d) = (count, dimension)
        var mu = [Double](repeating: 0, count: d)
        for t in 0..<T { for i in 0..<d { mu[i] += Double(z.data[t * d + i]) } }
        for i in 0..<d { mu[i] /= Double(T) }
        var v = [Double](repeating: 0, count: d)
        for t in 0..<T { for i in 0..<d { let c = Double(z.data[t * d + i]) - mu[i]; v[i] += c * c } }
        sd = v.map { ($0 / Double(T) + Self.epsilon).squareRoot() }
        mean = mu
        var zs = [Double](repeating: 0, count: T * d)
        for t in 0..<T { for i in 0..<d { zs[t * d + i] = (Double(z.data[t * d + i]) - mu[i]) / sd[i] } }
        standardised = NDArray(shape: [T, d], data: zs)
    }

    /// `zs = (z - mu) / sd` with given moments (a fitted model's), for `T x d` latents.
    static func standardise(_ z: NDArray, mean: [Double], sd: [Double]) -> NDArray {
        let d = z.shape[1]
        var out = z
        for k in 0..<z.count { out.data[k] = (z.data[k] - mean[k % d]) / sd[k % d] }
        return out
    }

    /// `z = zs * sd + mu` with given moments.
    static func destandardise(_ zs: NDArray, mean: [Double], sd: [Double]) -> Tensor {
        let d = zs.shape[1]
        var out = [Float](repeating: 0, count: zs.count)
        for k in 0..<zs.count { out[k] = Float(zs.data[k] * sd[k % d] + mean[k % d]) }
        return Tensor(shape: zs.shape, data: out)
    }

    /// `z = zs * sd + mu` for standardised rows (e.g. the VAR's predictions).
    func destandardise(_ zs: NDArray) -> Tensor { Self.destandardise(zs, mean: mean, sd: sd) }

    /// dL/dz from the gradients reaching `zs` directly and reaching `mu` and
    /// `sd` (through `destandardise` and penalties on `sd`). With
    /// `d mu / d z_t = 1/T` and `d sd / d z_t = zs_t / T`:
    ///
    ///     dz_t = dzs_t / sd + (dmu - sum_t dzs_t / sd) / T + (dsd - sum_t dzs_t zs_t / sd) zs_t / T
    func backward(dStandardised dzs: NDArray, dMean: [Double], dSD: [Double]) -> Tensor {
        let (T, d) = (count, dimension)
        let zs = standardised.data
        var sumG = [Double](repeating: 0, count: d), sumGZ = [Double](repeating: 0, count: d)
        for t in 0..<T { for i in 0..<d { sumG[i] += dzs.data[t * d + i]; sumGZ[i] += dzs.data[t * d + i] * zs[t * d + i] } }
        var dz = Tensor(zeros: [T, d])
        for i in 0..<d {
            let a = (dMean[i] - sumG[i] / sd[i]) / Double(T)
            let b = (dSD[i] - sumGZ[i] / sd[i]) / Double(T)
            for t in 0..<T {
                dz.data[t * d + i] = Float(dzs.data[t * d + i] / sd[i] + a + b * zs[t * d + i])
            }
        }
        return dz
    }
}
