/// A recursive-descent parser, one method per grammar rule in precedence
/// order (lowest first):
///
///     program    → (statement (NEWLINE | ';'))* EOF
///     statement  → IDENT '=' expression | expression
///     expression → or
///     or         → and ('or' and)*
///     and        → not ('and' not)*
///     not        → 'not' not | comparison
///     comparison → range (('=='|'!='|'<'|'<='|'>'|'>=') range)?
///     range      → additive (':' additive (':' additive)?)?
///     additive   → term (('+'|'-') term)*
///     term       → unary (('*'|'/'|'%'|'@') unary)*
///     unary      → ('-'|'+') unary | power
///     power      → postfix ('**' unary)?
///     postfix    → primary ('(' arguments ')' | '.' IDENT | '[' indices ']')*
///     primary    → NUMBER | STRING | 'true' | 'false' | 'none' | IDENT
///                | '(' expression ')' | '[' (expression (',' expression)*)? ']'
///
/// Index positions also accept open slices (`:`, `a:`, `:b`). The parser
/// stops at the first error; `parseUntilError` also returns the statements
/// before it, which a session runs before reporting the error.
public struct Parser {
    private var tokens: [Token]
    private var current = 0

    public init(tokens: [Token]) { self.tokens = tokens }

    mutating func statement() throws -> Statement {
        if case .identifier(let name) = peek.kind, tokens[current + 1].kind == .equal {
            let nameToken = advance()
            _ = advance()
            let value = try expression()
            return Statement(kind: .assignment(name, value), location: nameToken.location)
        }
        let start = peek.location
        let e = try expression()
        if check(.equal) {
            throw error(at: peek, "can only assign to a name (e.g. x = ...)")
        }
        return Statement(kind: .expression(e), location: start)
    }

    mutating func expression() throws -> Expr { try or() }

    mutating func or() throws -> Expr {
        var left = try and()
        while check(.orKeyword) {
            let op = advance()
            left = Expr(.logical(.or, left, try and()), op.location)
        }
        return left
    }

    mutating func and() throws -> Expr {
        var left = try not()
        while check(.andKeyword) {
            let op = advance()
            left = Expr(.logical(.and, left, try not()), op.location)
        }
        return left
    }

    mutating func not() throws -> Expr {
        if check(.notKeyword) {
            let op = advance()
            return Expr(.unary(.not, try not()), op.location)
        }
        return try comparison()
    }

    mutating func comparison() throws -> Expr {
        let left = try range()
        let ops: [TokenKind: BinaryOperator] = [
            .equalEqual: .equal, .bangEqual: .notEqual, .less: .less,
            .lessEqual: .lessEqual, .greater: .greater, .greaterEqual: .greaterEqual,
        ]
        if let op = ops[peek.kind] {
            let t = advance()
            let right = try range()
            if ops[peek.kind] != nil {
                throw error(at: peek, "comparisons do not chain; use 'and' (e.g. a < b and b < c)")
            }
            return Expr(.binary(op, left, right), t.location)
        }
        return left
    }

    mutating func range() throws -> Expr {
        let start = try additive()
        guard check(.colon) else { return start }
        let colon = advance()
        // `a:` with nothing after it is open-ended (e.g. frames=-100:).
        if check(.rightParen) || check(.comma) || check(.rightBracket) || check(.newline) || check(.eof) {
            return Expr(.range(start, nil, nil), start.location.through(colon.location))
        }
        let end = try additive()
        var step: Expr? = nil
        if match(.colon) { step = try additive() }
        return Expr(.range(start, end, step), start.location.through(colon.location))
    }

    mutating func additive() throws -> Expr {
        var left = try term()
        while check(.plus) || check(.minus) {
            let t = advance()
            let right = try term()
            left = Expr(.binary(t.kind == .plus ? .add : .subtract, left, right), t.location)
        }
        return left
    }

