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
    /// A progress line is on the terminal without its newline (it is redrawn
    /// in place); any other output ends it first, so nothing lands beside it.
    private var progressLineOpen = false

    /// - Parameter continuingNumbers: number figures after the highest `NN-` file
    ///   already in the folder (the prompt); `lariat run` starts at 01 (DESIGN.md).
    init(figuresDirectory: String, continuingNumbers: Bool = false) {
        self.figuresDirectory = figuresDirectory
        if continuingNumbers {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: figuresDirectory)) ?? []
            figureCount = names.compactMap { name -> Int? in
                guard name.hasSuffix(".png"), let dash = name.firstIndex(of: "-") else { return nil }
                return Int(name[..<dash])
            }.max() ?? 0
        }
    }

    func write(_ text: String, stream: StreamKind) {
        endProgressLine()
        emit(text, stream: stream)
    }

    /// Ends an open progress line (after an interrupt or an error too, by the caller).
    func endProgressLine() {
        guard progressLineOpen else { return }
        progressLineOpen = false
        emit("\n", stream: .stderr)
    }

    private func emit(_ text: String, stream: StreamKind) {
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
            emit("\r\u{1B}[K" + report.line + (final ? "\n" : ""), stream: .stderr)
            progressLineOpen = !final
        } else {
            emit(report.line + "\n", stream: .stderr)
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
