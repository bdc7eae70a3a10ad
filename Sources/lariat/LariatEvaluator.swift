import Foundation
import JupyterKernel
import LariatLanguage
import LariatModel

/// The Lariat language as the kernel's evaluator: one `Session` holds the
/// notebook's variables; figures go out as display_data (also as a cell's
/// last value), other last values as execute_result, progress as a display
/// updated in place.
final class LariatEvaluator: Evaluator {
    let session: Session
    /// Every figure also as a PNG file, named in its text/plain (for text-only clients).
    let figureFiles = FigureFiles()

    init(workingDirectory: String) {
        session = Session(workingDirectory: workingDirectory)
    }

    let languageInfo = LanguageInfo(
        name: "lariat", version: LariatVersion.string, mimetype: "text/x-lariat", fileExtension: ".lariat",
        // No Lariat mode exists in Pygments or CodeMirror; Python's colours
        // numbers, strings, calls, keywords and `#` comments the same way.
        pygmentsLexer: "python", codemirrorMode: "python")

    var banner: String { "Lariat \(LariatVersion.string): sparse, interpretable temporal structure in calcium imaging.\nhelp(fit) or help(\"load\") for a builtin." }

    func execute(_ code: String, session out: ExecutionSession) -> ExecutionOutcome {
        let sink = KernelSink(out, files: figureFiles)
        let result = session.execute(code, file: "<cell>", mode: .notebook, sink: sink)
        AllocationRetention.releaseFreeMemory()                          // an idle kernel keeps no training high-water mark
        if case .ok = result { sink.finish(completed: true) } else { sink.finish(completed: false) }
        switch result {
        case .ok(let display):
            guard let display else { return .ok(result: nil) }
            if display.png != nil {
                out.display(figureFiles.saving(display).bundle, displayID: nil)
                return .ok(result: nil)
            }
            return .ok(result: display.bundle)
        case .error(let e):
            var traceback = e.formatted.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // Red `error:` as terminals show it; frontends render ANSI.
            if let first = traceback.first, let r = first.range(of: "error:") {
                traceback[0] = first.replacingCharacters(in: r, with: "\u{1B}[1;31merror:\u{1B}[0m")
            }
            return .error(name: e.name, value: e.message, traceback: traceback)
        }
    }

    func interrupt() { session.cancellation.cancel() }

    func complete(_ code: String, cursor: Int) -> Completion {
        let c = session.complete(code, cursor: characterOffset(code, scalars: cursor))
        return Completion(matches: c.matches, cursorStart: scalarOffset(code, characters: c.start),
                          cursorEnd: scalarOffset(code, characters: c.end))
    }

    func inspect(_ code: String, cursor: Int, detailLevel: Int) -> MimeBundle? {
        session.inspect(code, cursor: characterOffset(code, scalars: cursor))?.bundle
    }

    func isComplete(_ code: String) -> JupyterKernel.Completeness {
        switch session.completeness(code) {
        case .complete: return .complete
        case .incomplete: return .incomplete(indent: "")
        case .invalid: return .invalid
        }
    }
}

// The protocol counts Unicode scalars; the session counts Characters.
private func characterOffset(_ s: String, scalars: Int) -> Int {
    var count = 0, characters = 0
    for ch in s {
        count += ch.unicodeScalars.count
        if count > scalars { break }
        characters += 1
    }
    return characters
}

private func scalarOffset(_ s: String, characters: Int) -> Int {
    s.prefix(max(0, characters)).unicodeScalars.count
}

extension Display {
    var bundle: MimeBundle { MimeBundle(data: data, metadata: metadata) }
}

/// Session output to IOPub. Progress becomes one display per task, created
/// on the first report and updated in place (at most ten times a second,
/// and always for the last report); `finish` brings every progress display
/// to its final state when the cell ends.
final class KernelSink: OutputSink, @unchecked Sendable {
    private struct Shown { var latest: ProgressReport; var sentAt: Date; var sentLatest: Bool; var final: Bool }
    private let out: ExecutionSession
    private let lock = NSLock()
    private var shown: [String: Shown] = [:]
    private var order: [String] = []

    private let files: FigureFiles

    init(_ out: ExecutionSession, files: FigureFiles) { self.out = out; self.files = files }

    func write(_ text: String, stream: StreamKind) {
        out.stream(stream == .stdout ? .stdout : .stderr, text)
    }

    func show(_ display: Display) { out.display(files.saving(display).bundle, displayID: nil) }

    func progress(_ report: ProgressReport, id: String, final: Bool) {
        lock.lock()
        let now = Date()
        let previous = shown[id]
        let due = previous == nil || final || now.timeIntervalSince(previous!.sentAt) >= 0.1
        if previous == nil { order.append(id) }
        shown[id] = Shown(latest: report, sentAt: due ? now : previous!.sentAt, sentLatest: due,
                          final: final || (previous?.final ?? false))
        lock.unlock()
        guard due else { return }
        let bundle = ProgressDisplay.bundle(report)
        if previous == nil { out.display(bundle, displayID: id) } else { out.updateDisplay(bundle, displayID: id) }
    }

    /// Work may stop reporting short of its total (reports every k units,
    /// or stopped by an error): show each display's last state, as done
    /// when the cell completed, else marked stopped.
    func finish(completed: Bool) {
        lock.lock()
        let pending = order.compactMap { id in shown[id].map { (id, $0) } }.filter { !$0.1.final }
        lock.unlock()
        for (id, s) in pending {
            var r = s.latest
            if completed { r.done = r.total }
            out.updateDisplay(ProgressDisplay.bundle(r, note: completed ? nil : "stopped"), displayID: id)
        }
    }
}

/// A progress report as text (the one-line summary) and HTML (a bar, the
/// figures, and the loss history as an inline SVG sparkline).
enum ProgressDisplay {
    static func bundle(_ r: ProgressReport, note: String? = nil) -> MimeBundle {
        let fraction = r.total > 0 ? Double(r.done) / Double(r.total) : 0
        let line = r.line + (note.map { "  (\($0))" } ?? "")
        var html = "<div class=\"lariat-progress\" style=\"font-family:monospace\">"
        html += "<progress value=\"\(r.done)\" max=\"\(max(r.total, 1))\" style=\"width:16em\"></progress> "
        html += escape(line) + String(format: " (%.0f%%)", fraction * 100)
        if let svg = sparkline(r.history) { html += "<br/>" + svg }
        html += "</div>"
        return MimeBundle(data: ["text/plain": line, "text/html": html])
    }

    /// A 240x48 polyline of `history` (finite values), or nil if under two.
    static func sparkline(_ history: [Double]) -> String? {
        let ys = history.filter(\.isFinite)
        guard ys.count >= 2, let lo = ys.min(), let hi = ys.max() else { return nil }
        let w = 240.0, h = 48.0, span = hi > lo ? hi - lo : 1
        let points = ys.enumerated().map { i, y in
            String(format: "%.1f,%.1f", Double(i) / Double(ys.count - 1) * w, 2 + (1 - (y - lo) / span) * (h - 4))
        }.joined(separator: " ")
        return "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
            + "<polyline fill=\"none\" stroke=\"#b07030\" stroke-width=\"1.5\" points=\"\(points)\"/></svg>"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
