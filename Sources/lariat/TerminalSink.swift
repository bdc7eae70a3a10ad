import Foundation
import LariatLanguage
import LariatModel

/// Output for `lariat run` and the prompt: text to stdout, figures to
/// numbered PNG files, progress as a line on stderr.
final class TerminalSink: OutputSink {
    let figuresDirectory: String
    private(set) var figureCount = 0
    private var lastProgress = Date.distantPast
    private let stderrIsTerminal = isatty(STDERR_FILENO) != 0

    init(figuresDirectory: String) {
        self.figuresDirectory = figuresDirectory
    }

    func write(_ text: String, stream: StreamKind) {
        switch stream {
        case .stdout: FileHandle.standardOutput.write(Data(text.utf8))
        case .stderr: FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func show(_ display: Display) {
        if let png = display.png {
            figureCount += 1
            let name = String(format: "%02d-%@.png", figureCount, display.kind)
            let url = URL(fileURLWithPath: figuresDirectory).appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(atPath: figuresDirectory, withIntermediateDirectories: true)
                try Data(png).write(to: url)
                write("figure: \(url.path)\n", stream: .stderr)
            } catch {
                write("lariat: cannot write \(url.path): \(error.localizedDescription)\n", stream: .stderr)
            }
        } else {
            write(display.text + "\n", stream: .stdout)
        }
    }

    func progress(_ report: ProgressReport, id: String, final: Bool) {
        // At most a few lines a second: a progress line, not a log.
        let now = Date()
        guard final || now.timeIntervalSince(lastProgress) > (stderrIsTerminal ? 0.1 : 2) else { return }
        lastProgress = now
        if stderrIsTerminal {
            write("\r\u{1B}[K" + report.line + (final ? "\n" : ""), stream: .stderr)
        } else {
            write(report.line + "\n", stream: .stderr)
        }
    }
}

/// Routes Ctrl-C to a session's cancellation flag instead of killing the
/// process, so long work stops cleanly and the prompt keeps its variables.
enum InterruptHandler {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    static func install(_ cancellation: Cancellation) {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { cancellation.cancel() }
        s.resume()
        source = s
    }
}
