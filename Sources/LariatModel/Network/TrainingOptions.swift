/// What a training run does; the defaults suit ~40x40 frames and a few thousand frames.
public struct TrainingOptions: Sendable, Equatable {
    /// Passes over the training frames.
    public var epochs: Int = 30
    /// Consecutive frames per optimisation step (a window, so the VAR has a series to fit).
    public var window: Int = 32
    public var learningRate: Float = 1e-3
    /// Seeds the network's initial weights and the order of windows.
    public var seed: UInt64 = 0
    /// A step whose loss exceeds this multiple of the first step's loss stops
    /// training as diverged.
    public var divergenceFactor: Double = 1e4

    public init(epochs: Int = 30, window: Int = 32, learningRate: Float = 1e-3, seed: UInt64 = 0) {
        self.epochs = epochs; self.window = window; self.learningRate = learningRate; self.seed = seed
    }

    func validate(frameCount: Int) throws {
        guard epochs >= 1 else { throw NetworkError("epochs must be at least 1, got \(epochs)") }
        guard window >= 4 else { throw NetworkError("window must be at least 4 frames, got \(window)") }
        guard learningRate > 0, learningRate.isFinite else { throw NetworkError("learning rate must be positive, got \(learningRate)") }
        guard frameCount >= window else {
            throw NetworkError("the movie has \(frameCount) training frames, fewer than one window of \(window); use a smaller window")
        }
    }
}
