import Foundation
import LariatTestSupport
import Testing
@testable import LariatModel

/// Mutated model files, read in-process: every one is refused with an
/// error or read, none crashes the process and none takes long. Fixed
/// seed, a few hundred. (The suite2p pickles' twin is in LariatDataTests.)
@Suite(.serialized) struct ArchiveMutationTests {
    @Test func mutatedModelFilesAreReadOrRefusedNeverCrash() throws {
        var s = SimulationOptions(); s.neurons = 3; s.frames = 80; s.size = 16; s.seed = 5
        let sim = try Simulator.simulate(s)
        var o = FitOptions(); o.latent = 4; o.epochs = 1
        let model = try LatentDynamicsModel.fit(sim.movie, options: o)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lariat-archive-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.lariatmodel").path
        try ModelArchive.save(model, path: path)
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let back = try ModelArchive.load(path: path).model
        #expect(back.dynamics.coefficients == model.dynamics.coefficients)
        var rng = SeededRandom(seed: 20261203)
        var refused = 0
        let start = Date()
        for _ in 0..<300 {
            try Data(ByteMutation.mutate(original, &rng)).write(to: URL(fileURLWithPath: path))
            do { _ = try ModelArchive.load(path: path) } catch is DataFileError { refused += 1 }
        }
        #expect(refused > 250, "most mutations break the CRC or the structure: \(refused) of 300 refused")
        #expect(Date().timeIntervalSince(start) < 120)
    }
}

extension SeededRandom: MutationRandom {}
