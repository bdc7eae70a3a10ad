/// The kernel's view of a language. The kernel does the protocol's
/// bookkeeping (execution count, busy/idle, replies); an evaluator only
/// evaluates, completes and inspects code. The Lariat language is one.
public protocol Evaluator: AnyObject {
    /// `language_info` and banner for `kernel_info_reply`.
    var languageInfo: LanguageInfo { get }
    var banner: String { get }

    /// Runs one cell. Output, displays and progress go through `session`
    /// as they happen; the returned outcome becomes the execute reply (and,
    /// for a result, the `execute_result`). Called on the shell thread.
    func execute(_ code: String, session: ExecutionSession) -> ExecutionOutcome

    /// Asks running work to stop soon (interrupt_request or SIGINT): the
    /// running `execute` should return an error (ename e.g.
    /// "KeyboardInterrupt") within about a second, keeping its state. Called
    /// from another thread while `execute` runs, or when nothing runs (then
    /// the next `execute` must not be affected).
    func interrupt()

    /// Completions for the text before `cursor` (a Unicode scalar offset).
    func complete(_ code: String, cursor: Int) -> Completion

    /// Help for the name at `cursor`, as a mime bundle, or nil if none.
    func inspect(_ code: String, cursor: Int, detailLevel: Int) -> MimeBundle?

    /// Whether `code` is complete, incomplete (open brackets) or invalid.
    func isComplete(_ code: String) -> Completeness
}

/// What `execute` hands the evaluator to talk back while it runs. Safe to
/// call from worker threads the evaluator starts, until `execute` returns.
public protocol ExecutionSession: AnyObject {
    /// Text on stdout or stderr (`stream` messages).
    func stream(_ name: StreamName, _ text: String)
    /// A rich display (`display_data`); with `displayID`, later calls to
    /// `updateDisplay` replace it in place.
    func display(_ bundle: MimeBundle, displayID: String?)
    func updateDisplay(_ bundle: MimeBundle, displayID: String)
}

public enum StreamName: String, Sendable { case stdout, stderr }

/// Data keyed by MIME type, as Jupyter shows it. Values are strings: text
/// as is, binary (image/png) already base64-encoded.
public struct MimeBundle: Equatable, Sendable {
    public var data: [String: String]
    /// Per-type metadata, e.g. `["image/png": ["width": 640, "height": 480]]`.
    public var metadata: [String: [String: Int]]

    public init(data: [String: String], metadata: [String: [String: Int]] = [:]) {
        self.data = data
        self.metadata = metadata
    }

    public init(text: String) { self.init(data: ["text/plain": text]) }
}

public enum ExecutionOutcome: Equatable, Sendable {
    /// Success; `result` is the cell's value if it has one to show as
    /// `execute_result`.
    case ok(result: MimeBundle?)
    /// Failure: `traceback` lines are shown as they are (may hold ANSI colour).
    case error(name: String, value: String, traceback: [String])
}

public struct Completion: Equatable, Sendable {
    public var matches: [String]
    /// The range of `code` (scalar offsets) the matches replace.
    public var cursorStart: Int
    public var cursorEnd: Int
    public init(matches: [String], cursorStart: Int, cursorEnd: Int) {
        self.matches = matches; self.cursorStart = cursorStart; self.cursorEnd = cursorEnd
    }
}

public enum Completeness: Equatable, Sendable {
    case complete
    case incomplete(indent: String)
    case invalid
}

public struct LanguageInfo: Equatable, Sendable {
    public var name: String
    public var version: String
    public var mimetype: String
    public var fileExtension: String
    public var pygmentsLexer: String
    public var codemirrorMode: String
    public init(name: String, version: String, mimetype: String, fileExtension: String,
                pygmentsLexer: String, codemirrorMode: String) {
        self.name = name; self.version = version; self.mimetype = mimetype
        self.fileExtension = fileExtension; self.pygmentsLexer = pygmentsLexer
        self.codemirrorMode = codemirrorMode
    }
}
