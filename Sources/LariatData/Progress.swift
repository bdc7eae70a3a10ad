import Foundation

/// A flag that long work polls so a user can stop it (Ctrl-C in a terminal,
/// interrupt in Jupyter). Thread-safe; set from any thread.
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    public func reset() { lock.lock(); cancelled = false; lock.unlock() }

    /// Throws `CancellationError` once cancelled: call it between units of
    /// work small enough that a cancel lands within a second.
    public func check() throws {
        if isCancelled { throw CancelledError() }
    }
}

/// Thrown by long work that was cancelled; the language reports it as an
/// interruption and keeps every variable as it was.
public struct CancelledError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// One progress report from long work (training, resampling, loading).
public struct ProgressReport: Sendable {
    /// What is running, e.g. "fit" or "compare".
    public var task: String
    /// Units done and in all (epochs, resamples, frames).
    public var done: Int
    public var total: Int
    /// Named figures to show, in order (e.g. "loss": 0.012).
    public var values: [(String, Double)]
    /// Seconds since the work started.
    public var elapsed: Double
    /// A history to draw as a small curve (e.g. the loss per epoch).
    public var history: [Double]

    public init(task: String, done: Int, total: Int, values: [(String, Double)] = [],
                elapsed: Double, history: [Double] = []) {
        self.task = task; self.done = done; self.total = total
        self.values = values; self.elapsed = elapsed; self.history = history
    }

    /// Estimated seconds left, from the rate so far.
    public var eta: Double? {
        guard done > 0, total > done else { return nil }
        return elapsed / Double(done) * Double(total - done)
    }

    /// A one-line summary, e.g. `fit  12/40  loss 0.0123  ETA 8s`.
    public var line: String {
        var s = "\(task) \(done)/\(total)"
        for (k, v) in values { s += "  \(k) \(formatShort(v))" }
        if let eta { s += "  ETA \(formatDuration(eta))" } else if done == total { s += "  done in \(formatDuration(elapsed))" }
        return s
    }
}

func formatShort(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e4 || a < 1e-3 { return String(format: "%.3e", v) }
    return String(format: "%.4g", v)
}

func formatDuration(_ s: Double) -> String {
    if s < 60 { return String(format: "%.0fs", s.rounded(.up)) }
    let m = Int(s) / 60
    return "\(m)m\(String(format: "%02d", Int(s) % 60))s"
}

/// Where long work reports progress and learns whether to stop. The
/// terminal prints a line on stderr; the kernel updates a display in place.
public struct WorkContext: Sendable {
    public var cancellation: Cancellation
    public var report: @Sendable (ProgressReport) -> Void

    public init(cancellation: Cancellation = Cancellation(),
                report: @escaping @Sendable (ProgressReport) -> Void = { _ in }) {
        self.cancellation = cancellation
        self.report = report
    }

    public static let silent = WorkContext()
}
