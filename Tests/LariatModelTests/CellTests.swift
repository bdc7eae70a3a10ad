import Foundation
import Testing
@testable import LariatModel

@Suite struct CellTests {
    @Test func tracesAreMaskWeightedMeans() throws {
        // Two frames of 2 x 3; a soft mask and a one-pixel mask.
        let movie = NDArray(shape: [2, 2, 3], data: [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60])
        let masks = NDArray(shape: [2, 2, 3], data: [1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
        let F = try CellTraces.traces(movie, masks: masks)
        #expect(F.shape == [2, 2])
        let expected: [Double] = [2 / 1.5, 6, 20 / 1.5, 60]
        #expect(F.data == expected)
    }

    @Test func neuropilRingLiesOutsideEveryMask() throws {
        var masks = [Double](repeating: 0, count: 2 * 20 * 20)
        masks[5 * 20 + 5] = 1; masks[5 * 20 + 6] = 1          // cell 0
        masks[400 + 5 * 20 + 9] = 1                             // cell 1, 3 px to the right
        let m = NDArray(shape: [2, 20, 20], data: masks)
        let cells = try CellTraces.maskLists(m, height: 20, width: 20)
        let rings = CellTraces.neuropilRings(cells, height: 20, width: 20, ringWidth: 3)
        for (i, ring) in rings.enumerated() {
            #expect(!ring.isEmpty)
            #expect(ring.allSatisfy { masks[$0] == 0 && masks[400 + $0] == 0 }, "ring \(i) holds a mask pixel")
            // Every ring pixel is more than 2 px from its own mask.
            func farFromMask(_ p: Int) -> Bool {
                cells[i].allSatisfy { q in
                    let dy = Double(p / 20 - q.0 / 20), dx = Double(p % 20 - q.0 % 20)
                    return dy * dy + dx * dx > 4
                }
            }
            #expect(ring.allSatisfy(farFromMask))
        }
        // Subtracting 0.7 x a constant neuropil of 10 from a constant cell of 50.
        let movie = NDArray(shape: [1, 20, 20], data: (0..<400).map { masks[$0] > 0 || masks[400 + $0] > 0 ? 50 : 10 })
        let F = try CellTraces.traces(movie, masks: m, neuropil: 0.7, ringWidth: 3)
        #expect(F.data.allSatisfy { abs($0 - 43) < 1e-12 })
    }

    @Test func badMasksNameTheProblem() throws {
        let movie = NDArray(shape: [2, 4, 4], data: [Double](repeating: 1, count: 32))
        #expect(throws: NetworkError.self) { try CellTraces.traces(movie, masks: NDArray(shape: [1, 4, 5], data: [Double](repeating: 1, count: 20))) }
        #expect { try CellTraces.traces(movie, masks: NDArray(shape: [1, 4, 4], data: [Double](repeating: 0, count: 16))) }
            throws: { ($0 as? NetworkError)?.description.contains("empty") == true }
        #expect { try CellTraces.traces(movie, masks: NDArray(shape: [1, 4, 4], data: [-1] + [Double](repeating: 0, count: 15))) }
            throws: { ($0 as? NetworkError)?.description.contains("negative") == true }
    }

    /// Intersection over union of the masks' pixels above a fifth of their peaks.
    static func overlap(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        let pa = a.max()!, pb = b.max()!
        var inter = 0, union = 0
        for (x, y) in zip(a, b) {
            let u = x > 0.2 * pa, v = y > 0.2 * pb
            if u && v { inter += 1 }
            if u || v { union += 1 }
        }
        return Double(inter) / Double(max(union, 1))
    }

    @Test(arguments: [1, 2])
    func detectedCellsMatchTheSimulatorsFootprints(seed: Int) throws {
        var o = SimulationOptions(); o.neurons = 10; o.frames = 1000; o.size = 40; o.seed = seed
        let sim = try Simulator.simulate(o)
        let found = try CellDetection.detect(sim.movie)
        let P = 40 * 40
        // Each true cell's best overlap with a detected one (a greedy match is enough here).
        var matched = 0
        for i in 0..<10 {
            let truth = sim.footprints.data[(i * P)..<((i + 1) * P)]
            let best = (0..<found.masks.shape[0]).map { Self.overlap(truth, found.masks.data[($0 * P)..<(($0 + 1) * P)]) }.max() ?? 0
            if best >= 0.4 { matched += 1 }
        }
        print("cells, sim seed \(seed): \(found.masks.shape[0]) found, \(matched) of 10 matched at IoU >= 0.4")
        #expect(matched >= 8)
        #expect(found.masks.shape[0] <= 14)
    }

    /// A loaded movie longer than `CellDetection.maxFrames` is detected on
    /// means of consecutive frames; the last run may be shorter.
    @Test func longMoviesAreDetectedOnTimeBins() throws {
        let T = 2 * CellDetection.maxFrames + 1, P = 4
        var v = [Float]()
        for t in 0..<T { for p in 0..<P { v.append(Float(t * 10 + p)) } }
        let b = try CellDetection.binned(Movie(float32: v, frames: T, height: 2, width: 2), cancellation: nil)
        #expect(b.shape == [(T + 2) / 3, 2, 2])
        #expect(b.data[0] == 10 && b.data[3] == 13)                       // frames 0, 1, 2
        let last = (b.shape[0] - 1) * P
        #expect(b.data[last + 1] == Double((T - 2) * 10 + 1 + (T - 1) * 10 + 1) / 2)
        let short = Movie(float32: Array(v[0..<(12 * P)]), frames: 12, height: 2, width: 2)
        #expect(try CellDetection.binned(short, cancellation: nil) == short.doubles())
    }

    /// The same long recording as a float64 array and as a loaded movie
    /// finds the same cells: both are detected on the same time bins.
    @Test func longArraysAreDetectedOnTheSameBinsAsMovies() throws {
        var o = SimulationOptions()
        o.neurons = 4; o.frames = CellDetection.maxFrames + 700; o.size = 16; o.seed = 3
        let sim = try Simulator.simulate(o)
        // Values a float32 holds exactly, so the two inputs are the same numbers.
        let x = NDArray(shape: sim.movie.shape, data: sim.movie.data.map { Double(Float($0).rounded()) })
        let movie = Movie(float32: x.data.map(Float.init), frames: x.shape[0], height: 16, width: 16)
        let a = try CellDetection.detect(x), b = try CellDetection.detect(movie)
        #expect(a.masks.shape[0] >= 2)
        #expect(a.masks == b.masks)
        #expect(a.correlation == b.correlation)
        // Detecting every frame instead gives another correlation image: the bins are used.
        let everyFrame = try CellDetection.detectFrames(x, options: .init(), cancellation: nil)
        #expect(everyFrame.correlation != a.correlation)
    }
}

/// Only active cells are kept (`CellDetection.activity`, `minActivity`).
struct CellActivityTests {
    /// Noise (with or without slow drift) has activity near 1; calcium
    /// transients far more.
    @Test func noiseIsNearOneAndTransientsFarAbove() {
        var rng = SeededRandom(seed: 7, stream: 0)
        let T = 3000
        let noise = (0..<T).map { _ in rng.normal() }
        let drifting = (0..<T).map { t -> Double in noise[t] + 5 * sin(Double(t) / 400) }
        var c = 0.0
        let calcium = (0..<T).map { t -> Double in
            c = 0.95 * c + (t % 97 == 0 ? 20 : 0)
            return c + noise[t]
        }
        let a = CellDetection.activity(noise), b = CellDetection.activity(drifting), k = CellDetection.activity(calcium)
        #expect(a > 0.8 && a < 1.3, "noise: \(a)")
        #expect(b > 0.8 && b < 1.4, "drifting noise: \(b)")
        #expect(k > 5, "transients: \(k)")
    }

    /// The demo's richer unit (rate 0.3, 6000 frames): local correlation
    /// alone also seeds two patches of static background whose traces are
    /// noise; with the activity check every region found lies on a true cell.
    @Test func everyRegionFoundLiesOnACell() throws {
        var o = SimulationOptions()
        o.neurons = 12; o.frames = 6000; o.size = 40; o.seed = 1; o.rate = 0.3
        let sim = try Simulator.simulate(o)
        let P = 40 * 40, n = sim.footprints.shape[0]
        func onACell(_ masks: NDArray, _ i: Int) -> Bool {
            (0..<n).contains { j in (0..<P).contains { masks.data[i * P + $0] > 0 && sim.footprints.data[j * P + $0] > 0.2 } }
        }
        let found = try CellDetection.detect(sim.movie)
        #expect(found.masks.shape[0] >= 10)
        for i in 0..<found.masks.shape[0] { #expect(onACell(found.masks, i), "region \(i) lies on no cell") }
        #expect(found.activity.allSatisfy { $0 >= 2 })
        // Without the check the static patches come back, off every cell.
        var all = CellDetection.Options()
        all.minActivity = 0
        let unfiltered = try CellDetection.detect(sim.movie, options: all)
        #expect((0..<unfiltered.masks.shape[0]).contains { !onACell(unfiltered.masks, $0) })
        // max_cells counts kept cells: the strongest active ones, as many as asked.
        var three = CellDetection.Options()
        three.maxCells = 3
        let strongest = try CellDetection.detect(sim.movie, options: three)
        #expect(strongest.masks.shape[0] == 3)
        #expect(Array(strongest.masks.data) == Array(found.masks.data[0..<(3 * P)]))
    }
}
