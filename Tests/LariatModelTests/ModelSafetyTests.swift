import Foundation
import Testing
@testable import LariatModel

/// `fit` on tiny movies: determinism, and errors instead of NaN models.
@Suite(.serialized, .enabled(if: trainingTestsEnabled)) struct ModelSafetyTests {
    /// A 16 x 16 simulated movie, small enough that a fit takes a second or two.
    static func smallMovie(frames: Int = 240, seed: Int = 3) throws -> NDArray {
        var o = SimulationOptions(neurons: 4, frames: frames, size: 16, seed: seed)
        o.density = 0.2
        return try Simulator.simulate(o).movie
    }

    static func smallOptions(mode: FitOptions.Mode = .joint, seed: UInt64 = 5) -> FitOptions {
        var o = FitOptions()
        o.latent = 4; o.epochs = 3; o.warmupEpochs = 1; o.window = 32; o.seed = seed; o.mode = mode
        return o
    }

    @Test(arguments: [FitOptions.Mode.joint, .twoStage])
    func sameSeedSameDataSameModel(mode: FitOptions.Mode) throws {
        let movie = try Self.smallMovie()
        let a = try LatentDynamicsModel.fit(movie, options: Self.smallOptions(mode: mode))
        let b = try LatentDynamicsModel.fit(movie, options: Self.smallOptions(mode: mode))
        #expect(a.dynamics.coefficients == b.dynamics.coefficients)
        #expect(a.dynamics.intercept == b.dynamics.intercept)
        #expect(a.scores == b.scores)
        #expect(a.latentMean == b.latentMean && a.latentSD == b.latentSD)
        for (p, q) in zip(a.network.parameters, b.network.parameters) {
            #expect(p.value.data == q.value.data, "\(p.name) differs between two identical fits")
        }
        #expect(a.losses.map(\.values).description == b.losses.map(\.values).description)
        // A different seed is a different model (the test above could not fail otherwise).
        let c = try LatentDynamicsModel.fit(movie, options: Self.smallOptions(mode: mode, seed: 6))
        #expect(c.network.parameters[0].value.data != a.network.parameters[0].value.data)
    }

    /// Frames of no pixels are an error, not a trap (the float32 movie needs a frame size).
    @Test func emptyFramesAreAClearError() {
        for shape in [[100, 0, 8], [100, 8, 0], [0, 8, 8]] {
            let error = #expect(throws: NetworkError.self) {
                try LatentDynamicsModel.fit(NDArray(zeros: shape), options: Self.smallOptions())
            }
            #expect(error?.description.contains("empty") == true, "\(String(describing: error))")
        }
    }

    @Test(arguments: [0, 239])   // a training frame and a held-out frame
    func aNaNPixelIsAClearError(frame: Int) throws {
        var movie = try Self.smallMovie()
        movie.data[frame * 256 + 17] = .nan
        let error = #expect(throws: NetworkError.self) {
            try LatentDynamicsModel.fit(movie, options: Self.smallOptions())
        }
        #expect(error?.description.contains("non-finite") == true, "\(String(describing: error))")
        #expect(error?.description.contains("frame \(frame)") == true, "\(String(describing: error))")
        movie.data[frame * 256 + 17] = .infinity
        #expect(throws: NetworkError.self) { try LatentDynamicsModel.fit(movie, options: Self.smallOptions()) }
    }

    @Test(arguments: [FitOptions.Mode.joint, .twoStage])
    func anAbsurdLearningRateIsAClearError(mode: FitOptions.Mode) throws {
        let movie = try Self.smallMovie()
        var o = Self.smallOptions(mode: mode)
        o.learningRate = 1e4
        o.epochs = 6
        // Refused by FitOptions.validate() (learning_rate must be below 1),
        // or, were it let through, training stops as diverged or the end
        // product is refused: never a model with NaN in it.
        do {
            let m = try LatentDynamicsModel.fit(movie, options: o)
            let finite = m.dynamics.coefficients.data.allSatisfy { $0.isFinite }
            #expect(finite)
            #expect(m.scores.predictionRatio.isFinite && m.scores.latentFVU.isFinite && m.scores.reconstructionR2.isFinite)
            Issue.record("a learning rate of 1e4 trained without complaint: scores \(m.scores)")
        } catch let e as NetworkError {
            #expect(e.option == "learning_rate" || e.description.contains("learning rate"), "\(e)")
        }
    }
}
