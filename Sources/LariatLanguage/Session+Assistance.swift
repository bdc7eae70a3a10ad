import Foundation
import LariatModel

/// Whether a cell is ready to run (for Jupyter's is_complete and the
/// terminal prompt's continuation lines).
public enum Completeness: Equatable, Sendable {
    case complete
    /// Open brackets or a trailing operator: more lines would complete it.
    /// (An unclosed string is invalid: strings do not span lines.)
    case incomplete
    case invalid
}

extension Session {
    /// Completion for the word before `cursor` (a character offset):
    /// variables and builtins, field names after `.`, and keyword
    /// parameters inside a call.
    public func complete(_ code: String, cursor: Int) -> (matches: [String], start: Int, end: Int) {
        let chars = Array(code)
        let end = min(max(0, cursor), chars.count)
        var start = end
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" { start -= 1 }
        let prefix = String(chars[start..<end])
        var candidates: [String] = []
        if start > 0, chars[start - 1] == "." {
            // Field names of the value the dotted path before the dot names.
            var pathStart = start - 1
            while pathStart > 0, chars[pathStart - 1].isLetter || chars[pathStart - 1].isNumber
                    || chars[pathStart - 1] == "_" || chars[pathStart - 1] == "." { pathStart -= 1 }
            let path = String(chars[pathStart..<(start - 1)]).split(separator: ".").map(String.init)
            if let v = resolve(path) { candidates = fieldNames(of: v) }
        } else {
            if let fn = enclosingCall(chars, before: start), let b = builtinNamed(fn) {
                candidates += b.parameters.filter { !$0.variadic }.map { $0.name + "=" }
            }
            candidates += variables.keys.sorted() + BuiltinRegistry.names + ["true", "false", "none", "and", "or", "not"]
        }
        var seen = Set<String>()
        let matches = candidates.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
        return (matches, start, end)
    }

    /// Help for the name at `cursor`: a builtin's documentation, or a
    /// variable's value.
    public func inspect(_ code: String, cursor: Int) -> Display? {
        let chars = Array(code)
        guard !chars.isEmpty else { return nil }
        var i = min(max(0, cursor), chars.count)
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        // On or just after a word; else the call the cursor is inside.
        if i == chars.count || !isWord(chars[i]) {
            if i > 0, isWord(chars[i - 1]) { i -= 1 }
            else if let fn = enclosingCall(chars, before: i), let b = builtinNamed(fn) {
                return Display(data: ["text/plain": b.helpText], metadata: [:], png: nil, kind: "help")
            } else { return nil }
        }
        var s = i, e = i
        while s > 0, isWord(chars[s - 1]) { s -= 1 }
        while e < chars.count, isWord(chars[e]) { e += 1 }
        let word = String(chars[s..<e])
        if let v = variables[word] {
            var d = v.display()
            d.data["text/plain"] = "\(word): \(v.typeName)\n" + v.plainText()
            return d
        }
        if let b = BuiltinRegistry.lookup(word) {
            return Display(data: ["text/plain": b.helpText], metadata: [:], png: nil, kind: "help")
        }
        return nil
    }

    /// Complete, incomplete (open brackets, a string left open at the end,
    /// a trailing operator or comma) or invalid.
    public func completeness(_ code: String) -> Completeness {
        if Lexer.endsOpen(code) { return .incomplete }
        do {
            _ = try Parser.parseProgram(code)
            return .complete
        } catch let e as LariatError {
            if e.message.contains("end of input") || e.message.contains("before the end of the line") {
                // `x = 1 +` at the very end: the next line may finish it.
                let lastLine = code.split(separator: "\n", omittingEmptySubsequences: true).count
                if e.location?.line ?? 0 >= lastLine { return .incomplete }
            }
            return .invalid
        } catch {
            return .invalid
        }
    }

    private func builtinNamed(_ name: String) -> Builtin? {
        if case .builtin(let b)? = variables[name] { return b }
        return variables[name] == nil ? BuiltinRegistry.lookup(name) : nil
    }

    private func resolve(_ path: [String]) -> Value? {
        guard let first = path.first, var v = variables[first] else { return nil }
        for name in path.dropFirst() {
            guard case .record(let r) = v, let f = r[name] else { return nil }
            v = f
        }
        return v
    }

    private func fieldNames(of v: Value) -> [String] {
        switch v {
        case .record(let r): return r.fieldNames
        case .array: return ["shape", "ndim", "size", "T"]
        case .figure: return ["width", "height"]
        default: return []
        }
    }

    /// The name of the innermost unclosed call before `index`, if any.
    private func enclosingCall(_ chars: [Character], before index: Int) -> String? {
        var depth = 0
        var i = index - 1
        var inString: Character? = nil
        // Scan backwards; strings are rare enough in calls that a simple
        // quote toggle suffices.
        while i >= 0 {
            let c = chars[i]
            if let q = inString { if c == q { inString = nil } }
            else if c == "\"" || c == "'" { inString = c }
            else if c == ")" || c == "]" { depth += 1 }
            else if c == "[" { depth -= 1; if depth < 0 { return nil } }
            else if c == "(" {
                if depth == 0 {
                    var e = i, s = i
                    while s > 0, chars[s - 1].isLetter || chars[s - 1].isNumber || chars[s - 1] == "_" { s -= 1 }
                    e = i
                    return s < e ? String(chars[s..<e]) : nil
                }
                depth -= 1
            }
            i -= 1
        }
        return nil
    }
}
