import Foundation
import LariatModel

/// Arithmetic and comparison on values. Numbers combine as Float64;
/// arrays (and lists of numbers) combine element-wise with numpy's
/// broadcasting; strings and lists concatenate with `+`.
enum Operations {
    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return try scalar(op, x, y)
        case (.string(let x), .string(let y)):
            switch op {
            case .add: return .string(x + y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            default: throw BuiltinError("'\(op.rawValue)' does not apply to strings", kind: .type)
            }
        case (.bool(let x), .bool(let y)) where op == .equal || op == .notEqual:
            return .bool((x == y) == (op == .equal))
        default:
            break
        }
        if op == .matmul { return .array(try matmul(try operand(a, op), try operand(b, op))) }
        if isNumeric(a) && isNumeric(b), isArray(a) || isArray(b) {
            return .array(try broadcast(op, try operand(a, op), try operand(b, op)))
        }
        if case .list(let x) = a, case .list(let y) = b, op == .add { return .list(x + y) }
        if op == .equal { return .bool(a.equals(b)) }
        if op == .notEqual { return .bool(!a.equals(b)) }
        if isNumeric(a) && isNumeric(b) {
            return .array(try broadcast(op, try operand(a, op), try operand(b, op)))
        }
        throw BuiltinError("'\(op.rawValue)' does not apply to \(a.typeName) and \(b.typeName)", kind: .type)
    }

    /// An array or a movie (which arithmetic reads whole, as float64).
    static func isArray(_ v: Value) -> Bool {
        switch v {
        case .array, .movie: return true
        default: return false
        }
    }

    static func isNumeric(_ v: Value) -> Bool {
        switch v {
        case .number, .array, .movie: return true
        case .list: return (try? arrayFromValue(v)) != nil
        default: return false
        }
    }

    private static func operand(_ v: Value, _ op: BinaryOperator) throws -> NDArray {
        do { return try arrayFromValue(v) } catch let e as BuiltinError where e.kind == .io {
            throw e                                     // a lazy movie's file could not be read
        } catch {
            throw BuiltinError("'\(op.rawValue)' needs numbers or arrays, got \(v.describedForError)", kind: .type)
        }
    }

    static func scalar(_ op: BinaryOperator, _ x: Double, _ y: Double) throws -> Value {
        switch op {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide:
            if y == 0 { throw BuiltinError("division by zero") }
            return .number(x / y)
        case .modulo:
            if y == 0 { throw BuiltinError("modulo by zero") }
            // Python's sign convention: the result takes the divisor's sign.
            let r = x.truncatingRemainder(dividingBy: y)
            return .number(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case .power: return .number(Foundation.pow(x, y))
        case .matmul: throw BuiltinError("'@' needs arrays", kind: .type)
        case .equal: return .bool(x == y)
        case .notEqual: return .bool(x != y)
        case .less: return .bool(x < y)
        case .lessEqual: return .bool(x <= y)
        case .greater: return .bool(x > y)
        case .greaterEqual: return .bool(x >= y)
        }
    }

    static func elementwise(_ op: BinaryOperator) -> (Double, Double) -> Double {
        switch op {
        case .add: return (+)
        case .subtract: return (-)
        case .multiply: return (*)
        case .divide: return (/)
        case .modulo: return { x, y in let r = x.truncatingRemainder(dividingBy: y); return r != 0 && (r < 0) != (y < 0) ? r + y : r }
        case .power: return { Foundation.pow($0, $1) }
        case .equal: return { $0 == $1 ? 1 : 0 }
        case .notEqual: return { $0 != $1 ? 1 : 0 }
        case .less: return { $0 < $1 ? 1 : 0 }
        case .lessEqual: return { $0 <= $1 ? 1 : 0 }
        case .greater: return { $0 > $1 ? 1 : 0 }
        case .greaterEqual: return { $0 >= $1 ? 1 : 0 }
        case .matmul: return { _, _ in .nan }
        }
    }

    /// Element-wise `op` with numpy broadcasting (trailing axes align; an
    /// axis of length 1 stretches).
    static func broadcast(_ op: BinaryOperator, _ a: NDArray, _ b: NDArray) throws -> NDArray {
        let f = elementwise(op)
        if a.shape == b.shape {
            var out = [Double](repeating: 0, count: a.count)
            for i in 0..<a.count { out[i] = f(a.data[i], b.data[i]) }
            return NDArray(shape: a.shape, data: out)
        }
        if b.count == 1 {
            let y = b.data[0]
            return NDArray(shape: a.rank >= b.rank ? a.shape : b.shape, data: a.data.map { f($0, y) })
        }
        if a.count == 1 {
            let x = a.data[0]
            return NDArray(shape: b.rank >= a.rank ? b.shape : a.shape, data: b.data.map { f(x, $0) })
        }
        let rank = max(a.rank, b.rank)
        let sa = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let sb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        var shape = [Int](repeating: 0, count: rank)
        for i in 0..<rank {
            guard sa[i] == sb[i] || sa[i] == 1 || sb[i] == 1 else {
                throw BuiltinError("shapes \(formatShape(a.shape)) and \(formatShape(b.shape)) do not broadcast together")
            }
            shape[i] = max(sa[i], sb[i])
        }
        func strides(_ s: [Int]) -> [Int] {
            var st = [Int](repeating: 0, count: rank)
            var acc = 1
            for i in stride(from: rank - 1, through: 0, by: -1) { st[i] = s[i] == 1 ? 0 : acc; acc *= s[i] }
            return st
        }
        let (ta, tb) = (strides(sa), strides(sb))
        let count = shape.reduce(1, *)
        var out = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        var (ia, ib) = (0, 0)
        for k in 0..<count {
            out[k] = f(a.data[ia], b.data[ib])
            var d = rank - 1
            while d >= 0 {
                index[d] += 1; ia += ta[d]; ib += tb[d]
                if index[d] < shape[d] { break }
                ia -= ta[d] * shape[d]; ib -= tb[d] * shape[d]; index[d] = 0
                d -= 1
            }
        }
        return NDArray(shape: shape, data: out)
    }

    /// Matrix product: (n x k) @ (k x m), (n x k) @ (k), (k) @ (k x m), (k) @ (k).
    static func matmul(_ a: NDArray, _ b: NDArray) throws -> NDArray {
        guard (1...2).contains(a.rank), (1...2).contains(b.rank) else {
            throw BuiltinError("'@' needs vectors or matrices, got shapes \(formatShape(a.shape)) and \(formatShape(b.shape))")
        }
        let (n, k) = a.rank == 2 ? (a.shape[0], a.shape[1]) : (1, a.shape[0])
        let (k2, m) = b.rank == 2 ? (b.shape[0], b.shape[1]) : (b.shape[0], 1)
        guard k == k2 else {
            throw BuiltinError("'@' needs matching inner sizes, got \(formatShape(a.shape)) @ \(formatShape(b.shape))")
        }
        var out = [Double](repeating: 0, count: n * m)
        for i in 0..<n {
            for p in 0..<k {
                let x = a.data[i * k + p]
                if x == 0 { continue }
                for j in 0..<m { out[i * m + j] += x * b.data[p * m + j] }
            }
        }
        var shape: [Int] = []
        if a.rank == 2 { shape.append(n) }
        if b.rank == 2 { shape.append(m) }
        return NDArray(shape: shape, data: out)
    }

    static func unary(_ op: UnaryOperator, _ v: Value) throws -> Value {
        switch (op, v) {
        case (.not, .bool(let b)): return .bool(!b)
        case (.not, _): throw BuiltinError("'not' needs true or false, got \(v.describedForError)", kind: .type)
        case (.negate, .number(let x)): return .number(-x)
        case (.plus, .number(let x)): return .number(x)
        case (.negate, _) where isNumeric(v):
            let a = try arrayFromValue(v); return .array(NDArray(shape: a.shape, data: a.data.map { -$0 }))
        case (.plus, _) where isNumeric(v): return .array(try arrayFromValue(v))
        default: throw BuiltinError("'\(op.rawValue)' does not apply to \(v.describedForError)", kind: .type)
        }
    }
}
