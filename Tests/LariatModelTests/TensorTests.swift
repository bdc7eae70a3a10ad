import Testing
@testable import LariatModel

// Shared helpers for the network's gradient checks (used by the Conv, Layer,
// Network and Autoencoder suites).

/// A tensor of uniform values in [-scale, scale) from a seeded generator.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
    var rng = SeededRandom(seed: seed, stream: 99)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<n).map { _ in Float(rng.uniform(-scale, scale)) })
}

/// `sum(y * r)` in double: a scalar whose gradient with respect to `y` is `r`.
func dot(_ y: Tensor, _ r: Tensor) -> Double {
    precondition(y.count == r.count)
    var s = 0.0
    for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
    return s
}

/// Compares `analytic` (the claimed gradient of `loss` at `x`) with central
/// finite differences at `samples` indices (all when fewer). Returns the
/// largest error relative to `max(|fd|, scale)` where `scale` is the largest
/// finite difference seen, so tiny entries do not dominate.
func gradientError(at x: Tensor, analytic: Tensor, step h: Float = 1e-2, samples: Int = 40, seed: UInt64 = 1,
                   _ loss: (Tensor) -> Double) -> Double {
    precondition(x.shape == analytic.shape, "analytic gradient shape \(analytic.shape) vs \(x.shape)")
    var rng = SeededRandom(seed: seed, stream: 5)
    let indices = x.count <= samples ? Array(0..<x.count) : (0..<samples).map { _ in rng.int(in: 0..<x.count) }
    var pairs: [(Double, Double)] = []
    for i in indices {
        var xp = x, xm = x
        xp.data[i] += h; xm.data[i] -= h
        // The step actually taken in float32.
        let fd = (loss(xp) - loss(xm)) / (Double(xp.data[i]) - Double(xm.data[i]))
        pairs.append((fd, Double(analytic.data[i])))
    }
    let scale = max(pairs.map { abs($0.0) }.max() ?? 0, 1e-12)
    return pairs.map { abs($0.0 - $0.1) / max(abs($0.0), scale) }.max() ?? 0
}

@Suite struct TensorTests {
    @Test func shapesAndFrames() {
        let t = Tensor(shape: [3, 2, 2, 1], data: (0..<12).map(Float.init))
        let f = t.frames(1..<3)
        #expect(f.shape == [2, 2, 2, 1])
        #expect(f.data == (4..<12).map(Float.init))
        #expect(t.reshaped([3, 4]).shape == [3, 4])
        #expect(t.sumOfSquares == (0..<12).reduce(0.0) { $0 + Double($1 * $1) })
    }

    @Test func finiteDetectsNaNAndInfinity() {
        var t = Tensor(zeros: [4])
        #expect(t.isFinite)
        t.data[2] = .nan
        #expect(!t.isFinite)
        t.data[2] = .infinity
        #expect(!t.isFinite)
    }

    @Test func roundTripsThroughNDArray() {
        let a = NDArray(shape: [2, 3], data: [1, 2.5, -3, 4, 5, 6])
        #expect(Tensor(a).toNDArray() == a)
    }

    @Test func sgemmMatchesNaiveProduct() {
        let a = randomTensor([5, 7], seed: 1), b = randomTensor([4, 7], seed: 2)
        var c = [Float](repeating: 0, count: 20)
        sgemm(transB: true, m: 5, n: 4, k: 7, a: a.data, lda: 7, b: b.data, ldb: 7, beta: 0, c: &c, ldc: 4)
        for i in 0..<5 { for j in 0..<4 {
            var s: Float = 0
            for k in 0..<7 { s += a.data[i * 7 + k] * b.data[j * 7 + k] }
            #expect(abs(c[i * 4 + j] - s) < 1e-5)
        }}
    }
}
