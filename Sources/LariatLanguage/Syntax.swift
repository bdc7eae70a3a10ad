/// The syntax tree: a program is statements; a statement assigns or
/// evaluates an expression. Every node keeps its source location so
/// runtime errors can point at the offending text.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
        case none
        case name(String)
        case list([Expr])
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        case logical(LogicalOperator, Expr, Expr)
        /// `a:b` or `a:b:step`; ends may be open inside an index (`m[:10]`).
        case range(Expr?, Expr?, Expr?)
        case call(Expr, [CallArgument])
        case field(Expr, String)
        case index(Expr, [Expr])
    }

    public var kind: Kind
    /// For operators, the operator itself; for calls, the callee through
    /// the closing bracket; otherwise the whole expression's start.
    public var location: SourceLocation

    public init(_ kind: Kind, _ location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public struct CallArgument: Sendable {
    public var label: String?
    public var value: Expr
    public var location: SourceLocation
}

public enum UnaryOperator: String, Sendable { case negate = "-", plus = "+", not = "not" }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "**", matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

public enum LogicalOperator: String, Sendable { case and, or }

public struct Statement: Sendable {
    public enum Kind: Sendable {
        case assignment(String, Expr)
        case expression(Expr)
    }
    public var kind: Kind
    public var location: SourceLocation
}
