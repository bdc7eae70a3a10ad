import Foundation
import LariatModel

/// Records out of Lariat, for the people who continue in Python or R:
/// `save(r, "x.json")` writes every field (arrays as nested lists, as
/// numpy's `tolist()`); `save(r, "x.csv")` writes the record as a table
/// when it is one (see `csv`).
enum RecordExport {
    /// The record as JSON text. Numbers keep their shortest round-trip form
    /// (`json.load` gives back the same float64); NaN and infinities, which
    /// JSON cannot hold, become null. Figures are named, not embedded.
    static func json(_ r: Record) -> String {
        var out = ""
        write(.record(r), into: &out, indent: 0)
        return out + "\n"
    }

    private static func number(_ v: Double) -> String {
        v.isFinite ? ArraySaver.csvText(v) : "null"
    }

    private static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    private static func write(_ v: Value, into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        switch v {
        case .none: out += "null"
        case .number(let x): out += number(x)
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): out += string(s)
        case .list(let items):
            out += "["
            for (i, x) in items.enumerated() { if i > 0 { out += ", " }; write(x, into: &out, indent: indent + 1) }
            out += "]"
        case .range: out += string(v.plainText(quoted: false))
        case .array(let a): nested(a, axis: 0, offset: 0, into: &out)
        case .movie(let m):
            if let a = try? m.doubles() { nested(a, axis: 0, offset: 0, into: &out) } else { out += string(movieSummary(m)) }
        case .record(let r):
            out += "{\n"
            out += pad + "\"kind\": " + string(r.kind)
            for f in r.fields {
                out += ",\n" + pad + string(f.name) + ": "
                write(f.value, into: &out, indent: indent + 1)
            }
            out += "\n" + String(repeating: "  ", count: indent) + "}"
        case .figure(let f): out += string("figure: \(f.description)")
        case .builtin(let b): out += string("builtin \(b.name)")
        }
    }

    /// An array as nested lists along its axes (a 0-d array is a number).
    private static func nested(_ a: NDArray, axis: Int, offset: Int, into out: inout String) {
        guard axis < a.rank else { out += number(a.data[offset]); return }
        let stride = a.shape[(axis + 1)...].reduce(1, *)
        out += "["
        for i in 0..<a.shape[axis] {
            if i > 0 { out += ", " }
            nested(a, axis: axis + 1, offset: offset + i * stride, into: &out)
        }
        out += "]"
    }

    /// The record as CSV, when it is a table: either every field a scalar
    /// (rows `name,value`), or every field a vector of one length, scalars
    /// allowed beside them and repeated (columns named by the fields).
    /// - Throws: `BuiltinError` naming the first field that is neither.
    static func csv(_ r: Record, path: String) throws -> String {
        func cell(_ v: Value) -> String? {
            switch v {
            case .number(let x): return ArraySaver.csvText(x)
            case .bool(let b): return b ? "true" : "false"
            case .string(let s): return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            default: return nil
            }
        }
        let columns = r.fields.compactMap { f -> (String, NDArray)? in
            if case .array(let a) = f.value, a.rank == 1 { return (f.name, a) }
            return nil
        }
        if columns.isEmpty {
            var text = "name,value\n"
            for f in r.fields {
                guard let c = cell(f.value) else {
                    throw BuiltinError("save(): \(path): field '\(f.name)' (\(f.value.typeName)) is not a table cell; save the record to .json, or the field alone (save(r.\(f.name), ...))", kind: .io)
                }
                text += "\(cell(.string(f.name))!),\(c)\n"
            }
            return text
        }
        let n = columns[0].1.count
        var names: [String] = [], cells: [(Int) -> String] = []
        for f in r.fields {
            if case .array(let a) = f.value, a.rank == 1, a.count == n {
                names.append(f.name); cells.append { ArraySaver.csvText(a.data[$0]) }
            } else if let c = cell(f.value) {
                names.append(f.name); cells.append { _ in c }
            } else {
                throw BuiltinError("save(): \(path): field '\(f.name)' (\(f.value.typeName)\(f.value.shapeText)) is not a column of \(n) values; save the record to .json, or the field alone (save(r.\(f.name), ...))", kind: .io)
            }
        }
        var text = names.map { cell(.string($0))! }.joined(separator: ",") + "\n"
        for i in 0..<n { text += cells.map { $0(i) }.joined(separator: ",") + "\n" }
        return text
    }
}

private extension Value {
    var shapeText: String {
        if case .array(let a) = self { return " " + a.shape.map(String.init).joined(separator: " x ") }
        return ""
    }
}
