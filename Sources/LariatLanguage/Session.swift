import Foundation
import LariatModel

/// Where output goes while code runs: the terminal, a headless run, or
/// the Jupyter kernel.
public protocol OutputSink: AnyObject {
    /// Text from `print` (stdout) or warnings (stderr).
    func write(_ text: String, stream: StreamKind)
    /// A value shown where it stands: figures in a notebook; every
    /// expression statement's value in a script.
    func show(_ display: Display)
    /// Live progress of long work; reports with the same `id` replace each
    /// other; `final` marks the last.
    func progress(_ report: ProgressReport, id: String, final: Bool)
}

public enum StreamKind: Sendable { case stdout, stderr }

/// How expression statements are shown.
public enum DisplayMode: Sendable {
    /// Figures are shown wherever they stand; any other value only as the
    /// last statement's result.
    case notebook
    /// Every expression statement is shown, in order (`lariat run`).
    case script
}

public enum ExecutionResult {
    case ok(result: Display?)
    case error(LariatError)
}

/// One interpreter state: the variables of a notebook, script or prompt.
public final class Session {
    /// Variables assigned so far. A failing statement leaves them as they were.
    public internal(set) var variables: [String: Value] = [:]
    /// Relative paths resolve from here.
    public var workingDirectory: String
    /// Set from another thread to stop running work (interrupt).
    public let cancellation = Cancellation()
    private var progressCounter = 0

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    /// Runs `source` statement by statement, stopping at the first error:
    /// what earlier statements did stays. A syntax error stops it there too:
    /// the statements before it run, then it is reported.
    public func execute(_ source: String, file: String = "<cell>", mode: DisplayMode = .notebook,
                        sink: OutputSink) -> ExecutionResult {
        cancellation.reset()
        let source = source.replacingOccurrences(of: "\r\n", with: "\n")   // one Character in Swift
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let (statements, syntaxError) = Parser.parseUntilError(source)
        var result: Display? = nil
        for (i, statement) in statements.enumerated() {
            do {
                try cancellation.check()
                let context = makeContext(sink: sink)
                let interpreter = Interpreter(session: self, context: context)
                switch statement.kind {
                case .assignment(let name, let expr):
                    variables[name] = try interpreter.evaluate(expr)
                case .expression(let expr):
                    let value = try interpreter.evaluate(expr)
                    if value.isNone { continue }
                    let isLast = i == statements.count - 1 && syntaxError == nil
                    switch mode {
                    case .script:
                        sink.show(value.display())
                    case .notebook:
                        if case .figure = value { sink.show(value.display()) }
                        else if isLast { result = value.display() }
                    }
                    variables["_"] = value
                }
            } catch let e as LariatError {
                return .error(e.located(file: file, source: lines))
            } catch is CancelledError {
                return .error(LariatError(.interrupted, "interrupted", at: statement.location).located(file: file, source: lines))
            } catch {
                return .error(LariatError(.runtime, "\(error)", at: statement.location).located(file: file, source: lines))
            }
        }
        if let syntaxError { return .error(syntaxError.located(file: file, source: lines)) }
        return .ok(result: result)
    }

    private func makeContext(sink: OutputSink) -> CallContext {
        progressCounter += 1
        let id = "lariat-progress-\(progressCounter)-\(UInt32.random(in: 0...UInt32.max))"
        let work = WorkContext(cancellation: cancellation) { [weak sink] report in
            sink?.progress(report, id: id, final: report.done >= report.total)
        }
        return CallContext(workingDirectory: workingDirectory, work: work, sink: sink)
    }

    /// Evaluates one expression without showing anything (tests, tools).
    public func evaluate(_ expression: String) throws -> Value {
        let statements = try Parser.parseProgram(expression)
        guard statements.count == 1, case .expression(let e) = statements[0].kind else {
            throw LariatError(.syntax, "expected one expression")
        }
        let interpreter = Interpreter(session: self, context: CallContext.detached(workingDirectory: workingDirectory))
        return try interpreter.evaluate(e)
    }
}
