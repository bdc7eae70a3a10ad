import Foundation

/// An error a user caused, with where it happened. One format everywhere:
///
///     script.lariat:3:9: error: unknown name 'movei'
///     m = fit(movei, latent=8)
///             ^~~~~
public struct LariatError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case syntax = "SyntaxError"
        case name = "NameError"
        case type = "TypeError"
        case value = "ValueError"
        case index = "IndexError"
        case io = "IOError"
        case runtime = "RuntimeError"
        case interrupted = "KeyboardInterrupt"
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    public var file: String
    /// The text of the offending line, for the caret display.
    public var sourceLine: String?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil,
                file: String = "<input>", sourceLine: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.file = file
        self.sourceLine = sourceLine
    }

    /// The Jupyter `ename`.
    public var name: String { kind.rawValue }

    /// `FILE:LINE:COL: error: message`, then the line and a caret under
    /// the offending text.
    public var formatted: String {
        guard let loc = location else { return "\(file): error: \(message)" }
        var s = "\(file):\(loc.line):\(loc.column): error: \(message)"
        if let line = sourceLine {
            let visible = line.replacingOccurrences(of: "\t", with: " ")
            let available = max(1, visible.count - loc.column + 1)
            let marks = min(loc.length, available)
            s += "\n" + visible + "\n" + String(repeating: " ", count: max(0, loc.column - 1))
                + "^" + String(repeating: "~", count: max(0, marks - 1))
        }
        return s
    }

    public var description: String { formatted }

    /// Attaches file and source text, keeping an existing location.
    func located(file: String, source: [Substring]) -> LariatError {
        var e = self
        e.file = file
        if let loc = location, loc.line >= 1, loc.line <= source.count {
            e.sourceLine = String(source[loc.line - 1])
        }
        return e
    }
}

/// Thrown by builtins for bad arguments; the interpreter adds the call's
/// location. Builtins may also throw `LariatError` directly.
public struct BuiltinError: Error, Sendable {
    public var kind: LariatError.Kind
    public var message: String
    /// The parameter whose argument is at fault: the error then points at
    /// that argument's text rather than at the call.
    public var argument: String?
    public init(_ message: String, kind: LariatError.Kind = .value, argument: String? = nil) {
        self.kind = kind
        self.message = message
        self.argument = argument
    }
}
