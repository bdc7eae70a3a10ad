/// The ONE registry of builtins. Each area lists its builtins in its own
/// file under Builtins/; `help`, completion, inspection and the language
/// reference in docs/ are all generated from here.
public enum BuiltinRegistry {
    /// Every builtin, sorted by name.
    public static let all: [Builtin] = {
        let list = core + data + lasso + figures + model + analysis + cells
        return list.sorted { $0.name < $1.name }
    }()

    private static let byName: [String: Builtin] = {
        var d: [String: Builtin] = [:]
        for b in all {
            precondition(d[b.name] == nil, "builtin '\(b.name)' is registered twice")
            d[b.name] = b
        }
        return d
    }()

    public static func lookup(_ name: String) -> Builtin? { byName[name] }

    public static var names: [String] { all.map(\.name) }

    /// The language reference (Markdown) for docs/language-reference.md.
    public static func markdownReference() -> String {
        var s = "# Lariat builtins\n\nGenerated from the builtin registry by `lariat reference`; do not edit by hand.\n\n"
        for b in all { s += "- [`\(b.name)`](#\(b.name)): \(b.summary)\n" }
        for b in all {
            s += "\n## \(b.name)\n\n```\n\(b.signature)\n```\n\n\(b.summary)\n"
            if !b.parameters.isEmpty {
                s += "\n| parameter | type | default | meaning |\n|---|---|---|---|\n"
                for p in b.parameters {
                    let d = p.variadic ? "any number" : (p.defaultValue.map { "`\($0.plainText(quoted: true, limit: 30))`" } ?? "required")
                    s += "| `\(p.name)` | \(p.type.name) | \(d) | \(p.documentation.replacingOccurrences(of: "|", with: "\\|")) |\n"
                }
            }
            if !b.documentation.isEmpty { s += "\n" + b.documentation + "\n" }
        }
        return s
    }
}
