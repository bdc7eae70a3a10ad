import Foundation
import Testing
@testable import LariatModel

@Suite struct TrainingProgressTests {
    /// The display's form of typed progress: epochs at an epoch's end,
    /// thousandths within one, "epoch" then the losses by name; a stage's
    /// progress rebased into the whole run.
    @Test func reportsAndRebasing() {
        let losses = TrainingLosses(total: 0.5, reconstruction: 0.3, prediction: 0.2, latentFVU: 0.1)
        let end = TrainingProgress(task: "fit", epoch: 2, epochs: 3, losses: losses, elapsed: 4, history: [1, 0.5])
        #expect(end.report.done == 2 && end.report.total == 3)
        #expect(end.report.values.map(\.0) == ["epoch", "loss", "recon", "pred", "fvu"])
        #expect(end.report.values.map(\.1) == [2, 0.5, 0.3, 0.2, 0.1])
        #expect(end.report.line.hasPrefix("fit 2/3  epoch 2  loss 0.5  recon 0.3"))
        let within = TrainingProgress(task: "fit", epoch: 2, epochs: 3, thousandthsDone: 1250, losses: losses,
                                      elapsed: 4, history: [1])
        #expect(within.report.done == 1250 && within.report.total == 3000)
        let rebased = within.rebased(after: 2, of: 5)
        #expect(rebased.epoch == 4 && rebased.epochs == 5 && rebased.thousandthsDone == 3250)
        #expect(rebased.report.done == 3250 && rebased.report.total == 5000 && rebased.report.values[0].1 == 4)
        #expect(end.rebased(after: 2, of: 5).report.done == 4)
    }

    /// A fit with warm-up reports one run: epoch-end reports count 1...epochs
    /// of `epochs` across both stages, the joint epochs with their parts.
    @Test func aStagedFitReportsOneRun() throws {
        let movie = blobMovie(frames: 80, height: 16, width: 16, seed: 11)
        var o = FitOptions()
        o.latent = 4; o.epochs = 4; o.warmupEpochs = 2; o.window = 16; o.seed = 1
        let reports = ReportLog()
        _ = try LatentDynamicsModel.fit(movie, options: o, context: WorkContext(report: { reports.append($0) }))
        let fit = reports.all.filter { $0.task == "fit" }
        let ends = fit.filter { $0.total == 4 }
        #expect(ends.map(\.done) == [1, 2, 3, 4])
        #expect(ends.map { $0.values[0].1 } == [1, 2, 3, 4])
        #expect(ends.map { $0.values.map(\.0).contains("pred") } == [false, false, true, true])
        #expect(fit.allSatisfy { $0.total == 4 || $0.total == 4000 })
    }
}
