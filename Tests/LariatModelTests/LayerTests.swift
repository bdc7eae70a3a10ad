import Testing
@testable import LariatModel

@Suite struct LayerTests {
    @Test func linearMatchesFormulaAndGradients() {
        var rng = SeededRandom(seed: 1)
        let layer = Linear(name: "l", inFeatures: 5, outFeatures: 3, rng: &rng)
        let x = randomTensor([4, 5], seed: 2)
        let y = layer.forward(x)
        for n in 0..<4 { for j in 0..<3 {
            var s = layer.bias.value.data[j]
            for i in 0..<5 { s += layer.weight.value.data[j * 5 + i] * x.data[n * 5 + i] }
            #expect(abs(y.data[n * 3 + j] - s) < 1e-5)
        }}
        let r = randomTensor([4, 3], seed: 3)
        layer.parameters.zeroGradients()
        let dx = layer.backward(r, input: x)!
        #expect(gradientError(at: x, analytic: dx) { dot(layer.forward($0), r) } < 1e-3)
        for p in layer.parameters {
            let saved = p.value
            let err = gradientError(at: saved, analytic: p.grad) { v in
                p.value = v; defer { p.value = saved }
                return dot(layer.forward(x), r)
            }
            #expect(err < 1e-3, "\(p.name)")
        }
    }

    /// The bias gradient sums float partials over blocks of 256 rows in row
    /// order, folded into double block by block and chunk by chunk; the
    /// one-channel path sums eight blocks at once and must give the same bits.
    @Test(arguments: [1, 3 << 14, (3 << 14) + 1999])
    func biasSumsFollowTheBlockOrder(rows: Int) {
        let dy = randomTensor([rows, 1], seed: 9)
        let bias = Parameter(name: "b", value: Tensor(zeros: [1]))
        bias.grad.data[0] = 0.25
        addChannelSums(of: dy, into: bias)
        let chunks = WorkChunks(count: rows, minimumPerChunk: rows >= 1 << 14 ? 1 : rows)
        var total: Float = 0.25
        for s in 0..<chunks.count {
            var sum = 0.0
            var r = chunks.range(s).lowerBound
            let end = chunks.range(s).upperBound
            while r < end {
                var block: Float = 0
                for i in r..<min(end, r + 256) { block += dy.data[i] }
                sum += Double(block)
                r = min(end, r + 256)
            }
            total += Float(sum)
        }
        #expect(bias.grad.data[0] == total)
        let exact = dy.data.reduce(0.0) { $0 + Double($1) } + 0.25
        #expect(abs(Double(bias.grad.data[0]) - exact) < 1e-3)
    }

    @Test func reluGradientAwayFromTheKink() {
        // Values at least 0.1 from zero, so a step of 0.01 never crosses the kink.
        var x = randomTensor([50], seed: 4)
        x.data = x.data.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let r = randomTensor([50], seed: 5)
        let y = ReLU.forward(x)
        #expect(y.data == x.data.map { max($0, 0) })
        let dx = ReLU.backward(r, output: y)
        #expect(gradientError(at: x, analytic: dx) { dot(ReLU.forward($0), r) } < 1e-4)
    }

    @Test func mseLossAndGradient() {
        let p = randomTensor([3, 4], seed: 6), t = randomTensor([3, 4], seed: 7)
        let (loss, grad) = meanSquaredError(p, t, weight: 2)
        var ref = 0.0
        for i in 0..<12 { ref += Double(p.data[i] - t.data[i]) * Double(p.data[i] - t.data[i]) }
        #expect(abs(loss - 2 * ref / 12) < 1e-6)
        #expect(gradientError(at: p, analytic: grad, step: 1e-3) { meanSquaredError($0, t, weight: 2).loss } < 1e-3)
    }

    @Test func paddingAndCroppingAreAdjoint() {
        let x = randomTensor([2, 3, 5, 2], seed: 8)
        let y = randomTensor([2, 8, 9, 2], seed: 9)
        let padded = padSpatial(x, height: 8, width: 9, top: 2, left: 1)
        #expect(abs(dot(padded, y) - dot(x, cropSpatial(y, height: 3, width: 5, top: 2, left: 1))) < 1e-5)
        #expect(cropSpatial(padded, height: 3, width: 5, top: 2, left: 1) == x)
    }

    @Test func kaimingUniformBoundAndSeed() {
        var a = SeededRandom(seed: 3), b = SeededRandom(seed: 3)
        let w = kaimingUniform(shape: [32, 144], fanIn: 144, using: &a)
        #expect(w == kaimingUniform(shape: [32, 144], fanIn: 144, using: &b))
        let bound = Float(1.0 / 12.0)
        #expect(w.data.allSatisfy { abs($0) <= bound })
        // Uniform on [-b, b] has variance b^2/3; 4608 draws pin it within a few percent.
        let variance = w.sumOfSquares / Double(w.count)
        #expect(abs(variance / (Double(bound * bound) / 3) - 1) < 0.1)
    }
}