    mutating func term() throws -> Expr {
        let ops: [TokenKind: BinaryOperator] = [.star: .multiply, .slash: .divide, .percent: .modulo, .at: .matmul]
        var left = try unary()
        while let op = ops[peek.kind] {
            let t = advance()
            left = Expr(.binary(op, left, try unary()), t.location)
        }
        return left
    }

    mutating func unary() throws -> Expr {
        if check(.minus) || check(.plus) {
            let t = advance()
            let operand = try unary()
            if t.kind == .minus, case .number(let v) = operand.kind {
                return Expr(.number(-v), t.location.through(operand.location))
            }
            return Expr(.unary(t.kind == .minus ? .negate : .plus, operand), t.location)
        }
        return try power()
    }

    mutating func power() throws -> Expr {
        let base = try postfix()
        if check(.starStar) {
            let t = advance()
            // Right-associative, and binds tighter than a unary minus on its
            // left (-2**2 is -4) but accepts one on its right (2**-1).
            return Expr(.binary(.power, base, try unary()), t.location)
        }
        return base
    }

    mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            if check(.leftParen) {
                let open = advance()
                let args = try arguments()
                let close = try consume(.rightParen, "expected ')' to close the call's arguments", opener: open)
                e = Expr(.call(e, args), e.location.through(close.location))
            } else if check(.dot) {
                _ = advance()
                guard case .identifier(let name) = peek.kind else {
                    throw error(at: peek, "expected a field name after '.'")
                }
                let t = advance()
                e = Expr(.field(e, name), t.location)
            } else if check(.leftBracket) {
                let open = advance()
                var indices: [Expr] = []
                if check(.rightBracket) { throw error(at: peek, "expected an index or slice inside '[]'") }
                repeat {
                    indices.append(try indexItem())
                } while match(.comma) && !check(.rightBracket)
                let close = try consume(.rightBracket, "expected ']' to close the index", opener: open)
                e = Expr(.index(e, indices), open.location.through(close.location))
            } else {
                return e
            }
        }
    }

    /// An index position: an expression or a slice with optional ends.
    mutating func indexItem() throws -> Expr {
        let loc = peek.location
        var start: Expr? = nil
        if !check(.colon) {
            start = try additive()
            if !check(.colon) {
                // A plain index may still be any expression (e.g. a comparison).
                return start!
            }
        }
        _ = advance() // ':'
        var end: Expr? = nil
        if !check(.colon) && !check(.comma) && !check(.rightBracket) { end = try additive() }
        var step: Expr? = nil
        if match(.colon), !check(.comma) && !check(.rightBracket) { step = try additive() }
        return Expr(.range(start, end, step), loc)
    }

    mutating func arguments() throws -> [CallArgument] {
        var args: [CallArgument] = []
        var sawKeyword = false
        if check(.rightParen) { return args }
        repeat {
            if check(.rightParen) { break } // a trailing comma
            if case .identifier(let name) = peek.kind, tokens[current + 1].kind == .equal {
                let t = advance()
                _ = advance()
                if args.contains(where: { $0.label == name }) {
                    throw error(at: t, "keyword argument '\(name)' is given twice")
                }
                args.append(CallArgument(label: name, value: try expression(), location: t.location))
                sawKeyword = true
            } else {
                let loc = peek.location
                let value = try expression()
                if sawKeyword {
                    throw ParseFailure(LariatError(.syntax, "positional argument after a keyword argument", at: value.location))
                }
                args.append(CallArgument(label: nil, value: value, location: loc))
            }
        } while match(.comma)
        return args
    }

    mutating func primary() throws -> Expr {
        let t = peek
        switch t.kind {
        case .number(let v): _ = advance(); return Expr(.number(v), t.location)
        case .string(let s): _ = advance(); return Expr(.string(s), t.location)
        case .trueKeyword: _ = advance(); return Expr(.bool(true), t.location)
        case .falseKeyword: _ = advance(); return Expr(.bool(false), t.location)
        case .noneKeyword: _ = advance(); return Expr(.none, t.location)
        case .identifier(let n): _ = advance(); return Expr(.name(n), t.location)
        case .leftParen:
            let open = advance()
            let e = try expression()
            _ = try consume(.rightParen, "expected ')' after the expression", opener: open)
            return e
        case .leftBracket:
            let open = advance()
            var items: [Expr] = []
            if !check(.rightBracket) {
                repeat {
                    if check(.rightBracket) { break }
                    items.append(try expression())
                } while match(.comma)
            }
            let close = try consume(.rightBracket, "expected ']' to close the list", opener: open)
            return Expr(.list(items), open.location.through(close.location))
        case .eof:
            throw error(at: t, "expected an expression, found end of input")
        case .newline:
            throw error(at: t, "expected an expression before the end of the line")
        default:
            throw error(at: t, "expected an expression, found \(t.kind.display)")
        }
    }

    // MARK: - Helpers

    private var peek: Token { tokens[current] }
    private func check(_ kind: TokenKind) -> Bool { tokens[current].kind == kind }

    private mutating func advance() -> Token {
        let t = tokens[current]
        if t.kind != .eof { current += 1 }
        return t
    }

    private mutating func match(_ kind: TokenKind) -> Bool {
        if check(kind) { _ = advance(); return true }
        return false
    }

    private mutating func consume(_ kind: TokenKind, _ message: String, opener: Token) throws -> Token {
        if check(kind) { return advance() }
        // Newlines inside brackets are not tokens, so a forgotten closer
        // shows up as a stray token on a later line: blame the opener.
        if check(.eof) || peek.location.line > opener.location.line {
            throw ParseFailure(LariatError(.syntax, "\(opener.kind.display) is never closed", at: opener.location))
        }
        throw error(at: peek, "\(message), found \(peek.kind.display)")
    }

    private func error(at token: Token, _ message: String) -> ParseFailure {
        ParseFailure(LariatError(.syntax, message, at: token.location))
    }
}

