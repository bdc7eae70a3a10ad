import Foundation
import LariatModel

/// The types a parameter accepts, for argument checking and for the
/// signatures in `help`, completion and docs/.
public struct ValueType: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let number = ValueType(rawValue: 1 << 0)
    /// A number with a whole value.
    public static let integer = ValueType(rawValue: 1 << 1)
    public static let string = ValueType(rawValue: 1 << 2)
    public static let boolean = ValueType(rawValue: 1 << 3)
    /// An array; a list of numbers (or of equal-length lists) is accepted too.
    public static let array = ValueType(rawValue: 1 << 4)
    public static let list = ValueType(rawValue: 1 << 5)
    public static let range = ValueType(rawValue: 1 << 6)
    public static let record = ValueType(rawValue: 1 << 7)
    public static let figure = ValueType(rawValue: 1 << 8)
    public static let builtin = ValueType(rawValue: 1 << 9)
    public static let none = ValueType(rawValue: 1 << 10)
    public static let any = ValueType(rawValue: (1 << 11) - 1)

    /// How the type reads in a signature or a message.
    public var name: String {
        if self == .any { return "any" }
        let names: [(ValueType, String)] = [
            (.integer, "integer"), (.number, "number"), (.string, "string"), (.boolean, "boolean"),
            (.array, "array"), (.list, "list"), (.range, "range"), (.record, "record"),
            (.figure, "figure"), (.builtin, "builtin"), (.none, "none"),
        ]
        var parts: [String] = []
        for (t, n) in names where contains(t) {
            if t == .number && contains(.integer) { continue }
            parts.append(n)
        }
        return parts.joined(separator: " or ")
    }

    /// Whether `value` is acceptable as this type.
    func accepts(_ value: Value) -> Bool {
        switch value {
        case .none: return contains(.none)
        case .number(let v): return contains(.number) || (contains(.integer) && v == v.rounded() && v.isFinite)
        case .bool: return contains(.boolean)
        case .string: return contains(.string)
        case .list(let items):
            if contains(.list) { return true }
            return contains(.array) && (try? arrayFromValue(.list(items))) != nil
        case .range: return contains(.range)
        case .array, .movie: return contains(.array)
        case .record: return contains(.record)
        case .figure: return contains(.figure)
        case .builtin: return contains(.builtin)
        }
    }
}

/// One parameter of a builtin.
public struct Parameter: Sendable {
    public var name: String
    public var type: ValueType
    /// The default when the argument is left out; `nil` means required.
    /// Use `.none` for "optional, absent means none".
    public var defaultValue: Value?
    public var documentation: String
    /// Collects all remaining positional arguments as a list (`print(a, b)`).
    public var variadic: Bool

    public init(_ name: String, _ type: ValueType, default defaultValue: Value? = nil,
                _ documentation: String = "", variadic: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.documentation = documentation
        self.variadic = variadic
    }

    public var isRequired: Bool { defaultValue == nil && !variadic }

    /// `name`, `name=default` or `*name`, as in a signature.
    var signatureText: String {
        if variadic { return "*\(name)" }
        guard let d = defaultValue else { return name }
        return "\(name)=\(d.plainText(quoted: true, limit: 20))"
    }
}

extension Value: @unchecked Sendable {}

/// A function of the language: name, parameters, documentation and
/// implementation in one place. `help`, completion, inspection and the
/// reference in docs/ all read it.
public struct Builtin: @unchecked Sendable {
    public var name: String
    public var parameters: [Parameter]
    /// One line: what it does.
    public var summary: String
    /// The rest: details, what it returns, an example.
    public var documentation: String
    public var implementation: (Arguments, CallContext) throws -> Value

    public init(_ name: String, _ parameters: [Parameter], summary: String, documentation: String = "",
                implementation: @escaping (Arguments, CallContext) throws -> Value) {
        self.name = name
        self.parameters = parameters
        self.summary = summary
        self.documentation = documentation
        self.implementation = implementation
    }

    /// `fit(movie, latent=16, lag=1)`.
    public var signature: String {
        "\(name)(" + parameters.map(\.signatureText).joined(separator: ", ") + ")"
    }

    /// The full help text: signature, summary, parameters, documentation.
    public var helpText: String {
        var s = signature + "\n\n" + summary + "\n"
        if !parameters.isEmpty {
            s += "\nParameters:\n"
            for p in parameters {
                let req = p.isRequired ? "required" : (p.variadic ? "any number" : "default \(p.defaultValue!.plainText(quoted: true, limit: 30))")
                s += "  \(p.name) (\(p.type.name), \(req))"
                if !p.documentation.isEmpty { s += ": \(p.documentation)" }
                s += "\n"
            }
        }
        if !documentation.isEmpty { s += "\n" + documentation + "\n" }
        return s
    }

