import Foundation
import Testing
@testable import LariatModel

/// "Same seed, same data, same options, same machine: same model, and the
/// same on 1 and 2 cores." Every parallel reduction splits its work into
/// `WorkChunks` that depend only on the work's size; `Workers.$limit`
/// changes only which thread runs which chunk. Here the same computation
/// runs on 1, 2, 3 and 4 workers and on the machine's default, and must
/// give the same bits. (Tests/python/test_determinism.py runs `lariat`
/// itself on one and two cores, which also covers OpenBLAS's threads.)
@Suite struct DeterminismTests {
    /// Runs `body` under each worker limit and returns the results.
    func underEachWorkerLimit<R>(_ body: () throws -> R) rethrows -> [(Int?, R)] {
        try [1, 2, 3, 4, nil].map { limit in (limit, try Workers.$limit.withValue(limit) { try body() }) }
    }

    @Test func chunksCoverTheWorkOnceWhateverTheSize() {
        for items in [0, 1, 5, 15, 16, 17, 100, 3 << 14] {
            let chunks = WorkChunks(count: items)
            #expect(chunks.count == min(items, WorkChunks.maximum))
            var seen = [Int](repeating: 0, count: items)
            let lock = NSLock()
            Workers.$limit.withValue(3) {
                chunks.run { c, r in
                    #expect(r == chunks.range(c))
                    lock.lock(); for i in r { seen[i] += 1 }; lock.unlock()
                }
            }
            #expect(seen.allSatisfy { $0 == 1 }, "items \(items)")
        }
        #expect(WorkChunks(count: 100, minimumPerChunk: 40).count == 2)
    }

    /// Two reductions over many rows (the bias sums and the small weight
    /// gradient): the same bits on every number of workers, and near the
    /// double-precision sum.
    @Test func reductionsGiveTheSameBitsOnAnyNumberOfWorkers() {
        let rows = (3 << 14) + 1999
        let dy = randomTensor([rows, 8], seed: 21), col = randomTensor([rows, 9], seed: 22)
        let results = underEachWorkerLimit { () -> [Float] in
            let bias = Parameter(name: "b", value: Tensor(zeros: [8]))
            addChannelSums(of: dy, into: bias)
            var dw = [Float](repeating: 0, count: 72)
            dy.data.withUnsafeBufferPointer { g in col.data.withUnsafeBufferPointer { c in
                smallWeightGradient(dy: g.baseAddress!, col: c.baseAddress!, rows: rows, outputs: 8, length: 9, into: &dw)
            }}
            return bias.grad.data + dw
        }
        for (limit, r) in results.dropFirst() { #expect(r == results[0].1, "workers \(limit.map(String.init) ?? "default")") }
        var exact = 0.0
        for r in 0..<rows { exact += Double(dy.data[r * 8 + 3]) * Double(col.data[r * 9 + 5]) }
        #expect(abs(Double(results[0].1[8 + 3 * 9 + 5]) - exact) < 1e-2)
    }

    /// A whole joint fit (warm-up, joint steps through the lasso-VAR, the
    /// final VAR and the scores) with the standard network and its fast
    /// paths: the same weights, VAR and scores on 1, 2, 3 and 4 workers.
    @Test func aJointFitIsTheSameOnAnyNumberOfWorkers() throws {
        let movie = blobMovie(frames: 120, height: 32, width: 32, seed: 7)
        var o = FitOptions()
        o.latent = 4; o.epochs = 3; o.window = 32; o.seed = 2
        let fits = try underEachWorkerLimit { () -> [[Float]] in
            let m = try LatentDynamicsModel.fit(movie, options: o)
            return m.network.parameters.map(\.value.data)
                + [m.dynamics.coefficients.data.map(Float.init), [Float(m.scores.latentFVU), Float(m.scores.reconstructionR2)]]
        }
        for (limit, f) in fits.dropFirst() { #expect(f == fits[0].1, "workers \(limit.map(String.init) ?? "default")") }
        let allFinite = fits[0].1.joined().allSatisfy { $0.isFinite }
        #expect(allFinite)
    }
}