/// Wraps a syntax error so the parser's own throws are typed.
struct ParseFailure: Error {
    var error: LariatError
    init(_ error: LariatError) { self.error = error }
}

extension Parser {
    /// The complete statements before the first syntax error, and that
    /// error (`nil` when the whole source parses). A statement cut short by
    /// a lexical error (an unterminated string) is not complete, and the
    /// lexical error is reported rather than what the cut caused.
    public static func parseUntilError(_ source: String) -> (statements: [Statement], error: LariatError?) {
        var lexer = Lexer(source)
        let (tokens, lexError) = lexer.tokenizeUntilError()
        var parser = Parser(tokens: tokens)
        var statements: [Statement] = []
        while true {
            while parser.match(.newline) || parser.match(.semicolon) {}
            if parser.check(.eof) { return (statements, lexError?.error) }
            let statement: Statement
            do {
                statement = try parser.statement()
            } catch let f as ParseFailure {
                // Failing at the tokens' early end is the lexical error's doing.
                if let lexError, parser.check(.eof) {
                    return (statements, lexError.error)
                }
                return (statements, f.error)
            } catch {
                return (statements, LariatError(.syntax, "\(error)"))
            }
            if parser.match(.newline) || parser.match(.semicolon) {
                statements.append(statement)
            } else if parser.check(.eof) {
                if let lexError { return (statements, lexError.error) }
                statements.append(statement)
            } else {
                // `import numpy as np`, `for x in y:`, `def f():` parse as a bare name, then stop.
                if case .expression(let e) = statement.kind, case .name(let word) = e.kind, let hint = PythonHabits.hint(for: word) {
                    return (statements, LariatError(.syntax, "'\(word)' is Python: \(hint)", at: statement.location))
                }
                return (statements, parser.error(at: parser.peek, "expected end of line after the statement, found \(parser.peek.kind.display)").error)
            }
        }
    }

    /// Parses source text into statements, or throws the first syntax error.
    public static func parseProgram(_ source: String) throws -> [Statement] {
        let (statements, error) = parseUntilError(source)
        if let error { throw error }
        return statements
    }
}
