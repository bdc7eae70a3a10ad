/// A decoder of spatial parts, one per latent (`Architecture.decoder = .parts`):
///
///     y[n, p] = sum_k z[n, k] phi[k, p],   phi = theta^2 >= 0
///
/// Each latent scales one non-negative image. Parts that start as the
/// movie's cells (`CellDetection`) keep each latent tied to one cell, so the
/// sparse VAR on the latents is a VAR on cells: its sparsity is the cells'
/// sparsity, where flattened convolutional latents mix cells and make every
/// link dense in their basis (docs/network.md). Non-negativity is kept by
/// the parametrisation (`dL/dtheta = 2 theta dL/dphi`), not by clipping.
/// A consequence: where a part is exactly zero its gradient is zero too, so
/// a part started from a cell's mask stays within that mask; the parts
/// started at random (small, everywhere positive) can take any shape.
public final class SpatialParts: Layer {
    public let latent: Int, height: Int, width: Int
    /// `d x (H*W)`; the parts are its squares.
    public let theta: Parameter

    public init(name: String, latent: Int, height: Int, width: Int, rng: inout SeededRandom) {
        self.latent = latent; self.height = height; self.width = width
        // Small positive parts until `setParts` replaces them.
        let values = (0..<(latent * height * width)).map { _ in Float(rng.uniform(0, 0.1)) }
        theta = Parameter(name: name + ".theta", value: Tensor(shape: [latent, height * width], data: values))
    }

    public var parameters: [Parameter] { [theta] }
    public func outputShape(_ input: [Int]) -> [Int] { [input[0], height, width, 1] }

    /// The parts, `d x H x W`.
    public var parts: Tensor {
        Tensor(shape: [latent, height, width], data: theta.value.data.map { $0 * $0 })
    }

    /// Sets part k to `images[k]` (non-negative, `H*W` each) for the first `images.count` latents.
    public func setParts(_ images: [[Float]]) {
        let P = height * width
        for (k, image) in images.prefix(latent).enumerated() {
            precondition(image.count == P, "SpatialParts.setParts: part \(k) has \(image.count) pixels, expected \(P)")
            for p in 0..<P { theta.value.data[k * P + p] = max(0, image[p]).squareRoot() }
        }
    }

    public func applied(to z: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        precondition(z.rank == 2 && z.shape[1] == latent, "SpatialParts: expected N x \(latent) latents, got \(z.shape)")
        let (n, d, P) = (z.shape[0], latent, height * width)
        let phi = parts.data
        var y = Tensor(overwritten: [n, height, width, 1])
        z.data.withUnsafeBufferPointer { zp in phi.withUnsafeBufferPointer { fp in y.data.withUnsafeMutableBufferPointer { yp in
            sgemm(m: n, n: P, k: d, a: zp.baseAddress!, lda: d, b: fp.baseAddress!, ldb: P, beta: 0, c: yp.baseAddress!, ldc: P)
        }}}
        let pullback: Pullback = { dy, _ in
            var dz = Tensor(overwritten: [n, d])
            var dphi = [Float](repeating: 0, count: d * P)
            dy.data.withUnsafeBufferPointer { gp in phi.withUnsafeBufferPointer { fp in z.data.withUnsafeBufferPointer { zp in
                dz.data.withUnsafeMutableBufferPointer { dzp in dphi.withUnsafeMutableBufferPointer { dfp in
                    // dz = dy phi' (N x P times P x d); dphi = z' dy (d x N times N x P).
                    sgemm(transB: true, m: n, n: d, k: P, a: gp.baseAddress!, lda: P, b: fp.baseAddress!, ldb: P,
                          beta: 0, c: dzp.baseAddress!, ldc: d)
                    sgemm(transA: true, m: d, n: P, k: n, a: zp.baseAddress!, lda: d, b: gp.baseAddress!, ldb: P,
                          beta: 0, c: dfp.baseAddress!, ldc: P)
                }}
            }}}
            for i in 0..<(d * P) { self.theta.grad.data[i] += 2 * self.theta.value.data[i] * dphi[i] }
            return dz
        }
        return (y, pullback)
    }
}
