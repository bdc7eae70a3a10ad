import Testing
@testable import LariatModel

/// `FitOptions.validate()` is the one place `fit`'s bounds live: each bad
/// option is refused with an error naming it as `fit` spells it, and
/// `LatentDynamicsModel.fit` refuses it the same way before any training.
@Suite struct FitOptionsTests {
    func refused(_ change: (inout FitOptions) -> Void) -> NetworkError? {
        var o = FitOptions()
        change(&o)
        do { try o.validate(); return nil } catch { return error as? NetworkError }
    }

    @Test func theDefaultsAreValid() throws {
        try FitOptions().validate()
    }

    @Test func eachBadOptionIsNamed() {
        let cases: [(String, (inout FitOptions) -> Void)] = [
            ("latent", { $0.latent = 0 }), ("latent", { $0.latent = 1025 }),
            ("lag", { $0.lag = 0 }), ("lag", { $0.lag = 65 }),
            ("lambda", { $0.penalty = .value(-1) }), ("lambda", { $0.penalty = .value(.infinity) }),
            ("lambda_ratio", { $0.penalty = .ratio(1.5) }),
            ("epochs", { $0.epochs = 0 }),
            ("window", { $0.window = 3 }),
            ("learning_rate", { $0.learningRate = 0 }), ("learning_rate", { $0.learningRate = 1 }),
            ("learning_rate", { $0.learningRate = .nan }),
            ("holdout", { $0.holdout = 0 }), ("holdout", { $0.holdout = 0.95 }),
            ("warmup", { $0.warmupEpochs = -1 }),
            ("reconstruction_weight", { $0.weights.reconstruction = -1 }),
            ("prediction_weight", { $0.weights.prediction = .nan }),
            ("latent_weight", { $0.weights.latentResidual = -0.5 }),
            ("kernel", { $0.architecture.kernel = 4 }),
            ("layers", { $0.architecture.insertedLayers = ["nope"] }),
        ]
        for (option, change) in cases {
            let e = refused(change)
            #expect(e?.option == option, "\(option): \(e.map(\.description) ?? "accepted")")
            #expect(e?.description.hasPrefix(option) == true)
        }
    }

    @Test func fitRefusesWhatValidateRefuses() {
        let movie = blobMovie(frames: 40, height: 16, width: 16, seed: 1)
        var o = FitOptions()
        o.holdout = 0.95
        #expect { try LatentDynamicsModel.fit(movie, options: o) } throws: { error in
            (error as? NetworkError)?.option == "holdout"
        }
    }
}
