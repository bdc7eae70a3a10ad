import ArgumentParser
import Foundation
import LariatLanguage

/// `lariat run FILE [--out DIR]`: runs a script headless. Every expression
/// statement is shown: figures go to DIR as 01-plot.png, 02-heatmap.png,
/// ...; other values print their text. An error prints
/// `FILE:LINE:COL: error: ...` and exits non-zero.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a .lariat script headless; figures are written as PNG.")

    @Argument(help: "The script to run.") var file: String
    @Option(help: "Folder for figures.") var out: String = "figures"

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file),
              let source = String(data: data, encoding: .utf8) else {
            let problem = FileManager.default.fileExists(atPath: file) ? "cannot read the file (not UTF-8 text?)" : "no such file"
            FileHandle.standardError.write(Data("\(file): error: \(problem)\n".utf8))
            throw ExitCode(2)
        }
        let session = Session(workingDirectory: FileManager.default.currentDirectoryPath)
        InterruptHandler.install(session.cancellation)
        let sink = TerminalSink(figuresDirectory: out)
        switch session.execute(source, file: file, mode: .script, sink: sink) {
        case .ok:
            return
        case .error(let e):
            FileHandle.standardError.write(Data((e.formatted + "\n").utf8))
            throw ExitCode(e.kind == .interrupted ? 130 : 1)
        }
    }
}