    /// Binds call arguments to parameters: positional in order, then
    /// keywords by name; checks types and fills defaults.
    func bind(positional: [Value], keywords: [(String, Value)]) throws -> Arguments {
        var values: [String: Value] = [:]
        var rest: [Value] = []
        var i = 0
        for p in parameters {
            if p.variadic {
                rest = Array(positional.dropFirst(i))
                i = positional.count
                break
            }
            guard i < positional.count else { break }
            values[p.name] = positional[i]
            i += 1
        }
        if i < positional.count {
            throw BuiltinError("\(name)() takes at most \(parameters.count) positional argument\(parameters.count == 1 ? "" : "s"), got \(positional.count)", kind: .type)
        }
        for (key, value) in keywords {
            guard let p = parameters.first(where: { $0.name == key && !$0.variadic }) else {
                let names = parameters.filter { !$0.variadic }.map(\.name)
                var msg = "\(name)() has no parameter '\(key)'"
                if let s = closest(key, among: names) { msg += "; did you mean '\(s)'?" }
                else if !names.isEmpty { msg += " (parameters: \(names.joined(separator: ", ")))" }
                throw BuiltinError(msg, kind: .type, argument: key)
            }
            if values[p.name] != nil {
                throw BuiltinError("\(name)() got '\(key)' both by position and by keyword", kind: .type, argument: key)
            }
            values[p.name] = value
        }
        for p in parameters where !p.variadic {
            if let v = values[p.name] {
                // An explicit none for an optional parameter means "left out".
                if v.isNone, p.defaultValue != nil { values[p.name] = p.defaultValue; continue }
                guard p.type.accepts(v) else {
                    throw BuiltinError("\(name)(): '\(p.name)' must be \(article(p.type.name)), got \(v.describedForError)",
                                       kind: .type, argument: p.name)
                }
            } else if let d = p.defaultValue {
                values[p.name] = d
            } else {
                throw BuiltinError("\(name)() is missing the required argument '\(p.name)'", kind: .type)
            }
        }
        if let p = parameters.first(where: \.variadic) {
            for v in rest where !p.type.accepts(v) {
                throw BuiltinError("\(name)(): '\(p.name)' must be \(article(p.type.name)), got \(v.describedForError)", kind: .type, argument: p.name)
            }
        }
        return Arguments(function: name, values: values, rest: rest)
    }
}

