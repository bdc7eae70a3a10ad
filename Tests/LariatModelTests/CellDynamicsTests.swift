import Foundation
import Testing
@testable import LariatModel

/// The calcium-aware cell dynamics (`CellDynamics`): its running baseline
/// against the definition, and its matrix on series whose answer is known
/// in closed form. (tests/python/test_cells.py checks it against numpy/scipy.)
struct CellDynamicsTests {
    /// The definition: sort each window (ends repeated) and take the rank.
    func bruteForce(_ x: [Double], window: Int, percentile q: Double) -> [Double] {
        let T = x.count, before = window / 2, after = window - 1 - before
        let rank = min(window - 1, Int(Double(window) * q / 100))
        return (0..<T).map { t in
            (-before...after).map { x[min(max(t + $0, 0), T - 1)] }.sorted()[rank]
        }
    }

    @Test(arguments: [(1, 20.0), (2, 50.0), (7, 20.0), (8, 0.0), (31, 100.0), (301, 20.0), (400, 35.0)])
    func runningPercentileIsTheSortedWindowsRank(window: Int, percentile: Double) {
        var rng = SeededRandom(seed: 11)
        // Ties (rounded values) and a step, so removal must find equal values.
        let x = (0..<250).map { t in (rng.normal() * 3).rounded() + (t > 120 ? 10 : 0) }
        #expect(RunningPercentile.filter(x, window: window, percentile: percentile)
                == bruteForce(x, window: window, percentile: percentile))
    }

    /// Innovations u_t = A u_{t-1} + e_t with one link (cell 0 -> cell 1) and
    /// no self terms, so each u_i is white (as spikes are) and g = acov(2) /
    /// acov(1) is unbiased; seen as calcium c_t = g_i c_{t-1} + u_t on a
    /// constant baseline. With no filter (`filter = 0`) the design regresses
    /// u_t on u_{t-1}, so the standardised matrix is `A[i, j] sd_j / sd_i`,
    /// sd the standard deviations of u: 0.4 / sqrt(1.16) at [1, 0], else 0.
    @Test func recoversAKnownVARFromCalcium() throws {
        let n = 3, T = 40_000
        let A: [[Double]] = [[0, 0, 0], [0.4, 0, 0], [0, 0, 0]]   // cell 0 drives cell 1
        let g = [0.9, 0.95, 0.85]
        var rng = SeededRandom(seed: 5)
        var u = [Double](repeating: 0, count: n), c = [Double](repeating: 0, count: n)
        var F = [Double](repeating: 0, count: T * n), U = [[Double]](repeating: [], count: n)
        for t in 0..<T {
            let previous = u
            for i in 0..<n {
                u[i] = (0..<n).reduce(0.0) { $0 + A[i][$1] * previous[$1] } + rng.normal()
                c[i] = g[i] * c[i] + u[i]
                F[t * n + i] = 1000 + c[i]                  // a positive, constant baseline
                U[i].append(u[i])
            }
        }
        var o = CellDynamics.Options(); o.filter = 0
        let fitted = try CellDynamics.fit(NDArray(shape: [T, n], data: F), options: o)
        let sd = U.map { v -> Double in
            let m = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
        }
        for i in 0..<n {
            #expect(abs(fitted.decay[i] - g[i]) < 0.02, "decay of cell \(i): \(fitted.decay[i])")
            for j in 0..<n {
                let expected = A[i][j] * sd[j] / sd[i]
                #expect(abs(fitted.matrix[i, j] - expected) < 0.03, "[\(i), \(j)]: \(fitted.matrix[i, j]) vs \(expected)")
            }
        }
        // Cell 0 is the driver: its out-strength is the largest by far.
        #expect(fitted.drivers[0] > 0.2 && fitted.drivers[1] < 0.05 && fitted.drivers[2] < 0.05)
        // The default filter still finds the driver.
        let filtered = try CellDynamics.fit(NDArray(shape: [T, n], data: F))
        #expect(filtered.drivers[0] > 5 * max(filtered.drivers[1], filtered.drivers[2]))
    }

    @Test func refusesWhatItCannotFit() {
        #expect(throws: NetworkError.self) { try CellDynamics.fit(NDArray(shape: [10, 4], data: [Double](repeating: 1, count: 40))) }
        #expect(throws: NetworkError.self) { try CellDynamics.fit(NDArray(shape: [100], data: [Double](repeating: 1, count: 100))) }
        var bad = [Double](repeating: 1, count: 200); bad[57] = .nan
        #expect(throws: NetworkError.self) { try CellDynamics.fit(NDArray(shape: [100, 2], data: bad)) }
        var o = CellDynamics.Options(); o.filter = 1
        #expect(throws: NetworkError.self) { try CellDynamics.fit(NDArray(shape: [100, 2], data: (0..<200).map(Double.init)), options: o) }
    }
}
