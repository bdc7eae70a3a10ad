import Foundation
import Testing
@testable import LariatModel

/// `network` and `drivers` on a small fitted model: the cell read is the
/// dynamics of the model's reconstruction under the masks; the latent read's
/// vector-Jacobian chain is checked against finite differences through the
/// model's public pieces.
@Suite(.serialized) struct CellNetworkTests {
    static let fitted: (model: LatentDynamicsModel, sim: Simulation) = {
        var s = SimulationOptions(); s.neurons = 4; s.frames = 240; s.size = 16; s.seed = 3
        let sim = try! Simulator.simulate(s)
        var o = FitOptions(); o.latent = 6; o.epochs = 2; o.penalty = .value(0.01)
        return (try! LatentDynamicsModel.fit(sim.movie, options: o), sim)
    }()

    @Test func responsesMatchFiniteDifferencesThroughTheModel() throws {
        let (model, sim) = Self.fitted
        var o = CellNetwork.Options(); o.read = .latents; o.frames = 1   // the pair (frame 0, frame 1)
        let net = try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints, options: o)
        let (prediction, reconstruction) = (net.prediction!, net.reconstruction!)
        let n = 4, scale = model.normalisation.scale
        let staticImage = model.staticImage(of: sim.movie)
        let cells = try CellTraces.maskLists(sim.footprints, height: 16, width: 16)
        func trace(_ frame: NDArray, _ i: Int) -> Double {
            let total = cells[i].reduce(0) { $0 + $1.1 }
            return cells[i].reduce(0) { $0 + $1.1 * frame.data[$1.0] } / total
        }
        // Predicted frame 1 and reconstructed frame 0 for a movie whose frame 0 moved by `delta`.
        func responses(_ j: Int, _ epsilon: Double) throws -> (predicted: NDArray, reconstructed: NDArray) {
            var movie = sim.movie
            let total = cells[j].reduce(0) { $0 + $1.1 }, squares = cells[j].reduce(0) { $0 + $1.1 * $1.1 }
            for (p, w) in cells[j] { movie.data[p] += epsilon * scale * w * total / squares }
            let zs = try model.encode(movie)
            let zhat = model.dynamics.predict(zs)
            let first = NDArray(shape: [1, zs.shape[1]], data: Array(zs.data[0..<zs.shape[1]]))
            let next = NDArray(shape: [1, zs.shape[1]], data: Array(zhat.data[0..<zs.shape[1]]))
            return (try model.decode(next, staticImage: staticImage), try model.decode(first, staticImage: staticImage))
        }
        let largest = max(prediction.data.map(abs).max()!, reconstruction.data.map(abs).max()!)
        for j in 0..<n {
            var best = Double.infinity
            for epsilon in [0.1, 0.03, 0.01, 0.003] {
                let up = try responses(j, epsilon), down = try responses(j, -epsilon)
                var worst = 0.0
                for i in 0..<n {
                    let m = (trace(up.predicted, i) - trace(down.predicted, i)) / (2 * epsilon * scale)
                    let l = (trace(up.reconstructed, i) - trace(down.reconstructed, i)) / (2 * epsilon * scale)
                    worst = max(worst, abs(m - prediction[i, j]), abs(l - reconstruction[i, j]))
                }
                best = min(best, worst / largest)
            }
            #expect(best < 2e-2, "cell \(j): relative error \(best)")
        }
    }

    @Test func matrixSolvesTheResponses() throws {
        // W L = M, so W maps reconstructed traces to predicted ones.
        let (model, sim) = Self.fitted
        var latents = CellNetwork.Options(); latents.read = .latents
        let net = try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints, options: latents)
        let (M, L) = (net.prediction!, net.reconstruction!)
        let n = 4
        for i in 0..<n { for j in 0..<n {
            let wl = (0..<n).reduce(0.0) { $0 + net.matrix[i, $1] * L[$1, j] }
            #expect(abs(wl - M[i, j]) < 1e-6 * max(1, abs(M[i, j])))
        }}
        for j in 0..<n {
            let out = (0..<n).filter { $0 != j }.reduce(0.0) { $0 + abs(net.matrix[$1, j]) }
            #expect(abs(out - net.drivers[j]) < 1e-12)
        }
        // A refitted least-squares VAR is read instead of the model's lasso when asked.
        var o = latents; o.penalty = .value(0)
        let ols = try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints, options: o)
        #expect(ols.reconstruction == net.reconstruction)
        #expect(ols.prediction != net.prediction)
    }

    @Test func cellReadIsTheDynamicsOfTheModelsReconstruction() throws {
        let (model, sim) = Self.fitted
        let net = try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints)
        #expect(net.prediction == nil && net.reconstruction == nil)
        // The traces are the masks' means of the whole reconstruction (computed here in one piece).
        let expected = try CellTraces.traces(try model.reconstruct(sim.movie), masks: sim.footprints)
        let traces = try #require(net.traces)
        #expect(traces.shape == [240, 4])
        #expect(zip(traces.data, expected.data).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) })
        let dynamics = try CellDynamics.fit(traces)
        #expect(net.matrix == dynamics.matrix && net.drivers == dynamics.drivers)
        // lambda= reaches the cells' equations: a penalty at each equation's lambda_max keeps nothing.
        var o = CellNetwork.Options(); o.penalty = .ratio(1)
        let empty = try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints, options: o)
        #expect(empty.matrix.data.allSatisfy { $0 == 0 })
    }

    @Test func driverMapAndErrors() throws {
        let (model, sim) = Self.fitted
        var o = DriverMap.Options(); o.read = .pixels; o.frames = 64
        let d = try DriverMap.compute(model: model, movie: sim.movie, options: o)
        #expect(d.map.shape == [16, 16])
        #expect(d.map.data.allSatisfy { $0 >= 0 && $0.isFinite } && d.map.data.contains { $0 > 0 })
        // A radius that covers the whole frame leaves nothing to drive.
        o.radius = 100
        #expect(try DriverMap.compute(model: model, movie: sim.movie, options: o).map.data.allSatisfy { $0 == 0 })
        // The cell read paints each found region's out-strength over its mask.
        let cells = try DriverMap.compute(model: model, movie: sim.movie)
        let regions = try #require(cells.regions), strengths = try #require(cells.regionDrivers)
        let found = try CellDetection.detect(sim.movie)
        #expect(regions == found.masks)
        #expect(cells.read == .cells)
        // A movie of noise shows no regions: the pixel read runs instead.
        var rng = SeededRandom(seed: 9)
        let noise = NDArray(shape: [240, 16, 16], data: (0..<(240 * 256)).map { _ in 100 + rng.normal() })
        #expect(try CellDetection.detect(noise).masks.shape[0] < 2)
        let fallback = try DriverMap.compute(model: model, movie: noise)
        #expect(fallback.read == .pixels && fallback.regions == nil && fallback.map.shape == [16, 16])
        for p in [0, 37, 100, 255] {
            let painted = (0..<strengths.count).reduce(0.0) { $0 + strengths[$1] * regions.data[$1 * 256 + p] }
            #expect(abs(cells.map.data[p] - painted) <= 1e-12 * max(1, painted))
        }
        #expect(throws: NetworkError.self) {
            try CellNetwork.compute(model: model, movie: sim.movie, masks: NDArray(shape: [2, 8, 8], data: [Double](repeating: 1, count: 128)))
        }
        let c = Cancellation(); c.cancel()
        #expect(throws: CancelledError.self) {
            try CellNetwork.compute(model: model, movie: sim.movie, masks: sim.footprints, context: WorkContext(cancellation: c))
        }
    }
}
