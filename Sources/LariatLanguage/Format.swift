import Foundation

/// How numbers print everywhere: whole values without a decimal point
/// (`6/2` shows `3`), others in shortest round-trip form (`2.5`, `0.1`).
public func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), abs(v) < 1e16 {
        if v == 0 { return "0" } // also -0
        return String(Int64(v))
    }
    return "\(v)"
}

/// Shapes and integer lists print as `[2, 3]`.
func formatShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// Escapes text for HTML output.
func htmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
