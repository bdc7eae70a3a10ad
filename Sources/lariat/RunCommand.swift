import ArgumentParser
import Foundation
import LariatLanguage

/// `lariat run FILE [--out DIR] [--set NAME=VALUE ...]`: runs a script
/// headless, after assigning each `--set` literal (the script reads them as
/// inputs, e.g. one job of a cluster array per recording). Every expression
/// statement is shown: figures go to DIR as 01-plot.png, 02-heatmap.png,
/// ...; other values print their text. An error prints
/// `FILE:LINE:COL: error: ...` and exits non-zero.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a .lariat script headless; figures are written as PNG.")

    @Argument(help: "The script to run.") var file: String
    @Option(help: "Folder for figures.") var out: String = "figures"
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Assign NAME=VALUE before the script runs; VALUE is a literal: a number, a \"string\", true/false, none or a list of them. Repeatable.",
        valueName: "NAME=VALUE"))
    var assignments: [String] = []

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
        for assignment in assignments {
            let statement: String
            do { statement = try Self.literalAssignment(assignment) } catch let problem as ValidationError {
                FileHandle.standardError.write(Data("--set \(assignment): error: \(problem.message)\n".utf8))
                throw ExitCode(2)
            }
            if case .error(let e) = session.execute(statement, file: "--set", mode: .script, sink: sink) {
                FileHandle.standardError.write(Data((e.formatted + "\n").utf8))
                throw ExitCode(2)
            }
        }
        switch session.execute(source, file: file, mode: .script, sink: sink) {
        case .ok:
            return
        case .error(let e):
            sink.write(e.formatted + "\n", stream: .stderr)
            throw ExitCode(e.kind == .interrupted ? 130 : 1)
        }
    }

    /// `NAME = VALUE` for `--set NAME=VALUE`, or a ValidationError saying what
    /// is wrong: the name must be a Lariat name, the value a literal (numbers,
    /// strings, true/false, none, lists; no names, calls or arithmetic but a sign).
    static func literalAssignment(_ text: String) throws -> String {
        guard let eq = text.firstIndex(of: "=") else { throw ValidationError("expected NAME=VALUE") }
        let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let value = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        var lexer = Lexer(name)
        guard let nameTokens = try? lexer.tokenize(), nameTokens.count >= 1, case .identifier = nameTokens[0].kind,
              nameTokens.dropFirst().allSatisfy({ $0.kind == .eof || $0.kind == .newline }) else {
            throw ValidationError("'\(name)' is not a name (letters, digits and _, not starting with a digit, not a keyword)")
        }
        guard !value.isEmpty else { throw ValidationError("no value after '='") }
        var valueLexer = Lexer(value)
        let tokens: [Token]
        do { tokens = try valueLexer.tokenize() } catch { throw ValidationError("the value is not a literal: \(error)") }
        for token in tokens {
            switch token.kind {
            case .number, .string, .trueKeyword, .falseKeyword, .noneKeyword, .leftBracket, .rightBracket, .comma, .minus,
                 .newline, .eof: continue
            case .identifier(let word) where ["True", "False", "None"].contains(word):
                throw ValidationError("the value must be a literal; Lariat writes \(word.lowercased()), not \(word)")
            case .identifier(let word):
                throw ValidationError("the value must be a literal; a string goes in double quotes, kept from the shell: --set '\(name)=\"\(word)\"'")
            default:
                throw ValidationError("the value must be a literal (a number, a \"string\" in double quotes, true/false, none or a list), found '\(token.text)'")
            }
        }
        return "\(name) = \(value)"
    }
}
