/// Normalisation across channels at each pixel, with a learnt gain and
/// offset per channel (the layer norm of Ba et al. 2016, "Layer
/// Normalization", over the channel axis of a channels-last map, as in
/// ConvNeXt). Batch-free: each pixel of each frame uses only its own `C`
/// values, so a frame's output does not depend on the other frames in its
/// window. For one pixel with channels `x_1..x_C`:
///
///     mu = (1/C) sum_c x_c,   sigma = sqrt((1/C) sum_c (x_c - mu)^2 + eps)
///     xhat_c = (x_c - mu) / sigma,   y_c = gamma_c xhat_c + beta_c
///
/// and, with `g_c = gamma_c dy_c`, its pullback
///
///     dx_c = (g_c - mean_c(g) - xhat_c mean_c(g xhat)) / sigma
///     dgamma_c = sum_pixels dy_c xhat_c,   dbeta_c = sum_pixels dy_c
///
/// (the two means are the derivatives through `mu` and through `sigma`).
/// `gamma` starts at 1 and `beta` at 0. Inserted by name:
/// `fit(..., layers=["channel_norm"])`.
public final class ChannelNormalisation: RegisteredLayer {
    public static let registryName = "channel_norm"
    public static let epsilon: Float = 1e-5

    public let channels: Int
    /// gamma, one per channel.
    public let gain: Parameter
    /// beta, one per channel.
    public let offset: Parameter

    public init(name: String, channels: Int, rng: inout SeededRandom) {
        precondition(channels > 0, "ChannelNormalisation \(name): no channels")
        self.channels = channels
        gain = Parameter(name: name + ".gain", value: Tensor(shape: [channels], repeating: 1))
        offset = Parameter(name: name + ".offset", value: Tensor(zeros: [channels]))
    }

    public var parameters: [Parameter] { [gain, offset] }

    public func outputShape(_ input: [Int]) -> [Int] {
        precondition(input.last == channels, "ChannelNormalisation: expected \(channels) channels, got shape \(input)")
        return input
    }

    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        _ = outputShape(x.shape)
        let c = channels, rows = x.count / c
        var xhat = Tensor(overwritten: x.shape)
        var inverseSigma = [Float](repeating: 0, count: rows)
        var y = Tensor(overwritten: x.shape)
        let gamma = gain.value.data, beta = offset.value.data
        x.data.withUnsafeBufferPointer { xp in
        xhat.data.withUnsafeMutableBufferPointer { hp in
        inverseSigma.withUnsafeMutableBufferPointer { sp in
        y.data.withUnsafeMutableBufferPointer { yp in
            let (xb, hb, sb, yb) = (xp.baseAddress!, hp.baseAddress!, sp.baseAddress!, yp.baseAddress!)
            parallelFor(rows, minimumPerSlice: 1024) { range in
                for r in range {
                    let v = xb + r * c, h = hb + r * c, out = yb + r * c
                    var sum = 0.0
                    for j in 0..<c { sum += Double(v[j]) }
                    let mu = sum / Double(c)
                    var ss = 0.0
                    for j in 0..<c { let d = Double(v[j]) - mu; ss += d * d }
                    let inv = 1 / (ss / Double(c) + Double(Self.epsilon)).squareRoot()
                    sb[r] = Float(inv)
                    for j in 0..<c {
                        h[j] = Float((Double(v[j]) - mu) * inv)
                        out[j] = gamma[j] * h[j] + beta[j]
                    }
                }
            }
        }}}}
        let pullback: Pullback = { [gain, offset] dy, wanted in
            self.backward(dy, xhat: xhat, inverseSigma: inverseSigma, gain: gain, offset: offset, inputGradient: wanted)
        }
        return (y, pullback)
    }

    /// Adds dgamma and dbeta (summed per chunk of rows in double, chunks
    /// added in order: deterministic) and returns dx when wanted.
    private func backward(_ dy: Tensor, xhat: Tensor, inverseSigma: [Float], gain: Parameter, offset: Parameter,
                          inputGradient: Bool) -> Tensor? {
        let c = channels, rows = dy.count / c
        let chunks = WorkChunks(count: rows, minimumPerChunk: 1024)
        var partial = [Double](repeating: 0, count: chunks.count * 2 * c)     // [chunk][dgamma c | dbeta c]
        var dx = inputGradient ? Tensor(overwritten: dy.shape) : Tensor(zeros: [0])
        let gamma = gain.value.data
        dy.data.withUnsafeBufferPointer { gp in
        xhat.data.withUnsafeBufferPointer { hp in
        inverseSigma.withUnsafeBufferPointer { sp in
        partial.withUnsafeMutableBufferPointer { pp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
            let (gb, hb, sb, pb, dxb) = (gp.baseAddress!, hp.baseAddress!, sp.baseAddress!, pp.baseAddress!, dxp.baseAddress)
            chunks.run { chunk, range in
                let sums = pb + chunk * 2 * c
                for r in range {
                    let d = gb + r * c, h = hb + r * c
                    var meanG = 0.0, meanGH = 0.0
                    for j in 0..<c {
                        sums[j] += Double(d[j]) * Double(h[j])
                        sums[c + j] += Double(d[j])
                        let g = Double(gamma[j]) * Double(d[j])
                        meanG += g; meanGH += g * Double(h[j])
                    }
                    guard let dxb else { continue }
                    meanG /= Double(c); meanGH /= Double(c)
                    let inv = Double(sb[r]), out = dxb + r * c
                    for j in 0..<c {
                        out[j] = Float((Double(gamma[j]) * Double(d[j]) - meanG - Double(h[j]) * meanGH) * inv)
                    }
                }
            }
        }}}}}
        for chunk in 0..<chunks.count {
            for j in 0..<c {
                gain.grad.data[j] += Float(partial[chunk * 2 * c + j])
                offset.grad.data[j] += Float(partial[chunk * 2 * c + c + j])
            }
        }
        return inputGradient ? dx : nil
    }
}
