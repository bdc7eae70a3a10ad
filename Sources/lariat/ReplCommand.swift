import ArgumentParser
import Foundation
import LariatModel
import LariatLanguage

/// `lariat repl` (and `lariat` alone): a terminal prompt with line editing,
/// history (~/.lariat_history) and Tab completion (`LineEditor`). Lines are
/// gathered until brackets close; figures are written to a folder.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "A terminal prompt.")

    @Option(help: "Folder for figures.") var out: String = "figures"

    func run() throws {
        let session = Session(workingDirectory: FileManager.default.currentDirectoryPath)
        InterruptHandler.install(session.cancellation)
        // Figures continue after the highest number already in the folder, so a
        // second prompt session never overwrites the first one's.
        let sink = TerminalSink(figuresDirectory: out, continuingNumbers: true)
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { print("Lariat \(LariatVersion.string). help() lists the builtins; Ctrl-D quits.") }
        // Line editing, history and completion when a person types; plain reads from a pipe.
        let editor = interactive ? LineEditor(historyFile: LineEditor.defaultHistoryFile) : nil
        let keywords = ["true", "false", "none", "and", "or", "not"]
        var cell = ""
        var number = 0
        while true {
            sink.endProgressLine()
            let line: String?
            if let editor {
                line = editor.readLine(prompt: cell.isEmpty ? ">>> " : "... ",
                                       completing: BuiltinRegistry.names + Array(session.variables.keys) + keywords)
            } else {
                line = readLine()
            }
            guard let line else { break }
            cell += (cell.isEmpty ? "" : "\n") + line
            if session.completeness(cell) == .incomplete { continue }
            number += 1
            switch session.execute(cell, file: "<stdin-\(number)>", mode: .notebook, sink: sink) {
            case .ok(let result):
                // Through the sink, as `print` output goes: in order when piped,
                // and a result that is an image is written as one.
                if let r = result { sink.show(r) }
            case .error(let e):
                sink.write(e.formatted + "\n", stream: .stderr)
            }
            cell = ""
            AllocationRetention.releaseFreeMemory()                      // idle at the prompt: give training's memory back
        }
        if interactive { print("") }
    }
}
