import Foundation
import LariatModel
import LariatFigures

/// A value rendered for people: a mime bundle (text/plain always;
/// text/html and image/png where the value has them). The kernel and
/// `lariat run` share this one display path.
public struct Display {
    public var data: [String: String]
    /// Per-type metadata, e.g. image/png width and height.
    public var metadata: [String: [String: Int]]
    /// The PNG bytes of a figure (also base64 in `data["image/png"]`).
    public var png: [UInt8]?
    /// What was shown: "plot", "heatmap", ... for figures; else the type name.
    public var kind: String

    public var text: String { data["text/plain"] ?? "" }
}

extension Value {
    /// The mime bundle for this value.
    public func display() -> Display {
        switch self {
        case .figure(let f):
            return Display(data: ["text/plain": f.description, "image/png": Data(f.png).base64EncodedString()],
                           metadata: ["image/png": ["width": f.width, "height": f.height]], png: f.png, kind: f.kind)
        case .record(let r):
            return Display(data: ["text/plain": plainText(), "text/html": r.html()], metadata: [:], png: nil, kind: r.kind)
        case .array(let a) where a.rank == 3:
            // A movie shows a few frames beside its summary; it is not a
            // figure, so `png` stays nil (headless runs print its text).
            var d = Display(data: ["text/plain": plainText()], metadata: [:], png: nil, kind: typeName)
            if let f = moviePreview(a) {
                d.data["image/png"] = Data(f.png).base64EncodedString()
                d.metadata["image/png"] = ["width": f.width, "height": f.height]
            }
            return d
        case .movie(let m):
            var d = Display(data: ["text/plain": plainText()], metadata: [:], png: nil, kind: typeName)
            if let f = moviePreview(m) {
                d.data["image/png"] = Data(f.png).base64EncodedString()
                d.metadata["image/png"] = ["width": f.width, "height": f.height]
            }
            return d
        case .array(let a) where a.displaysAsImage && a.rank == 2 && a.count > 0:
            // A map to look at (contributions' `.map`): shown as an image with
            // a colour bar, in a notebook and as a PNG from `lariat run`.
            var d = Display(data: ["text/plain": plainText()], metadata: [:], png: nil, kind: "image")
            if let f = try? Figure.image(a.data, width: a.shape[1], height: a.shape[0], colormap: .hot, colorbarLabel: "value") {
                d.data["image/png"] = Data(f.png).base64EncodedString()
                d.metadata["image/png"] = ["width": f.width, "height": f.height]
                d.png = f.png
            }
            return d
        case .array(let a) where a.rank == 2 && a.count <= 400 && a.count > 0:
            return Display(data: ["text/plain": plainText(), "text/html": arrayHTML(a)], metadata: [:], png: nil, kind: typeName)
        default:
            return Display(data: ["text/plain": plainText()], metadata: [:], png: nil, kind: typeName)
        }
    }

    /// The text/plain form. Strings are quoted when `quoted` (as results
    /// and inside containers), bare when printed.
    public func plainText(quoted: Bool = true, limit: Int? = nil) -> String {
        switch self {
        case .none: return "none"
        case .number(let v): return formatNumber(v)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s):
            guard quoted else { return s }
            let body = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            if let limit, body.count > limit { return "\"" + body.prefix(limit) + "…\"" }
            return "\"" + body + "\""
        case .list(let items):
            var parts: [String] = []
            var length = 0
            for v in items {
                let t = v.plainText(quoted: true, limit: 40)
                length += t.count + 2
                if let limit, length > limit { parts.append("… \(items.count - parts.count) more"); break }
                parts.append(t)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .range(let a, let b, let s):
            var t = (a.map(formatNumber) ?? "") + ":" + (b.map(formatNumber) ?? "")
            if let s { t += ":" + formatNumber(s) }
            return t
        case .array(let a):
            return limit != nil ? arraySummary(a) : arrayText(a)
        case .movie(let m):
            return limit != nil ? movieSummary(m) : movieText(m)
        case .record(let r):
            if limit != nil { return "<\(r.kind)>" }
            return r.plainText()
        case .figure(let f):
            return f.description
        case .builtin(let b):
            return limit != nil ? "<builtin \(b.name)>" : "<builtin \(b.signature)>\n\(b.summary)"
        }
    }

    /// A short description for error messages: "a string \"abc\"", "an array of shape [2, 3]".
    var describedForError: String {
        switch self {
        case .array(let a): return "\(a.rank == 3 ? "a movie" : "an array") of shape \(formatShape(a.shape))"
        case .movie(let m): return "a movie of shape \(formatShape(m.shape))"
        case .record(let r): return article(r.kind)
        case .none: return "none"
        default: return article(typeName) + " " + plainText(quoted: true, limit: 30)
        }
    }
}

/// `array [3, 4] float64` — the one-line form used inside records and lists.
func arraySummary(_ a: NDArray) -> String {
    "\(a.rank == 3 ? "movie" : "array") \(formatShape(a.shape)) float64"
}

