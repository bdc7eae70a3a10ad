import Foundation
import Testing
@testable import LariatModel

@Suite struct SimulatorTests {
    @Test func seededRandomIsDeterministicAndWellDistributed() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 42, stream: 1)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        var r = SeededRandom(seed: 1)
        let n = 200_000
        let z = (0..<n).map { _ in r.normal() }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.02, "mean \(mean), variance \(variance)")
        let u = (0..<n).map { _ in r.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 } && abs(u.reduce(0, +) / Double(n) - 0.5) < 0.005)
        let k = (0..<n).map { _ in Double(r.poisson(3.5)) }
        #expect(abs(k.reduce(0, +) / Double(n) - 3.5) < 0.03)
    }

    @Test func recordShapesAndDeterminism() throws {
        var o = SimulationOptions(neurons: 12, frames: 300, size: 32, seed: 3)
        let a = try Simulator.simulate(o)
        #expect(a.movie.shape == [300, 32, 32])
        #expect(a.truth.shape == [12, 12] && a.footprints.shape == [12, 32, 32])
        #expect(a.activity.shape == [300, 12] && a.spikes.shape == [300, 12])
        #expect(try Simulator.simulate(o).movie == a.movie)
        o.session = 1
        let b = try Simulator.simulate(o)
        #expect(b.truth == a.truth && b.footprints == a.footprints && b.background == a.background)
        #expect(b.movie != a.movie && b.spikes != a.spikes)
        o.session = 0
        o.rewired = true
        let c = try Simulator.simulate(o)
        #expect(c.footprints == a.footprints && c.truth != a.truth)
        o.rewired = false
        o.seed = 4
        #expect(try Simulator.simulate(o).footprints != a.footprints)
    }

    @Test func networkIsSparseStableAndDrivesActivity() throws {
        let s = try Simulator.simulate(SimulationOptions(neurons: 20, frames: 3000, size: 40, seed: 11))
        let n = 20
        let a = s.truth
        var links = 0
        for i in 0..<n { for j in 0..<n where i != j && a[i, j] != 0 { links += 1 } }
        #expect(links >= 1 && links <= n * (n - 1) / 5, "\(links) links")
        // Max row sum bounds the spectral radius; check powers decay too.
        for i in 0..<n { #expect((0..<n).reduce(0) { $0 + abs(a[i, $1]) } < 1) }
        var p = a
        for _ in 0..<60 {
            var q = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for k in 0..<n where p[i, k] != 0 { for j in 0..<n { q[i * n + j] += p[i, k] * a[k, j] } } }
            p = NDArray(shape: [n, n], data: q)
        }
        #expect(p.data.map(abs).max()! < 0.2)
        // The drive follows its VAR: least squares of x_t on x_{t-1} recovers a strong link.
        let (i, j) = { () -> (Int, Int) in
            var best = (0, 1), w = 0.0
            for i in 0..<n { for j in 0..<n where i != j && abs(a[i, j]) > w { w = abs(a[i, j]); best = (i, j) } }
            return best
        }()
        let x = s.drive
        let t = x.shape[0]
        // Partial regression of x_i(t) on x_i(t-1) and x_j(t-1).
        var sxx = [[0.0, 0.0], [0.0, 0.0]], sxy = [0.0, 0.0]
        for k in 1..<t {
            let u = [x[k - 1, i], x[k - 1, j]], y = x[k, i]
            for r in 0..<2 { sxy[r] += u[r] * y; for c in 0..<2 { sxx[r][c] += u[r] * u[c] } }
        }
        let det = sxx[0][0] * sxx[1][1] - sxx[0][1] * sxx[1][0]
        let bj = (sxx[0][0] * sxy[1] - sxx[1][0] * sxy[0]) / det
        #expect(abs(bj - a[i, j]) < 0.15 + 0.5 * abs(a[i, j]) && bj * a[i, j] > 0, "estimated \(bj), true \(a[i, j])")
        // Calcium follows spikes: c_t - gamma c_{t-1} is the spike count, with gamma near 0.95.
        let c = s.activity
        let rate = s.spikes.data.reduce(0, +) / Double(s.spikes.count)
        #expect(rate > 0.02 && rate < 0.3, "spike rate \(rate)")
        var num = 0.0, den = 0.0
        for k in 1..<t where s.spikes[k, 0] == 0 { num += c[k, 0] * c[k - 1, 0]; den += c[k - 1, 0] * c[k - 1, 0] }
        #expect(abs(num / den - 0.95) < 0.03)
    }

    @Test func movieHoldsCellsOnANonSparseBackground() throws {
        var o = SimulationOptions(neurons: 10, frames: 400, size: 40, seed: 5)
        o.noise = 0
        o.drift = 0
        let s = try Simulator.simulate(o)
        let pixels = 40 * 40
        // Noiseless, driftless: frame = background + sum footprint * (rest + gain * calcium), so the
        // temporal variance of a pixel comes from the cells only: zero away from every footprint.
        var cover = [Double](repeating: 0, count: pixels)
        for i in 0..<10 { for p in 0..<pixels { cover[p] += s.footprints.data[i * pixels + p] } }
        var maxVarOff = 0.0, maxVarOn = 0.0
        for p in 0..<pixels {
            var m = 0.0, v = 0.0
            for k in 0..<400 { m += s.movie.data[k * pixels + p] }
            m /= 400
            for k in 0..<400 { v += pow(s.movie.data[k * pixels + p] - m, 2) }
            if cover[p] == 0 { maxVarOff = max(maxVarOff, v) } else if cover[p] > 0.5 { maxVarOn = max(maxVarOn, v / 400) }
        }
        #expect(maxVarOff < 1e-12 && maxVarOn > 10)
        // The background is not sparse: most pixels are bright, with texture and dark vessels.
        let bg = s.background.data
        let sorted = bg.sorted()
        #expect(sorted[pixels / 10] > 30 && sorted[pixels * 9 / 10] / sorted[pixels / 10] > 1.3)
        // With noise and drift the movie keeps the same mean level, and noise grows with brightness.
        let noisy = try Simulator.simulate(SimulationOptions(neurons: 10, frames: 400, size: 40, seed: 5))
        let meanNoisy = noisy.movie.data.reduce(0, +) / Double(noisy.movie.count)
        let meanClean = s.movie.data.reduce(0, +) / Double(s.movie.count)
        #expect(abs(meanNoisy / meanClean - 1) < 0.1)
    }

    @Test func rejectsBadOptions() {
        #expect(throws: SimulationError.self) { try Simulator.simulate(SimulationOptions(neurons: 0)) }
        #expect(throws: SimulationError.self) { try Simulator.simulate(SimulationOptions(frames: 1)) }
        #expect(throws: SimulationError.self) { try Simulator.simulate(SimulationOptions(size: 4)) }
    }
}