func article(_ noun: String) -> String {
    if noun == "any" { return "any value" }
    return (noun.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + noun
}

/// Arguments bound to a builtin's parameters. Accessors convert and check,
/// and their errors name the function and the parameter.
public struct Arguments {
    public let function: String
    public let values: [String: Value]
    /// Extra positional arguments for a variadic parameter.
    public let rest: [Value]

    public subscript(name: String) -> Value { values[name] ?? .none }

    public func isGiven(_ name: String) -> Bool { !(values[name]?.isNone ?? true) }

    func fail(_ name: String, _ problem: String) -> BuiltinError {
        BuiltinError("\(function)(): '\(name)' \(problem)", argument: name)
    }

    public func number(_ name: String) throws -> Double {
        switch self[name] {
        case .number(let v): return v
        case .bool(let b): return b ? 1 : 0
        case let v: throw fail(name, "must be a number, got \(v.describedForError)")
        }
    }

    public func optionalNumber(_ name: String) throws -> Double? {
        self[name].isNone ? nil : try number(name)
    }

    /// A whole number within `range` (if given).
    public func integer(_ name: String, in range: ClosedRange<Int>? = nil) throws -> Int {
        let v = try number(name)
        guard v.isFinite, v == v.rounded(), abs(v) < 1e15 else { throw fail(name, "must be a whole number, got \(formatNumber(v))") }
        let i = Int(v)
        if let r = range, !r.contains(i) {
            if r.upperBound == Int.max { throw fail(name, "must be at least \(r.lowerBound), got \(i)") }
            throw fail(name, "must be between \(r.lowerBound) and \(r.upperBound), got \(i)")
        }
        return i
    }

    public func optionalInteger(_ name: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        self[name].isNone ? nil : try integer(name, in: range)
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = self[name] else { throw fail(name, "must be a string, got \(self[name].describedForError)") }
        return s
    }

    /// One of an enumeration's string cases, e.g. `mode="two-stage"`; any
    /// other string is an error listing the cases.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, of _: T.Type) throws -> T
        where T.RawValue == String {
        let s = try string(name)
        guard let value = T(rawValue: s) else {
            let cases = T.allCases.map { "\"\($0.rawValue)\"" }
            let listed = cases.count > 1 ? cases.dropLast().joined(separator: ", ") + " or " + cases.last! : cases.joined()
            throw fail(name, "must be \(listed), got \"\(s)\"")
        }
        return value
    }

    public func optionalString(_ name: String) throws -> String? {
        self[name].isNone ? nil : try string(name)
    }

    /// A list of whole numbers, each in `range` (e.g. layer widths).
    public func integerList(_ name: String, in range: ClosedRange<Int>) throws -> [Int] {
        guard case .list(let items) = self[name] else { throw fail(name, "must be a list of whole numbers, got \(self[name].describedForError)") }
        return try items.map { item in
            guard case .number(let v) = item, v == v.rounded(), v.isFinite else {
                throw fail(name, "must hold whole numbers, got \(item.describedForError)")
            }
            guard v >= Double(range.lowerBound), v <= Double(range.upperBound) else {
                throw fail(name, "must hold numbers in \(range.lowerBound)...\(range.upperBound), got \(formatNumber(v))")
            }
            return Int(v)
        }
    }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = self[name] else { throw fail(name, "must be true or false, got \(self[name].describedForError)") }
        return b
    }

    public func array(_ name: String) throws -> NDArray {
        do { return try arrayFromValue(self[name]) } catch let e as BuiltinError {
            throw fail(name, e.message)
        }
    }

    /// An array of the given rank (e.g. 3 for a movie, 2 for a matrix).
    public func array(_ name: String, rank: Int, what: String) throws -> NDArray {
        let a = try array(name)
        guard a.rank == rank else {
            throw fail(name, "must be \(what) (\(rank)-D), got an array of shape \(formatShape(a.shape))")
        }
        return a
    }

    /// A movie: a loaded or computed movie as it is (float32, integers or
    /// lazy), or a `T x H x W` array as a float32 copy.
    public func movie(_ name: String) throws -> Movie {
        switch self[name] {
        case .movie(let m): return m
        case .array(let a) where a.rank == 3:
            guard a.shape[1] > 0, a.shape[2] > 0 else { throw fail(name, "must be a movie with frames of at least 1 x 1 pixel, got shape \(formatShape(a.shape))") }
            return Movie(a)
        case .array(let a): throw fail(name, "must be a movie T x H x W (3-D), got an array of shape \(formatShape(a.shape))")
        default: throw fail(name, "must be a movie T x H x W, got \(self[name].describedForError)")
        }
    }

    public func record(_ name: String, kind: String? = nil) throws -> Record {
        guard case .record(let r) = self[name] else { throw fail(name, "must be a \(kind ?? "record"), got \(self[name].describedForError)") }
        if let k = kind, r.kind != k { throw fail(name, "must be a \(k), got a \(r.kind)") }
        return r
    }

    /// A half-open integer range `a:b` (open ends filled from `0..<count`).
    public func range(_ name: String, count: Int? = nil) throws -> Range<Int> {
        guard case .range(let a, let b, let step) = self[name] else {
            throw fail(name, "must be a range a:b, got \(self[name].describedForError)")
        }
        if let s = step, s != 1 { throw fail(name, "takes no step") }
        guard let lo = a ?? (count != nil ? 0 : nil), let hi = b ?? count.map(Double.init) else {
            throw fail(name, "needs both ends (a:b)")
        }
        guard lo == lo.rounded(), hi == hi.rounded() else { throw fail(name, "must have whole-number ends") }
        guard lo >= 0, hi >= lo else { throw fail(name, "must be a:b with 0 <= a <= b, got \(formatNumber(lo)):\(formatNumber(hi))") }
        return Int(lo)..<Int(hi)
    }
}

/// Converts numbers, lists of numbers and nested lists to an array.
func arrayFromValue(_ v: Value) throws -> NDArray {
    switch v {
    case .array(let a): return a
    case .movie(let m):
        do { return try m.doubles() } catch let e as DataFileError { throw BuiltinError("could not be read: \(e.description)", kind: .io) }
    case .number(let x): return NDArray(shape: [], data: [x])
    case .bool(let b): return NDArray(shape: [], data: [b ? 1 : 0])
    case .list(let items):
        if items.isEmpty { return NDArray(shape: [0], data: []) }
        let parts = try items.map { try arrayFromValue($0) }
        let inner = parts[0].shape
        guard parts.allSatisfy({ $0.shape == inner }) else {
            throw BuiltinError("must be a rectangular list of numbers (rows of equal length)")
        }
        return NDArray(shape: [items.count] + inner, data: parts.flatMap(\.data))
    default:
        throw BuiltinError("must be an array or a list of numbers, got \(v.describedForError)", kind: .type)
    }
}

/// The closest name by edit distance (adjacent swaps count once), if it
/// is close enough to suggest.
func closest(_ word: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
    // Only close names: a different case or one swap for words of up to 3
    // letters ('sim' is not 'sin'), one edit up to 5, a third of the word
    // beyond; never a name starting with '_' (the REPL's last result).
    let w = Array(word.lowercased())
    func allowed(_ name: String, _ d: Int) -> Bool {
        if name.hasPrefix("_") { return false }
        if w.count <= 3 { return d == 0 || (d == 1 && name.count == w.count && Set(name.lowercased()) == Set(w)) }
        return d <= (w.count <= 5 ? 1 : w.count / 3)
    }
    let scored = names.filter { $0 != word }.map { ($0, distance(w, Array($0.lowercased()))) }
        .filter { allowed($0.0, $0.1) }
    return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
}
