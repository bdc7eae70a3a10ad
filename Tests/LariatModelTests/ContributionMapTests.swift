import Foundation
import Testing
@testable import LariatModel

/// Contribution maps on the calibration unit's model (trained once, shared
/// with SequenceTestCalibrationTests). Localisation is the fraction of a
/// map's mass on the simulator's footprints, against the same fraction for
/// the movie's own brightness (mean |x|).
@Suite(.serialized, .enabled(if: trainingTestsEnabled)) struct ContributionMapTests {
    @Test func gradientMapIsMoreOnCellsThanBrightness() throws {
        let unit = CalibrationUnit.shared
        let reports = ReportLog()
        var o = ContributionMap.Options(); o.frames = 300
        let c = try ContributionMap.compute(model: unit.model, movie: unit.trainingMovie, options: o,
                                            context: WorkContext(report: { reports.append($0) }))
        let (H, W, d) = (CalibrationUnit.size, CalibrationUnit.size, unit.model.network.latent)
        #expect(c.map.shape == [H, W] && c.latentMaps.shape == [d, H, W] && c.meanImage.shape == [H, W])
        #expect(c.map.data.allSatisfy { $0 >= 0 && $0.isFinite } && c.map.data.contains { $0 > 0 })
        // The overall map is the sum of the per-equation maps.
        for q in stride(from: 0, to: H * W, by: 37) {
            let s = (0..<d).reduce(0.0) { $0 + c.latentMaps.data[$1 * H * W + q] }
            #expect(abs(s - c.map.data[q]) <= 1e-9 * max(1, s))
        }
        let mask = ContributionMap.cellMask(footprints: unit.simulation.footprints)
        let onMap = ContributionMap.massFraction(c.map, on: mask)
        let onBrightness = ContributionMap.massFraction(ContributionMap.brightnessMap(unit.trainingMovie), on: mask)
        print("contribution map mass on cells: gradient \(onMap), brightness \(onBrightness), area \(Double(mask.filter { $0 }.count) / Double(mask.count))")
        #expect(onMap > onBrightness)
        #expect(reports.all.last?.done == reports.all.last?.total && reports.all.last?.task == "contributions")
    }

    @Test func everyMethodGivesAMapAndCancels() throws {
        let unit = CalibrationUnit.shared
        let movie = NDArray(shape: [120, CalibrationUnit.size, CalibrationUnit.size],
                            data: Array(unit.trainingMovie.data[0 ..< 120 * CalibrationUnit.size * CalibrationUnit.size]))
        for method in ContributionMap.Method.allCases {
            var o = ContributionMap.Options(); o.method = method; o.frames = 60; o.patch = 8
            let c = try ContributionMap.compute(model: unit.model, movie: movie, options: o)
            #expect(c.method == method && c.framesUsed == 60)
            #expect(c.map.data.allSatisfy { $0 >= 0 && $0.isFinite } && c.map.data.contains { $0 > 0 }, "\(method)")
            let cancel = Cancellation(); cancel.cancel()
            #expect(throws: CancelledError.self) {
                try ContributionMap.compute(model: unit.model, movie: movie, options: o, context: WorkContext(cancellation: cancel))
            }
        }
        var wrong = ContributionMap.Options(); wrong.frames = 5
        #expect(throws: NetworkError.self) {
            try ContributionMap.compute(model: unit.model, movie: NDArray(zeros: [4, 8, 8]), options: wrong)
        }
    }

    /// The by-hand measurement of docs/contribution-maps.md: joint against
    /// two-stage on several units, every method. `LARIAT_CONTRIBUTION_SEEDS=6` (seeds 1...6) or `=7-12`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LARIAT_CONTRIBUTION_SEEDS"] != nil))
    func jointAgainstTwoStage() throws {
        let spec = ProcessInfo.processInfo.environment["LARIAT_CONTRIBUTION_SEEDS"]!.split(separator: "-").compactMap { Int($0) }
        let seeds = spec.count == 2 ? spec[0]...spec[1] : 1...(spec.first ?? 3)
        let epochs = Int(ProcessInfo.processInfo.environment["LARIAT_CALIBRATION_EPOCHS"] ?? "") ?? 6
        print("seed\tmode\tbrightness\tarea\tgradient\tgradient_links\tocclusion\tdecoder\tgradient_x\tfvu\tgain")
        for seed in seeds {
            var so = SimulationOptions(neurons: CalibrationUnit.neurons, frames: CalibrationUnit.frames, size: CalibrationUnit.size, seed: seed)
            so.density = 0.1
            let sim = try Simulator.simulate(so)
            let mask = ContributionMap.cellMask(footprints: sim.footprints)
            let bright = ContributionMap.massFraction(ContributionMap.brightnessMap(sim.movie), on: mask)
            for mode in [FitOptions.Mode.joint, .twoStage] {
                var fo = FitOptions(); fo.latent = 8; fo.lag = 1; fo.epochs = epochs; fo.mode = mode; fo.penalty = .ratio(0.1)
                let model = try LatentDynamicsModel.fit(sim.movie, options: fo)
                var row = [String(seed), mode.rawValue, String(format: "%.3f", bright),
                           String(format: "%.3f", Double(mask.filter { $0 }.count) / Double(mask.count))]
                for (method, links) in [(ContributionMap.Method.gradient, false), (.gradient, true), (.occlusion, false), (.decoder, false)] {
                    var o = ContributionMap.Options(); o.method = method; o.offDiagonal = links; o.frames = 300
                    let c = try ContributionMap.compute(model: model, movie: sim.movie, options: o)
                    row.append(String(format: "%.3f", ContributionMap.massFraction(c.map, on: mask)))
                }
                var plain = ContributionMap.Options(); plain.relativeToMean = false; plain.frames = 300
                row.append(String(format: "%.3f", ContributionMap.massFraction(
                    try ContributionMap.compute(model: model, movie: sim.movie, options: plain).map, on: mask)))
                row += [String(format: "%.3f", model.scores.latentFVU), String(format: "%.3f", model.scores.dynamicsGain)]
                print(row.joined(separator: "\t"))
            }
        }
    }
}
