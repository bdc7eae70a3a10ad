import Foundation

/// A restricted reader of Python pickles (protocols 2-5), for the object
/// arrays numpy saves (suite2p's stat.npy and ops.npy are lists and dicts
/// of numbers, strings and numpy arrays inside a `.npy`).
///
/// It never runs anything a file names: the only globals it accepts are
/// numpy's array and scalar reconstructors (`numpy[._]core.multiarray
/// ._reconstruct` and `.scalar`, `numpy[._]core.numeric._frombuffer`,
/// `numpy.ndarray`, `numpy.dtype`) and
/// `_codecs.encode` (protocol 2's bytes), each interpreted here into plain
/// values; any other global, opcode or malformed length is an error naming
/// the byte offset. Every length is checked against the bytes left before
/// anything is read or allocated. Opcodes: https://github.com/python/cpython/blob/main/Lib/pickletools.py
public enum PickleValue: CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case dict([(key: PickleValue, value: PickleValue)])
    /// A numpy array: its shape and its values as Double (numeric dtypes),
    /// or its elements (object arrays).
    case array(shape: [Int], values: [Double])
    case objectArray(shape: [Int], elements: [PickleValue])

    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "\(i)"
        case .float(let x): return "\(x)"
        case .string(let s): return "'\(s)'"
        case .bytes(let b): return "bytes(\(b.count))"
        case .list(let l): return "list(\(l.count))"
        case .tuple(let t): return "tuple(\(t.count))"
        case .dict(let d): return "dict(\(d.count))"
        case .array(let shape, _): return "array\(shape)"
        case .objectArray(let shape, _): return "object array\(shape)"
        }
    }

    /// The value under `key` of a dict.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let items) = self else { return nil }
        return items.first { if case .string(key) = $0.key { return true }; return false }?.value
    }

    /// Numbers as Double: a number, a numeric array, or a list/tuple of numbers.
    public var numbers: [Double]? {
        switch self {
        case .int(let i): return [Double(i)]
        case .float(let x): return [x]
        case .bool(let b): return [b ? 1 : 0]
        case .array(_, let v): return v
        case .list(let l), .tuple(let l):
            var out: [Double] = []
            for x in l { guard let v = x.numbers, v.count == 1 else { return nil }; out.append(v[0]) }
            return out
        default: return nil
        }
    }
}

struct PickleReader {
    struct Failure: Error { var offset: Int; var problem: String }

    /// Objects on the stack: mutable containers are boxed, because the memo
    /// and later APPENDS/SETITEMS/BUILD refer to the same object.
    private final class Box {
        enum Kind {
            case value(PickleValue)
            case list([Box]), dict([(Box, Box)]), tuple([Box])
            case global(String)
            /// An array made by `_reconstruct`, filled in by BUILD.
            case array(PickleValue?)
            /// A dtype made by `numpy.dtype(code)`; BUILD sets its byte order.
            case dtype(code: String, bigEndian: Bool)
            case mark
        }
        var kind: Kind
        init(_ k: Kind) { kind = k }
    }

    private let b: [UInt8]
    private var p = 0
    private var stack: [Box] = []
    private var memo: [Int: Box] = [:]
    /// Containers nest at most this deep when converted (a file cannot recurse us off the stack).
    private let maxDepth = 64
    /// Values converted so far: memo references could otherwise repeat one
    /// container exponentially often; the budget is the data's own size.
    private var converted = 0

