import Foundation
import LariatModel

/// What a builtin may use of the session while it runs: paths relative to
/// the working directory, output, progress and cancellation.
public final class CallContext {
    public let workingDirectory: String
    /// Progress reports and the cancellation flag for long work.
    public let work: WorkContext
    private let sink: OutputSink?

    init(workingDirectory: String, work: WorkContext, sink: OutputSink?) {
        self.workingDirectory = workingDirectory
        self.work = work
        self.sink = sink
    }

    /// A standalone context (tests, tools): current directory, no output.
    public static func detached(workingDirectory: String = FileManager.default.currentDirectoryPath) -> CallContext {
        CallContext(workingDirectory: workingDirectory, work: .silent, sink: nil)
    }

    /// Resolves a user path: `~` expanded, relative paths from the working
    /// directory (in Jupyter, the notebook's folder).
    public func resolve(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: workingDirectory).appendingPathComponent(expanded).standardizedFileURL.path
    }

    /// Writes to the session's stdout (as `print` does).
    public func write(_ text: String) { sink?.write(text, stream: .stdout) }

    /// Writes a warning to stderr.
    public func warn(_ text: String) { sink?.write(text, stream: .stderr) }

    /// Throws if the user asked to stop.
    public func checkCancelled() throws { try work.cancellation.check() }
}
