import Foundation
import Testing
@testable import LariatModel

/// One simulated unit (`seed = 1`), one model trained on session 0, and the
/// latents of the sessions the calibration pairs use, computed once and
/// shared by the tests below. Build with `-c release` (training in debug is
/// very slow). `LARIAT_CALIBRATION_PAIRS` raises the number of pairs for
/// the by-hand measurement reported in docs/sequence-test.md.
final class CalibrationUnit: @unchecked Sendable {
    static let shared = try! CalibrationUnit()

    static let size = 32, frames = 1200, neurons = 12
    static var pairs: Int { Int(ProcessInfo.processInfo.environment["LARIAT_CALIBRATION_PAIRS"] ?? "") ?? 40 }
    static var rewiredPairs: Int { max(20, pairs / 2) }

    let model: LatentDynamicsModel
    let trainingMovie: NDArray
    let simulation: Simulation
    /// Same-dynamics pairs: sessions (2j + 1, 2j + 2) of the unit.
    let same: [(NDArray, NDArray)]
    /// Changed-dynamics pairs: session 2j + 1 against the rewired network's session 2j + 2.
    let rewired: [(NDArray, NDArray)]

    static func movie(session: Int, rewired: Bool = false) throws -> Simulation {
        var o = SimulationOptions(neurons: neurons, frames: frames, size: size, seed: 1, session: session, rewired: rewired)
        o.density = 0.1
        return try Simulator.simulate(o)
    }

    init() throws {
        simulation = try Self.movie(session: 0)
        trainingMovie = simulation.movie
        var o = FitOptions()
        o.latent = 8; o.lag = 1; o.epochs = Int(ProcessInfo.processInfo.environment["LARIAT_CALIBRATION_EPOCHS"] ?? "") ?? 6
        o.seed = 0; o.penalty = .ratio(0.1)
        model = try LatentDynamicsModel.fit(trainingMovie, options: o)
        var same: [(NDArray, NDArray)] = []
        for j in 0..<Self.pairs {
            same.append((try model.encode(try Self.movie(session: 2 * j + 1).movie),
                         try model.encode(try Self.movie(session: 2 * j + 2).movie)))
        }
        var rewired: [(NDArray, NDArray)] = []
        for j in 0..<Self.rewiredPairs {
            rewired.append((try model.encode(try Self.movie(session: 2 * j + 1).movie),
                            try model.encode(try Self.movie(session: 2 * j + 2, rewired: true).movie)))
        }
        self.same = same; self.rewired = rewired
    }

    static func options(seed: Int) -> SequenceTest.Options {
        var o = SequenceTest.Options()
        o.lag = 1; o.penalty = .ratio(0.1); o.resamples = 99; o.seed = UInt64(seed)
        if let b = ProcessInfo.processInfo.environment["LARIAT_CALIBRATION_BLOCK"].flatMap(Int.init) { o.block = b }
        return o
    }
}

/// The one-sided upper binomial bound: the smallest r with
/// P(Binomial(n, p) > r) below `tail`.
func binomialUpperBound(n: Int, p: Double, tail: Double) -> Int {
    var cdf = 0.0
    for r in 0...n {
        let logChoose: Double = lgamma(Double(n + 1)) - lgamma(Double(r + 1)) - lgamma(Double(n - r + 1))
        let logTerm: Double = logChoose + Double(r) * log(p) + Double(n - r) * log(1 - p)
        cdf += exp(logTerm)
        if 1 - cdf < tail { return r }
    }
    return n
}

/// Tests that train a model run in optimised builds (`swift test -c release
/// -Xswiftc -enable-testing`), or in debug when `LARIAT_TRAINING_TESTS=1`.
let trainingTestsEnabled: Bool = {
    #if DEBUG
    return ProcessInfo.processInfo.environment["LARIAT_TRAINING_TESTS"] == "1"
    #else
    return true
    #endif
}()

@Suite(.serialized, .enabled(if: trainingTestsEnabled)) struct SequenceTestCalibrationTests {
    @Test func sameDynamicsPairsHoldTheSize() throws {
        let unit = CalibrationUnit.shared
        let p = try unit.same.enumerated().map { j, pair in
            try SequenceTest.run(pair.0, pair.1, options: CalibrationUnit.options(seed: j)).pvalue
        }
        let rejections = p.filter { $0 <= 0.05 }.count
        // With n pairs at a true size of 0.05, more than this many rejections happens under 1% of the time.
        let bound = binomialUpperBound(n: p.count, p: 0.05, tail: 0.01)
        print("sequence test size: \(rejections)/\(p.count) same-dynamics pairs rejected at 0.05 (bound \(bound)); p-values \(p.map { String(format: "%.2f", $0) })")
        #expect(rejections <= bound, "\(rejections) of \(p.count) same-dynamics pairs rejected at alpha 0.05")
        // The p-values are spread over (0, 1], not piled up at one end.
        let median = p.sorted()[p.count / 2]
        #expect(median > 0.2 && median < 0.8, "median p-value \(median)")
    }

    @Test func rewiredPairsAreRejected() throws {
        let unit = CalibrationUnit.shared
        let tests = try unit.rewired.enumerated().map { j, pair in
            try SequenceTest.run(pair.0, pair.1, options: CalibrationUnit.options(seed: j))
        }
        let rejections = tests.filter { $0.pvalue <= 0.05 }.count
        print("sequence test power: \(rejections)/\(tests.count) rewired pairs rejected at 0.05; p-values \(tests.map { String(format: "%.2f", $0.pvalue) })")
        #expect(Double(rejections) >= 0.7 * Double(tests.count), "\(rejections) of \(tests.count) rewired pairs rejected")
    }

    @Test func compareEncodesWithTheModelAndIsDeterministic() throws {
        let unit = CalibrationUnit.shared
        let a = try CalibrationUnit.movie(session: 1).movie, b = try CalibrationUnit.movie(session: 2, rewired: true).movie
        var o = SequenceTest.Options(); o.resamples = 49; o.seed = 3
        let first = try SequenceTest.compare(a, b, model: unit.model, options: o)
        let again = try SequenceTest.compare(a, b, model: unit.model, options: o)
        #expect(first.null == again.null && first.pvalue == again.pvalue)
        #expect(first.lag == unit.model.options.lag && first.null.count == 49)
        // The model's encoding is what `run` sees.
        let direct = try SequenceTest.run(try unit.model.encode(a), try unit.model.encode(b), options: {
            var p = o; p.lag = 1; p.penalty = .ratio(0.1); return p }())
        #expect(direct.statistic == first.statistic)
    }
}