/// `movie [2000, 128, 128] uint16`, and where a lazy movie's frames are.
func movieSummary(_ m: Movie) -> String {
    "movie \(formatShape(m.shape)) \(m.elementType)" + (m.lazyPath.map { ", lazy (frames read from \($0))" } ?? "")
}

/// A movie in memory small enough to look at shows its values as an
/// array does (with its own element type); a large or lazy one its summary.
func movieText(_ m: Movie) -> String {
    // Up to 8 MiB as float64; a larger movie shows its summary line only.
    guard !m.isLazy, m.frameCount * m.frameSize <= 1 << 20, let a = try? m.doubles() else { return movieSummary(m) }
    let text = arrayText(a)
    return movieSummary(m) + text.dropFirst(arraySummary(a).count)
}

/// The multi-line form: the summary line, statistics for large arrays,
/// and a few values in numpy's nested-bracket layout.
func arrayText(_ a: NDArray) -> String {
    var s = arraySummary(a)
    if a.count == 0 { return s + "\n[]" }
    if a.rank == 0 { return formatNumber(a.data[0]) }
    if a.count > 16 {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0
        for v in a.data { lo = min(lo, v); hi = max(hi, v); sum += v }
        s += "  min \(short(lo))  max \(short(hi))  mean \(short(sum / Double(a.count)))"
    }
    if a.rank <= 2 {
        s += "\n" + nested(a, axis: 0, offset: 0, indent: 0)
    } else if a.rank == 3 {
        // A few values: the first frame (and the last, past two frames), as numpy nests them.
        let t = a.shape[0], per = a.shape[1] * a.shape[2]
        func frame(_ i: Int) -> String {
            let f = NDArray(shape: Array(a.shape.dropFirst()), data: Array(a.data[(i * per)..<((i + 1) * per)]))
            return nested(f, axis: 0, offset: 0, indent: 1)
        }
        let shown = t <= 2 ? (0..<t).map(frame) : [frame(0), "…", frame(t - 1)]
        s += "\n[" + shown.joined(separator: ",\n\n ") + "]"
    }
    return s
}

private func short(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e7 { return formatNumber(v) }
    return String(format: "%.4g", v)
}

/// Every value up to 100 of them; past that, as numpy summarises (it
/// does past 1000), the middle of each axis longer than 6 elided.
private func nested(_ a: NDArray, axis: Int, offset: Int, indent: Int) -> String {
    let n = a.shape[axis]
    let stride = a.strides[axis]
    let shown: [Int?] = n > 6 && a.count > 100 ? [0, 1, 2, nil, n - 3, n - 2, n - 1] : Array(0..<n)
    if axis == a.rank - 1 {
        return "[" + shown.map { i in i.map { short(a.data[offset + $0 * stride]) } ?? "…" }.joined(separator: ", ") + "]"
    }
    let inner = shown.map { i in
        i.map { nested(a, axis: axis + 1, offset: offset + $0 * stride, indent: indent + 1) } ?? "…"
    }
    return "[" + inner.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
}

private func arrayHTML(_ a: NDArray) -> String {
    var s = "<table><caption>\(htmlEscape(arraySummary(a)))</caption>"
    for i in 0..<a.shape[0] {
        s += "<tr>" + (0..<a.shape[1]).map { "<td>\(short(a[i, $0]))</td>" }.joined() + "</tr>"
    }
    return s + "</table>"
}

extension Record {
    /// `field: value` lines under the record's kind (exactly that form,
    /// unindented and unpadded, so `pvalue: 0.03` can be found as written).
    func plainText() -> String {
        var lines = [kind]
        for (name, value) in fields {
            let text: String
            if case .record(let r) = value, r.fields.count <= 16 {
                text = "\n" + r.plainText().split(separator: "\n").dropFirst().map { "  " + $0 }.joined(separator: "\n")
            } else {
                text = value.plainText(quoted: true, limit: 60)
            }
            lines.append(name + ":" + (text.hasPrefix("\n") ? text : " " + text))
        }
        return lines.joined(separator: "\n")
    }

    /// An HTML table of the fields (and the record's figure, if any).
    func html() -> String {
        var s = "<table class=\"lariat-record\"><caption style=\"text-align:left;font-weight:bold\">\(htmlEscape(kind))</caption>"
        for (name, value) in fields {
            let cell: String
            switch value {
            case .record(let r): cell = r.html()
            // Tables show 6 significant digits; the value (and its text) keeps full precision.
            case .number(let v) where v.isFinite && v != v.rounded(): cell = htmlEscape(String(format: "%.6g", v))
            default: cell = htmlEscape(value.plainText(quoted: true, limit: 80))
            }
            s += "<tr><th style=\"text-align:left\">\(htmlEscape(name))</th><td style=\"text-align:left\">\(cell)</td></tr>"
        }
        s += "</table>"
        if let f = figure {
            s += "<img src=\"data:image/png;base64,\(Data(f.png).base64EncodedString())\" width=\"\(f.width)\" height=\"\(f.height)\"/>"
        }
        return s
    }
}
