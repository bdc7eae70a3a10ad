/// The lexical units of the Lariat language.
public enum TokenKind: Hashable, Sendable {
    case number(Double)
    case string(String)
    case identifier(String)
    // Keywords
    case trueKeyword, falseKeyword, noneKeyword, andKeyword, orKeyword, notKeyword
    // Punctuation and operators
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, dot, colon, semicolon
    case plus, minus, star, slash, percent, starStar, at
    case equal, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case newline
    case eof
}

public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var location: SourceLocation
    /// The source text of the token (for messages).
    public var text: String
}

extension TokenKind {
    /// How the token reads in an error message.
    var display: String {
        switch self {
        case .number(let v): return "number \(formatNumber(v))"
        case .string: return "string"
        case .identifier(let n): return "'\(n)'"
        case .trueKeyword: return "'true'"
        case .falseKeyword: return "'false'"
        case .noneKeyword: return "'none'"
        case .andKeyword: return "'and'"
        case .orKeyword: return "'or'"
        case .notKeyword: return "'not'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .comma: return "','"
        case .dot: return "'.'"
        case .colon: return "':'"
        case .semicolon: return "';'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .percent: return "'%'"
        case .starStar: return "'**'"
        case .at: return "'@'"
        case .equal: return "'='"
        case .equalEqual: return "'=='"
        case .bangEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .newline: return "end of line"
        case .eof: return "end of input"
        }
    }
}

let keywords: [String: TokenKind] = [
    "true": .trueKeyword, "false": .falseKeyword, "none": .noneKeyword,
    "and": .andKeyword, "or": .orKeyword, "not": .notKeyword,
]
