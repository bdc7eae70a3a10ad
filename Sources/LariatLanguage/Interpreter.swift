import Foundation
import LariatModel

/// Evaluates syntax trees against a session's variables. A failing
/// statement changes nothing: assignment happens only after its value is
/// computed, and errors carry the location of the offending text.
struct Interpreter {
    let session: Session
    let context: CallContext

    func evaluate(_ e: Expr) throws -> Value {
        switch e.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .name(let n):
            if let v = session.variables[n] { return v }
            if let b = BuiltinRegistry.lookup(n) { return .builtin(b) }
            var message = "unknown name '\(n)'"
            if let hint = PythonHabits.hint(for: n) {
                message += ": \(hint)"
            } else if let s = closest(n, among: Array(session.variables.keys) + BuiltinRegistry.names) {
                message += "; did you mean '\(s)'?"
            }
            throw LariatError(.name, message, at: e.location)
        case .list(let items):
            return .list(try items.map(evaluate))
        case .unary(let op, let operand):
            let v = try evaluate(operand)
            return try located(e.location) { try Operations.unary(op, v) }
        case .binary(let op, let l, let r):
            let a = try evaluate(l)
            let b = try evaluate(r)
            return try located(e.location) { try Operations.binary(op, a, b) }
        case .logical(let op, let l, let r):
            let a = try truth(try evaluate(l), l.location, op.rawValue)
            if op == .and && !a { return .bool(false) }
            if op == .or && a { return .bool(true) }
            return .bool(try truth(try evaluate(r), r.location, op.rawValue))
        case .range(let a, let b, let s):
            func end(_ x: Expr?) throws -> Double? {
                guard let x else { return nil }
                guard case .number(let v) = try evaluate(x) else {
                    throw LariatError(.type, "range ends must be numbers", at: x.location)
                }
                return v
            }
            return .range(try end(a), try end(b), try end(s))
        case .field(let base, let name):
            let v = try evaluate(base)
            return try located(e.location) { try field(v, name) }
        case .index(let base, let items):
            let v = try evaluate(base)
            let keys = try items.map(evaluate)
            return try located(e.location) { try Indexing.index(v, keys) }
        case .call(let callee, let arguments):
            return try call(callee, arguments, e.location)
        }
    }

    private func truth(_ v: Value, _ loc: SourceLocation, _ op: String) throws -> Bool {
        guard case .bool(let b) = v else {
            throw LariatError(.type, "'\(op)' needs true or false, got \(v.describedForError)", at: loc)
        }
        return b
    }

    private func call(_ calleeExpr: Expr, _ arguments: [CallArgument], _ location: SourceLocation) throws -> Value {
        let callee = try evaluate(calleeExpr)
        guard case .builtin(let builtin) = callee else {
            throw LariatError(.type, "\(callee.describedForError) is not a function", at: calleeExpr.location)
        }
        var positional: [Value] = []
        var keywords: [(String, Value)] = []
        for a in arguments {
            let v = try evaluate(a.value)
            if let label = a.label { keywords.append((label, v)) } else { positional.append(v) }
        }
        try context.checkCancelled()
        return try located(location) {
            do {
                let args = try builtin.bind(positional: positional, keywords: keywords)
                return try builtin.implementation(args, context)
            } catch let e as BuiltinError {
                // Point at the offending argument's text, not at the call.
                guard let name = e.argument, let at = argumentLocation(name, arguments, builtin) else { throw e }
                throw LariatError(e.kind, e.message, at: at)
            }
        }
    }

    /// Where the argument for parameter `name` is written: its keyword's
    /// value, or the positional argument in that parameter's place.
    private func argumentLocation(_ name: String, _ arguments: [CallArgument], _ builtin: Builtin) -> SourceLocation? {
        if let a = arguments.first(where: { $0.label == name }) { return a.value.location }
        guard let i = builtin.parameters.firstIndex(where: { $0.name == name && !$0.variadic }) else { return nil }
        let positional = arguments.filter { $0.label == nil }
        return i < positional.count ? positional[i].value.location : nil
    }

    /// Fields of records, and a few properties of arrays and figures.
    private func field(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .record(let r):
            if let f = r[name] { return f }
            var m = "\(r.kind) has no field '\(name)'"
            if let s = closest(name, among: r.fieldNames) { m += "; did you mean '\(s)'?" }
            m += " (fields: \(r.fieldNames.joined(separator: ", ")))"
            throw BuiltinError(m, kind: .name)
        case .array(let a):
            switch name {
            case "shape": return .list(a.shape.map { .number(Double($0)) })
            case "ndim": return .number(Double(a.rank))
            case "size": return .number(Double(a.count))
            case "dtype": return .string("float64")
            case "T":
                guard a.rank == 2 else { throw BuiltinError(".T needs a matrix, got shape \(formatShape(a.shape))") }
                return .array(a.transposed())
            default: throw BuiltinError("arrays have no field '\(name)' (fields: shape, ndim, size, dtype, T)", kind: .name)
            }
        case .movie(let m):
            switch name {
            case "shape": return .list(m.shape.map { .number(Double($0)) })
            case "ndim": return .number(3)
            case "size": return .number(Double(m.frameCount * m.frameSize))
            case "dtype": return .string(m.elementType)
            case "lazy": return .bool(m.isLazy)
            default: throw BuiltinError("movies have no field '\(name)' (fields: shape, ndim, size, dtype, lazy)", kind: .name)
            }
        case .figure(let f):
            switch name {
            case "width": return .number(Double(f.width))
            case "height": return .number(Double(f.height))
            default: throw BuiltinError("figures have no field '\(name)' (fields: width, height)", kind: .name)
            }
        default:
            throw BuiltinError("\(v.describedForError) has no fields", kind: .type)
        }
    }

    /// Runs `body`, giving errors without a location the one given.
    private func located(_ location: SourceLocation, _ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let e as LariatError {
            if e.location == nil { var e = e; e.location = location; throw e }
            throw e
        } catch let e as BuiltinError {
            throw LariatError(e.kind, e.message, at: location)
        } catch is CancelledError {
            throw LariatError(.interrupted, "interrupted", at: location)
        } catch let e as NPY.FormatError {
            throw LariatError(.io, e.description, at: location)
        } catch {
            throw LariatError(.runtime, "\(error)", at: location)
        }
    }
}
