import Foundation
import Testing
@testable import LariatModel

/// The paper's two claims on the simulator (DESIGN.md "The model"):
/// training through the lasso-VAR lowers the held-out latent FVU against
/// the two-stage baseline, and the static skip connection raises the
/// held-out reconstruction R2. Three fits of the defaults of `fit`
/// (40 x 40, 1500 frames, d = 16, 30 epochs, window 32, the VAR shrunk
/// toward persistence) per simulator seed, shared by the tests below. With
/// these defaults both claims held on each of the simulator seeds 1-8
/// (docs/model.md; shrunk toward zero, the skip claim failed on seed 4).
/// CI checks seeds 1 and 2 (FVU 0.093 vs 0.112 and 0.096 vs 0.124; R2 0.947
/// vs 0.937 and 0.950 vs 0.930; toward zero on the same build 0.103 vs
/// 0.117, 0.935 vs 0.915 on seed 1), whose margins have survived three
/// changes of kernels that round differently. Fits are deterministic, so
/// this test is too.
@Suite(.serialized, .enabled(if: trainingTestsEnabled)) struct ModelClaimsTests {
    struct Fits {
        let movie: NDArray
        let joint: LatentDynamicsModel
        let twoStage: LatentDynamicsModel
        let noSkip: LatentDynamicsModel

        init(seed: Int) throws {
            movie = try Simulator.simulate(SimulationOptions(neurons: 12, frames: 1500, size: 40, seed: seed)).movie
            var o = FitOptions()
            o.seed = 0
            joint = try LatentDynamicsModel.fit(movie, options: o)
            o.mode = .twoStage
            twoStage = try LatentDynamicsModel.fit(movie, options: o)
            o.mode = .joint; o.skip = false
            noSkip = try LatentDynamicsModel.fit(movie, options: o)
            for (name, m) in [("joint", joint), ("two-stage", twoStage), ("no-skip", noSkip)] {
                print("model claims, sim seed \(seed), \(name): \(m.scores)")
            }
        }
    }

    static let simulationSeeds = [1, 2]
    /// Trained once, on first use (six fits, a few minutes in release).
    static let fitsBySeed = Dictionary(uniqueKeysWithValues: simulationSeeds.map { seed in
        (seed, Result { try Fits(seed: seed) })
    })
    static func fits(_ seed: Int) throws -> Fits { try fitsBySeed[seed]!.get() }

    @Test(arguments: simulationSeeds)
    func jointTrainingLowersTheLatentFVU(seed: Int) throws {
        let f = try Self.fits(seed)
        #expect(f.joint.scores.latentFVU < f.twoStage.scores.latentFVU,
                "joint \(f.joint.scores.latentFVU) vs two-stage \(f.twoStage.scores.latentFVU)")
    }

    /// A low FVU must not come from latents that collapsed to something
    /// trivially predictable: the held-out latents (standardised with the
    /// training frames' moments) keep their spread, and the joint model
    /// still reconstructs the held-out frames about as well as the baseline.
    @Test(arguments: simulationSeeds)
    func jointLatentsDoNotCollapse(seed: Int) throws {
        let f = try Self.fits(seed)
        let T = f.movie.shape[0], held = T - f.joint.trainingFrames
        let heldOut = NDArray(shape: [held, 40, 40], data: Array(f.movie.data[f.joint.trainingFrames * 1600 ..< T * 1600]))
        let zs = try f.joint.encode(heldOut)
        let d = zs.shape[1]
        var sd = [Double](repeating: 0, count: d)
        for i in 0..<d {
            let column = (0..<held).map { zs.data[$0 * d + i] }
            let mean = column.reduce(0, +) / Double(held)
            sd[i] = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(held)).squareRoot()
        }
        let meanSD = sd.reduce(0, +) / Double(d)
        #expect(meanSD > 0.3, "held-out standardised latent SDs \(sd)")
        #expect(f.joint.scores.reconstructionR2 > 0.6)
        #expect(f.joint.scores.reconstructionR2 > f.twoStage.scores.reconstructionR2 - 0.05)
    }

    @Test(arguments: simulationSeeds)
    func theSkipConnectionRaisesReconstructionR2(seed: Int) throws {
        let f = try Self.fits(seed)
        #expect(f.joint.scores.reconstructionR2 > f.noSkip.scores.reconstructionR2,
                "skip \(f.joint.scores.reconstructionR2) vs no skip \(f.noSkip.scores.reconstructionR2)")
    }

    /// Every score of every variant is a number (the scores' sanity, not a claim).
    @Test(arguments: simulationSeeds)
    func scoresAreFiniteAndScaleFree(seed: Int) throws {
        let f = try Self.fits(seed)
        for m in [f.joint, f.twoStage, f.noSkip] {
            let s = m.scores
            for v in [s.predictionRatio, s.latentFVU, s.reconstructionR2, s.dynamicsGain, s.ar1PredictionRatio,
                      s.changePredictionRatio, s.carryPredictionRatio, s.carryDynamicsGain] {
                #expect(v.isFinite)
            }
            #expect(s.latentFVU > 0 && s.latentFVU < 1)
            #expect(s.ar1PredictionRatio > 0 && s.ar1PredictionRatio < 1)
            #expect(s.frames == 300)
        }
    }
}
