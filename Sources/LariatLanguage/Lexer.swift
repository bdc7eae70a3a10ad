import Foundation

/// Turns source text into tokens. Newlines end statements, except inside
/// brackets, so a call may span lines; `#` starts a comment to the end of
/// the line.
public struct Lexer {
    private let chars: [Character]
    private var index = 0
    private var line = 1
    private var column = 1
    /// Open brackets, innermost last, for newline suppression and for
    /// telling an incomplete cell from an invalid one.
    private(set) var openBrackets: [Token] = []

    public init(_ source: String) {
        // Windows line ends: Swift reads "\r\n" as one Character, which
        // would match neither "\r" nor "\n" below.
        chars = Array(source.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    /// All tokens, ending in `.eof`. Throws on a character that starts no
    /// token or an unterminated string.
    public mutating func tokenize() throws -> [Token] {
        let (tokens, error) = tokenizeUntilError()
        if let error { throw error }
        return tokens
    }

    /// The tokens before the first lexical error (then `.eof` there) and
    /// that error, if any: what `Parser.parseUntilError` needs to run the
    /// statements before it.
    mutating func tokenizeUntilError() -> (tokens: [Token], error: LexError?) {
        var tokens: [Token] = []
        while true {
            let start = SourceLocation(line: line, column: column)
            do {
                let t = try next()
                // Collapse blank lines: a newline after a newline adds nothing.
                if t.kind == .newline, tokens.last.map({ $0.kind == .newline }) ?? true { continue }
                tokens.append(t)
                if t.kind == .eof { return (tokens, nil) }
            } catch let e as LexError {
                tokens.append(Token(kind: .eof, location: e.error.location ?? start, text: ""))
                return (tokens, e)
            } catch {
                tokens.append(Token(kind: .eof, location: start, text: ""))
                return (tokens, LexError(error: LariatError(.syntax, "\(error)", at: start)))
            }
        }
    }

    /// Whether the text ended inside brackets (more lines would complete
    /// it). A string that is not closed is an error, not an open end: a
    /// string cannot span lines, so no next line completes it.
    public static func endsOpen(_ source: String) -> Bool {
        var lexer = Lexer(source)
        do {
            _ = try lexer.tokenize()
            return !lexer.openBrackets.isEmpty
        } catch {
            return false
        }
    }

    struct LexError: Error {
        var error: LariatError
    }

    private var peek: Character? { index < chars.count ? chars[index] : nil }
    private func peek(_ offset: Int) -> Character? {
        index + offset < chars.count ? chars[index + offset] : nil
    }

    private mutating func advance() -> Character {
        let c = chars[index]
        index += 1
        if c == "\n" { line += 1; column = 1 } else { column += 1 }
        return c
    }

    private mutating func next() throws -> Token {
        // Skip blanks, comments and (inside brackets) newlines.
        while let c = peek {
            if c == " " || c == "\t" || c == "\r" || c == "\u{FEFF}" {
                _ = advance()
            } else if c == "#" {
                while let d = peek, d != "\n" { _ = advance() }
            } else if c == "\\" && (peek(1) == "\n" || (peek(1) == "\r" && peek(2) == "\n")) {
                // An explicit line continuation.
                _ = advance(); if peek == "\r" { _ = advance() }; _ = advance()
            } else if c == "\n" && !openBrackets.isEmpty {
                _ = advance()
            } else {
                break
            }
        }
        let start = SourceLocation(line: line, column: column)
        guard let c = peek else {
            return Token(kind: .eof, location: start, text: "")
        }
        let startIndex = index
        func make(_ kind: TokenKind) -> Token {
            let text = String(chars[startIndex..<index])
            return Token(kind: kind, location: SourceLocation(line: start.line, column: start.column, length: text.count), text: text)
        }

        if c == "\n" { _ = advance(); return Token(kind: .newline, location: start, text: "\n") }
        if c.isNumber || (c == "." && (peek(1)?.isNumber ?? false)) { return try number(start, startIndex) }
        if c.isLetter || c == "_" {
            while let d = peek, d.isLetter || d.isNumber || d == "_" { _ = advance() }
            let word = String(chars[startIndex..<index])
            return make(keywords[word] ?? .identifier(word))
        }
        if c == "\"" || c == "'" { return try string(quote: c, start, startIndex) }

        _ = advance()
        let kind: TokenKind
        switch c {
        case "(": kind = .leftParen
        case ")": kind = .rightParen
        case "[": kind = .leftBracket
        case "]": kind = .rightBracket
        case "{": kind = .leftBrace
        case "}": kind = .rightBrace
        case ",": kind = .comma
        case ".": kind = .dot
        case ":": kind = .colon
        case ";": kind = .semicolon
        case "+": kind = .plus
        case "-": kind = .minus
        case "%": kind = .percent
        case "@": kind = .at
        case "/": kind = .slash
        case "*":
            if peek == "*" { _ = advance(); kind = .starStar } else { kind = .star }
        case "=":
            if peek == "=" { _ = advance(); kind = .equalEqual } else { kind = .equal }
        case "!":
            guard peek == "=" else {
                throw LexError(error: LariatError(.syntax, "unexpected character '!' (use 'not' for negation)", at: start))
            }
            _ = advance(); kind = .bangEqual
        case "<":
            if peek == "=" { _ = advance(); kind = .lessEqual } else { kind = .less }
        case ">":
            if peek == "=" { _ = advance(); kind = .greaterEqual } else { kind = .greater }
        default:
            throw LexError(error: LariatError(.syntax, "unexpected character '\(c)'", at: start))
        }
        let token = make(kind)
        switch kind {
        case .leftParen, .leftBracket, .leftBrace: openBrackets.append(token)
        case .rightParen, .rightBracket, .rightBrace: if !openBrackets.isEmpty { openBrackets.removeLast() }
        default: break
        }
        return token
    }

    private mutating func number(_ start: SourceLocation, _ startIndex: Int) throws -> Token {
        while let d = peek, d.isNumber || d == "_" { _ = advance() }
        if peek == ".", !(peek(1)?.isLetter ?? false) {
            _ = advance()
            while let d = peek, d.isNumber || d == "_" { _ = advance() }
        }
        if let e = peek, e == "e" || e == "E" {
            let sign = peek(1)
            if sign?.isNumber ?? false || ((sign == "+" || sign == "-") && (peek(2)?.isNumber ?? false)) {
                _ = advance()
                if peek == "+" || peek == "-" { _ = advance() }
                while let d = peek, d.isNumber { _ = advance() }
            }
        }
        let text = String(chars[startIndex..<index])
        let loc = SourceLocation(line: start.line, column: start.column, length: text.count)
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")) else {
            throw LexError(error: LariatError(.syntax, "malformed number '\(text)'", at: loc))
        }
        return Token(kind: .number(value), location: loc, text: text)
    }

    private mutating func string(quote: Character, _ start: SourceLocation, _ startIndex: Int) throws -> Token {
        _ = advance()
        var value = ""
        while true {
            guard let c = peek, c != "\n" else {
                throw LexError(error: LariatError(.syntax, "unterminated string (missing closing \(quote))", at: start))
            }
            _ = advance()
            if c == quote { break }
            if c == "\\" {
                guard let e = peek else { continue }
                _ = advance()
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                case "'": value.append("'")
                case "0": value.append("\0")
                default: value.append("\\"); value.append(e)
                }
            } else {
                value.append(c)
            }
        }
        let text = String(chars[startIndex..<index])
        return Token(kind: .string(value), location: SourceLocation(line: start.line, column: start.column, length: text.count), text: text)
    }
}
