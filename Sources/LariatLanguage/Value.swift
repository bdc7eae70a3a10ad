import Foundation
import LariatModel

/// A value in the Lariat language.
public indirect enum Value {
    case none
    case number(Double)
    case bool(Bool)
    case string(String)
    case list([Value])
    /// `a:b` (or `a:b:step`); `nil` ends are open and only meaningful as an index.
    case range(Double?, Double?, Double?)
    case array(NDArray)
    /// A movie as loaded or computed: float32, its file's integers, or on
    /// disk (`load(..., lazy=true)`). A `T x H x W` array is a movie too;
    /// builtins that take movies accept both (`CallArguments.movie`).
    case movie(Movie)
    case record(Record)
    case figure(FigureValue)
    case builtin(Builtin)

    /// The type's name in messages: "number", "array", "record", ...
    public var typeName: String {
        switch self {
        case .none: return "none"
        case .number: return "number"
        case .bool: return "boolean"
        case .string: return "string"
        case .list: return "list"
        case .range: return "range"
        case .array(let a): return a.rank == 3 ? "movie" : "array"
        case .movie: return "movie"
        case .record(let r): return r.kind
        case .figure: return "figure"
        case .builtin: return "builtin"
        }
    }

    public var isNone: Bool { if case .none = self { return true }; return false }
}

/// A record: named fields in order, e.g. the result of `simulate` or a
/// fitted model. Records are immutable from the language. A model keeps
/// its trained network in `payload` for builtins that need it.
public final class Record {
    /// What this is ("simulation", "model", "lasso path", ...).
    public let kind: String
    public private(set) var fields: [(name: String, value: Value)]
    /// Native data behind the record (e.g. a trained network).
    public let payload: AnyObject?
    /// A figure that shows the record best (e.g. a histogram of a null
    /// distribution); shown beside the table when the record is displayed.
    public var figure: FigureValue?

    public init(kind: String, fields: [(String, Value)], payload: AnyObject? = nil) {
        self.kind = kind
        self.fields = fields.map { (name: $0.0, value: $0.1) }
        self.payload = payload
    }

    public subscript(name: String) -> Value? {
        fields.first { $0.name == name }?.value
    }

    public var fieldNames: [String] { fields.map(\.name) }
}

/// A rendered figure: PNG bytes and what they show.
public struct FigureValue {
    public var png: [UInt8]
    public var width: Int
    public var height: Int
    /// One line for text/plain, e.g. "plot: 2 series, 500 points".
    public var description: String
    /// The figure's kind, used in headless file names (`01-plot.png`).
    public var kind: String

    public init(png: [UInt8], width: Int, height: Int, description: String, kind: String) {
        self.png = png; self.width = width; self.height = height
        self.description = description; self.kind = kind
    }
}

extension Value {
    /// Structural equality, as `==` uses it for non-arrays.
    func equals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        case (.range(let a, let b, let c), .range(let d, let e, let f)): return a == d && b == e && c == f
        case (.array(let a), .array(let b)): return a == b
        case (.record(let a), .record(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a.name == b.name
        default: return false
        }
    }
}
