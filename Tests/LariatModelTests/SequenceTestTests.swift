import Foundation
import Testing
@testable import LariatModel

/// A `T x k` VAR(1) series `z_t = A z_{t-1} + e_t` seen through a calcium-like
/// AR(1) filter (so it is *not* a VAR, as DESIGN.md warns), plus a level offset.
func filteredVAR(_ A: [[Double]], frames T: Int, seed: UInt64, offset: Double = 0) -> NDArray {
    let k = A.count
    var rng = SeededRandom(seed: seed, stream: 77)
    var x = [Double](repeating: 0, count: k), c = x
    var out = [Double](repeating: 0, count: T * k)
    for t in -100..<T {
        var next = x
        for i in 0..<k { next[i] = 0.5 * rng.normal(); for j in 0..<k { next[i] += A[i][j] * x[j] } }
        x = next
        for i in 0..<k { c[i] = 0.7 * c[i] + x[i] }
        if t >= 0 { for i in 0..<k { out[t * k + i] = c[i] + offset + 0.2 * rng.normal() } }
    }
    return NDArray(shape: [T, k], data: out)
}

let chain: [[Double]] = [[0.6, 0, 0, 0], [0.4, 0.6, 0, 0], [0, 0.4, 0.6, 0], [0, 0, 0.4, 0.6]]
let reversed: [[Double]] = [[0.6, 0.4, 0, 0], [0, 0.6, 0.4, 0], [0, 0, 0.6, 0.4], [0, 0, 0, 0.6]]

@Suite struct SequenceTestTests {
    func options(_ seed: UInt64 = 0, resamples: Int = 99) -> SequenceTest.Options {
        var o = SequenceTest.Options(); o.lag = 1; o.penalty = .ratio(0.05); o.resamples = resamples; o.seed = seed
        return o
    }

    @Test func blockFitsAgreeWithTheSparseVAR() throws {
        // One block holding the whole series is the sparse VAR of that series.
        let z = filteredVAR(chain, frames: 400, seed: 1)
        let block = BlockStatistics(block: z, lag: 2)
        let fit = try SparseVAR.fit(z, lag: 2, penalty: .value(0.03))
        let B = block.solve(lambdas: [Double](repeating: 0.03, count: 4))
        #expect(zip(B, fit.coefficients.data).allSatisfy { abs($0 - $1) < 1e-9 })
        // And its lasso objective is no larger than at any other coefficients.
        let q = block.objective(B, lambdas: [Double](repeating: 0.03, count: 4))
        var nudged = B; nudged[1] += 0.01
        #expect(q <= block.objective(nudged, lambdas: [Double](repeating: 0.03, count: 4)))
    }

    @Test func sameDynamicsHoldsTheSizeAndChangedDynamicsIsRejected() throws {
        var same = 0, changed = 0
        let pairs = 40
        for j in 0..<pairs {
            // Different level offsets per sequence must not count as different dynamics.
            let a = filteredVAR(chain, frames: 800, seed: UInt64(2 * j), offset: 0)
            let b = filteredVAR(chain, frames: 800, seed: UInt64(2 * j + 1), offset: 3)
            let c = filteredVAR(reversed, frames: 800, seed: UInt64(2 * j + 1))
            if try SequenceTest.run(a, b, options: options(UInt64(j))).pvalue <= 0.05 { same += 1 }
            if try SequenceTest.run(a, c, options: options(UInt64(j))).pvalue <= 0.05 { changed += 1 }
        }
        #expect(same <= binomialUpperBound(n: pairs, p: 0.05, tail: 0.01), "\(same) of \(pairs) same-dynamics pairs rejected")
        #expect(changed >= pairs * 9 / 10, "\(changed) of \(pairs) changed pairs rejected")
    }

    @Test func aDistanceThatIsSymmetricAndDeterministic() throws {
        let a = filteredVAR(chain, frames: 600, seed: 5), b = filteredVAR(reversed, frames: 500, seed: 6)
        let ab = try SequenceTest.run(a, b, options: options(3))
        let again = try SequenceTest.run(a, b, options: options(3))
        #expect(ab.null == again.null && ab.statistic == again.statistic)
        let other = try SequenceTest.run(a, b, options: options(4))
        #expect(other.null != ab.null && other.statistic == ab.statistic)
        #expect(ab.statistic >= 0 && ab.null.allSatisfy { $0 >= -1e-12 })
        // Swapping the sequences (equal block counts) swaps the directions, not the distance.
        let a2 = filteredVAR(chain, frames: 600, seed: 7)
        let x = try SequenceTest.run(a, a2, options: options()), y = try SequenceTest.run(a2, a, options: options())
        #expect(abs(x.statistic - y.statistic) < 1e-12 && abs(x.crossA - y.crossB) < 1e-12)
        #expect(ab.blocksA == 600 / ab.block && ab.blocksB == 500 / ab.block && ab.block == 62)
        #expect(ab.pvalue == Double(1 + ab.null.filter { $0 >= ab.statistic }.count) / 100)
    }

    @Test func reportsProgressAndCancels() throws {
        let a = filteredVAR(chain, frames: 400, seed: 8), b = filteredVAR(chain, frames: 400, seed: 9)
        let reports = ReportLog()
        _ = try SequenceTest.run(a, b, options: options(resamples: 30), context: WorkContext(report: { reports.append($0) }))
        #expect(reports.all.last?.task == "compare" && reports.all.last?.done == 30 && reports.all.last?.total == 30)
        let cancel = Cancellation()
        // Cancelled from inside the resampling loop, at the first report.
        #expect(throws: CancelledError.self) {
            try SequenceTest.run(a, b, options: options(resamples: 100_000),
                                 context: WorkContext(cancellation: cancel, report: { _ in cancel.cancel() }))
        }
    }

    @Test func unusableInputIsNamed() throws {
        let a = filteredVAR(chain, frames: 100, seed: 1)
        var o = options(); o.block = 60
        #expect { try SequenceTest.run(a, a, options: o) } throws: { ($0 as? LassoInputError)?.argument == "block" }
        #expect { try SequenceTest.run(a, NDArray(zeros: [100, 3]), options: options()) } throws: { ($0 as? LassoInputError)?.argument == "b" }
        o = options(); o.penalty = .criterion(.bic)
        #expect { try SequenceTest.run(a, a, options: o) } throws: { ($0 as? LassoInputError)?.argument == "lambda" }
    }
}
