/// Where a training run stands, as `AutoencoderTrainer` reports it: after
/// every epoch, and within long epochs about once a second. Typed, so a
/// caller that trains in stages (the warm-up's reconstruction epochs, then
/// the joint ones) rebases a stage's epochs by number (`rebased`) rather than
/// by reading a `ProgressReport`'s counts and figure names, and the display's
/// report is made in one place (`report`).
public struct TrainingProgress: Sendable, Equatable {
    /// What is running, as the display names it ("fit").
    public var task: String
    /// The epoch running (within an epoch) or just finished, from 1.
    public var epoch: Int
    /// Epochs in the run.
    public var epochs: Int
    /// Within an epoch, the run's progress in thousandths of an epoch (so an
    /// ETA moves during long epochs); nil when `epoch` has just finished.
    public var thousandthsDone: Int?
    /// The epoch's mean losses so far (at its end, over all its windows).
    public var losses: TrainingLosses
    /// Seconds since the run started.
    public var elapsed: Double
    /// The mean total loss of every finished epoch.
    public var history: [Double]

    public init(task: String, epoch: Int, epochs: Int, thousandthsDone: Int? = nil, losses: TrainingLosses,
                elapsed: Double, history: [Double]) {
        self.task = task; self.epoch = epoch; self.epochs = epochs; self.thousandthsDone = thousandthsDone
        self.losses = losses; self.elapsed = elapsed; self.history = history
    }

    /// This progress as a stage of a longer run: `offset` epochs ran before
    /// the stage, and the whole run has `total`.
    public func rebased(after offset: Int, of total: Int) -> TrainingProgress {
        var p = self
        p.epoch += offset
        p.epochs = total
        p.thousandthsDone = thousandthsDone.map { $0 + 1000 * offset }
        return p
    }

    /// The display's form: epochs done of all at an epoch's end, thousandths
    /// within one; the figures "epoch", then the losses by name ("loss",
    /// "recon", "pred", "latent", "fvu", those present).
    public var report: ProgressReport {
        ProgressReport(task: task, done: thousandthsDone ?? epoch, total: thousandthsDone == nil ? epochs : 1000 * epochs,
                       values: [("epoch", Double(epoch))] + losses.named.map { ($0.name, $0.value) },
                       elapsed: elapsed, history: history)
    }
}
