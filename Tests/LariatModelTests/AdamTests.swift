import Testing
@testable import LariatModel

@Suite struct AdamTests {
    @Test func firstStepMovesEachValueByTheLearningRate() {
        // With bias correction the first step is lr * g/|g| (up to epsilon).
        let adam = Adam(learningRate: 0.1)
        var params = [Tensor(shape: [3], data: [1, 2, 3])]
        adam.update(&params, along: [Tensor(shape: [3], data: [0.5, -2, 1e-3])])
        #expect(abs(params[0].data[0] - 0.9) < 1e-5)
        #expect(abs(params[0].data[1] - 2.1) < 1e-5)
        #expect(abs(params[0].data[2] - 2.9) < 1e-4)
    }

    @Test func matchesTheReferenceRecurrence() {
        // Three steps computed by hand in double from the paper's algorithm.
        let adam = Adam(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        var params = [Tensor(shape: [1], data: [0.5])]
        let grads: [Double] = [0.3, -0.1, 0.2]
        var theta = 0.5, m = 0.0, v = 0.0
        for (t, g) in grads.enumerated() {
            adam.update(&params, along: [Tensor(shape: [1], data: [Float(g)])])
            m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g
            let mh = m / (1 - pow(0.9, Double(t + 1))), vh = v / (1 - pow(0.999, Double(t + 1)))
            theta -= 0.01 * mh / (vh.squareRoot() + 1e-8)
        }
        #expect(abs(Double(params[0].data[0]) - theta) < 1e-6)
    }

    @Test func minimisesAQuadraticThroughParameters() {
        let p = Parameter(name: "p", value: Tensor(shape: [2], data: [3, -4]))
        let adam = Adam(learningRate: 0.05)
        for _ in 0..<2000 {
            p.zeroGradient()
            p.grad.data = p.value.data.map { 2 * ($0 - 1) }   // d/dp (p-1)^2
            adam.update([p])
        }
        #expect(p.value.data.allSatisfy { abs($0 - 1) < 1e-2 })
        #expect(adam.step == 2000)
    }
}

import Foundation