    static let allowedGlobals: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    ]

    /// Reads the pickle in `bytes[start...]`.
    static func read(_ bytes: [UInt8], from start: Int = 0) throws -> PickleValue {
        var r = PickleReader(b: bytes, p: start)
        return try r.run()
    }

    private init(b: [UInt8], p: Int) { self.b = b; self.p = p }

    private func fail(_ s: String) -> Failure { Failure(offset: p, problem: s) }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= b.count - p else { throw fail("a length of \(n) runs past the end of the data (\(b.count - p) bytes left)") }
        defer { p += n }
        return b[p..<(p + n)]
    }
    private mutating func uint(_ n: Int) throws -> Int {
        let s = try take(n)
        var v: UInt64 = 0
        for (k, x) in s.enumerated() { v |= UInt64(x) << (8 * UInt64(k)) }
        guard v <= UInt64(Int.max) else { throw fail("a length of \(v) is impossible") }
        return Int(v)
    }
    private mutating func pop() throws -> Box {
        guard let x = stack.popLast() else { throw fail("the stack is empty") }
        if case .mark = x.kind { throw fail("a MARK where a value was expected") }
        return x
    }
    private mutating func popToMark() throws -> [Box] {
        guard let m = stack.lastIndex(where: { if case .mark = $0.kind { return true }; return false }) else {
            throw fail("no MARK on the stack")
        }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }
    private func text(_ s: ArraySlice<UInt8>) throws -> String {
        guard let t = String(bytes: s, encoding: .utf8) else { throw fail("a string is not UTF-8") }
        return t
    }

    private mutating func run() throws -> PickleValue {
        while true {
            guard p < b.count else { throw fail("the pickle ends without STOP") }
            let op = b[p]
            p += 1
            switch op {
            case 0x80: _ = try take(1)                                   // PROTO
            case 0x95: _ = try take(8)                                   // FRAME
            case 0x2E:                                                   // STOP
                let top = try pop()
                return try value(top, depth: 0)
            case 0x28: stack.append(Box(.mark))                          // MARK
            case 0x7D: stack.append(Box(.dict([])))                      // EMPTY_DICT
            case 0x5D: stack.append(Box(.list([])))                      // EMPTY_LIST
            case 0x29: stack.append(Box(.tuple([])))                     // EMPTY_TUPLE
            case 0x74: stack.append(Box(.tuple(try popToMark())))        // TUPLE
            case 0x85, 0x86, 0x87:                                       // TUPLE1..3
                let n = Int(op - 0x84)
                guard stack.count >= n else { throw fail("TUPLE\(n) on a short stack") }
                var items: [Box] = []
                for _ in 0..<n { items.insert(try pop(), at: 0) }
                stack.append(Box(.tuple(items)))
            case 0x61, 0x65:                                             // APPEND, APPENDS
                let items = op == 0x61 ? [try pop()] : try popToMark()
                let list = try pop()
                guard case .list(let l) = list.kind else { throw fail("APPEND to a non-list") }
                list.kind = .list(l + items)
                stack.append(list)
            case 0x73, 0x75:                                             // SETITEM, SETITEMS
                var items: [Box]
                if op == 0x73 { let v = try pop(); let k = try pop(); items = [k, v] } else { items = try popToMark() }
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
                let dict = try pop()
                guard case .dict(var d) = dict.kind else { throw fail("SETITEM on a non-dict") }
                for k in stride(from: 0, to: items.count, by: 2) { d.append((items[k], items[k + 1])) }
                dict.kind = .dict(d)
                stack.append(dict)
            case 0x4A: stack.append(Box(.value(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))))   // BININT
            case 0x4B: stack.append(Box(.value(.int(try uint(1)))))      // BININT1
            case 0x4D: stack.append(Box(.value(.int(try uint(2)))))      // BININT2
            case 0x8A:                                                   // LONG1
                let n = try uint(1)
                guard n <= 8 else { throw fail("an integer of \(n) bytes is too large") }
                let s = try take(n)
                var v: UInt64 = 0
                for (k, x) in s.enumerated() { v |= UInt64(x) << (8 * UInt64(k)) }
                if n > 0 && n < 8 && s.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }   // sign-extend
                stack.append(Box(.value(.int(n == 0 ? 0 : Int(Int64(bitPattern: v))))))
            case 0x47:                                                   // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for x in try take(8) { v = v << 8 | UInt64(x) }
                stack.append(Box(.value(.float(Double(bitPattern: v)))))
            case 0x4E: stack.append(Box(.value(.none)))                  // NONE
            case 0x88: stack.append(Box(.value(.bool(true))))            // NEWTRUE
            case 0x89: stack.append(Box(.value(.bool(false))))           // NEWFALSE
            case 0x8C: stack.append(Box(.value(.string(try text(try take(try uint(1)))))))   // SHORT_BINUNICODE
            case 0x58: stack.append(Box(.value(.string(try text(try take(try uint(4)))))))   // BINUNICODE
            case 0x8D: stack.append(Box(.value(.string(try text(try take(try uint(8)))))))   // BINUNICODE8
            case 0x43: stack.append(Box(.value(.bytes(Array(try take(try uint(1)))))))       // SHORT_BINBYTES
            case 0x42: stack.append(Box(.value(.bytes(Array(try take(try uint(4)))))))       // BINBYTES
            case 0x8E: stack.append(Box(.value(.bytes(Array(try take(try uint(8)))))))       // BINBYTES8
            case 0x96: stack.append(Box(.value(.bytes(Array(try take(try uint(8)))))))       // BYTEARRAY8
            case 0x71: memo[try uint(1)] = stack.last                    // BINPUT
            case 0x72: memo[try uint(4)] = stack.last                    // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                     // MEMOIZE
            case 0x68, 0x6A:                                             // BINGET, LONG_BINGET
                let k = try uint(op == 0x68 ? 1 : 4)
                guard let x = memo[k] else { throw fail("memo entry \(k) is not defined") }
                stack.append(x)
            case 0x63:                                                   // GLOBAL "module\nname\n"
                guard let nl1 = b[p...].firstIndex(of: 0x0A), let nl2 = b[(nl1 + 1)...].firstIndex(of: 0x0A),
                      nl2 - p < 512 else { throw fail("a malformed GLOBAL") }
                let name = try text(b[p..<nl1]) + "." + text(b[(nl1 + 1)..<nl2])
                p = nl2 + 1
                stack.append(try global(name))
            case 0x93:                                                   // STACK_GLOBAL
                let n = try pop(), m = try pop()
                guard case .value(.string(let module)) = m.kind, case .value(.string(let name)) = n.kind else {
                    throw fail("STACK_GLOBAL without module and name strings")
                }
                stack.append(try global(module + "." + name))
            case 0x52:                                                   // REDUCE
                let args = try pop(), f = try pop()
                stack.append(try reduce(f, args))
            case 0x62:                                                   // BUILD
                let state = try pop(), obj = try pop()
                try build(obj, state)
                stack.append(obj)
            default:
                throw fail(String(format: "opcode 0x%02X is not allowed here (Lariat reads only plain data and numpy arrays)", op))
            }
            guard stack.count < 1_000_000 else { throw fail("the stack grew past a million entries") }
        }
    }

    private func global(_ name: String) throws -> Box {
        guard Self.allowedGlobals.contains(name) else {
            throw fail("refused to load '\(name)': only numpy arrays and plain data are read from pickles, never code")
        }
        return Box(.global(name))
    }

    private func tupleItems(_ x: Box) throws -> [Box] {
        guard case .tuple(let t) = x.kind else { throw fail("expected a tuple of arguments") }
        return t
    }

    private func reduce(_ f: Box, _ args: Box) throws -> Box {
        guard case .global(let name) = f.kind else { throw fail("REDUCE of something that is not an allowed global") }
        let a = try tupleItems(args)
        switch name {
        case let n where n.hasSuffix("._reconstruct"): return Box(.array(nil))
        case "numpy.dtype":
            guard let first = a.first, case .value(.string(let code)) = first.kind else { throw fail("numpy.dtype without a type code") }
            return Box(.dtype(code: code, bigEndian: false))
        case let n where n.hasSuffix(".scalar"):
            guard a.count == 2, case .dtype(let code, let big) = a[0].kind, case .value(.bytes(let raw)) = a[1].kind else {
                throw fail("a numpy scalar without dtype and bytes")
            }
            let v = try decode(raw, code: code, bigEndian: big, count: 1)
            return Box(.value(code.hasPrefix("f") ? .float(v[0]) : code.hasPrefix("b") ? .bool(v[0] != 0) : .int(Int(v[0]))))
        case let n where n.hasSuffix("._frombuffer"):
            // Protocol 5's array: (buffer, dtype, shape, order).
            guard a.count == 4, case .value(.bytes(let raw)) = a[0].kind, case .dtype(let code, let big) = a[1].kind,
                  case .tuple(let dims) = a[2].kind, case .value(.string(let order)) = a[3].kind else {
                throw fail("a numpy buffer array without buffer, dtype, shape and order")
            }
            let (shape, count) = try arrayShape(dims)
            var values = try decode(raw, code: code, bigEndian: big, count: count)
            if order == "F" && shape.count > 1 { values = NPY.fortranToC(values, shape: shape) }
            return Box(.array(.array(shape: shape, values: values)))
        case "_codecs.encode":
            guard let first = a.first, case .value(.string(let s)) = first.kind else { throw fail("_codecs.encode without a string") }
            return Box(.value(.bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })))
        default:
            throw fail("'\(name)' cannot be called")
        }
    }

    /// BUILD: a dtype's byte order, or an array's (version, shape, dtype, fortran, data).
    private mutating func build(_ obj: Box, _ state: Box) throws {
        let s = try tupleItems(state)
        switch obj.kind {
        case .dtype(let code, _):
            guard s.count > 1, case .value(.string(let order)) = s[1].kind else { throw fail("a dtype state without byte order") }
            obj.kind = .dtype(code: code, bigEndian: order == ">")
        case .array:
            guard s.count == 5, case .tuple(let shapeBoxes) = s[1].kind, case .dtype(let code, let big) = s[2].kind,
                  case .value(.bool(let fortran)) = s[3].kind else { throw fail("an array state is malformed") }
            let (shape, count) = try arrayShape(shapeBoxes)
            if code.hasPrefix("O") {
                guard case .list(let items) = s[4].kind, items.count == count else { throw fail("an object array's elements do not match its shape \(shape)") }
                var elements: [PickleValue] = []
                for e in items { elements.append(try value(e, depth: 1)) }
                obj.kind = .array(.objectArray(shape: shape, elements: elements))
            } else {
                guard case .value(.bytes(let raw)) = s[4].kind else { throw fail("a numeric array without its bytes") }
                var values = try decode(raw, code: code, bigEndian: big, count: count)
                if fortran && shape.count > 1 { values = NPY.fortranToC(values, shape: shape) }
                obj.kind = .array(.array(shape: shape, values: values))
            }
        default:
            throw fail("BUILD on an object that is not a numpy array or dtype")
        }
    }

    /// An array's shape from its tuple of sizes, and its element count (overflow checked).
    private func arrayShape(_ dims: [Box]) throws -> (shape: [Int], count: Int) {
        var shape: [Int] = []
        var count = 1
        for x in dims {
            guard case .value(.int(let d)) = x.kind, d >= 0 else { throw fail("an array shape is malformed") }
            let (c, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw fail("an array shape is impossibly large") }
            shape.append(d); count = c
        }
        return (shape, count)
    }

    /// Raw numpy data of dtype `code` ("f8", "i4", "u1", "b1", ...) as Double.
    private func decode(_ raw: [UInt8], code: String, bigEndian: Bool, count: Int) throws -> [Double] {
        guard let dtype = NPY.DType(rawValue: code) else { throw fail("numpy dtype '\(code)' is not a numeric type Lariat reads") }
        let (need, o) = count.multipliedReportingOverflow(by: dtype.size)
        guard !o, raw.count == need else { throw fail("an array of \(count) x \(code) needs \(o ? "too many" : String(need)) bytes, has \(raw.count)") }
        var out = [Double](repeating: 0, count: count)
        raw.withUnsafeBytes { r in
            out.withUnsafeMutableBufferPointer { NPY.decode(r, dtype: dtype, bigEndian: bigEndian, count: count, into: $0.baseAddress!) }
        }
        return out
    }

    /// The plain value of a box.
    private mutating func value(_ x: Box, depth: Int) throws -> PickleValue {
        guard depth < maxDepth else { throw fail("containers nest deeper than \(maxDepth)") }
        converted += 1
        guard converted <= 4 * b.count + 1024 else { throw fail("the pickle refers to more values than its \(b.count) bytes can hold") }
        switch x.kind {
        case .value(let v): return v
        case .list(let l):
            var out: [PickleValue] = []
            for e in l { out.append(try value(e, depth: depth + 1)) }
            return .list(out)
        case .tuple(let t):
            var out: [PickleValue] = []
            for e in t { out.append(try value(e, depth: depth + 1)) }
            return .tuple(out)
        case .dict(let d):
            var out: [(key: PickleValue, value: PickleValue)] = []
            for (k, v) in d { out.append((try value(k, depth: depth + 1), try value(v, depth: depth + 1))) }
            return .dict(out)
        case .array(let a?): return a
        case .array(nil): throw fail("a numpy array was never filled in")
        case .dtype(let code, _): return .string(code)
        case .global(let g): throw fail("'\(g)' is not data")
        case .mark: throw fail("a MARK where a value was expected")
        }
    }
}
