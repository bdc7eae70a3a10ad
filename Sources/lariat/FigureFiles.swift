import Foundation
import LariatLanguage

/// Where a kernel's figures are also written as PNG files, for clients that
/// show only text/plain (jupyter console, a terminal frontend): each
/// figure's text names its file. One folder per kernel process under the
/// temporary directory, files numbered in order.
final class FigureFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    let directory: URL

    init(directory: URL = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("lariat-figures-\(ProcessInfo.processInfo.processIdentifier)")) {
        self.directory = directory
    }

    /// `display` with its PNG written to a file and the file named in its
    /// text; unchanged when it has no PNG or the file cannot be written.
    func saving(_ display: Display) -> Display {
        guard let png = display.png else { return display }
        lock.lock()
        count += 1
        let url = directory.appendingPathComponent(String(format: "%03d-%@.png", count, display.kind))
        lock.unlock()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(png).write(to: url)
        } catch {
            return display
        }
        var d = display
        d.data["text/plain"] = display.text + " (PNG: \(url.path))"
        return d
    }
}
