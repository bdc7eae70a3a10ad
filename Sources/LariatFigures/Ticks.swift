#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tick on an axis: its data value, its label ("" for minor ticks) and whether it is major.
struct Tick {
    var value: Double
    var label: String
    var major: Bool = true
}

enum Ticks {
    /// The "nice" step (1, 2 or 5 times a power of ten) giving about `target` intervals over `span`.
    static func niceStep(span: Double, target: Int) -> Double {
        let raw = span / Double(max(1, target))
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        let f = raw / p
        let m: Double = f < 1.5 ? 1 : (f < 3.5 ? 2 : (f < 7.5 ? 5 : 10))
        return m * p
    }

    /// Linear ticks at multiples of a nice step inside [lo, hi], labelled with just enough decimals.
    static func linear(_ lo: Double, _ hi: Double, target: Int) -> [Tick] {
        let a = min(lo, hi), b = max(lo, hi)
        let step = niceStep(span: b - a, target: target)
        let first = ceil(a / step - 1e-9), last = floor(b / step + 1e-9)
        guard last >= first, last - first < 1000 else { return [] }
        let values = stride(from: first, through: last, by: 1).map { $0 * step }
        return values.map { Tick(value: $0, label: format($0, step: step)) }
    }

    /// Decade ticks on a log axis, labelled 10ⁿ, with unlabelled minor ticks at 2..9.
    /// Spans shorter than about one decade also label the 2 and 5 multiples.
    static func log(_ lo: Double, _ hi: Double) -> [Tick] {
        let a = min(lo, hi), b = max(lo, hi)
        guard a > 0 else { return [] }
        let e0 = Int(floor(log10(a) - 1e-9)), e1 = Int(ceil(log10(b) + 1e-9))
        let decades = e1 - e0
        let every = max(1, Int((Double(decades) / 8).rounded(.up)))
        var out: [Tick] = []
        var majorsInRange = 0
        for e in e0...e1 where e % every == 0 {
            let v = pow(10, Double(e))
            if v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9) { majorsInRange += 1 }
        }
        let labelMinor = majorsInRange < 2
        for e in e0...e1 {
            let d = pow(10, Double(e))
            for m in 1...9 {
                let v = Double(m) * d
                guard v >= a * (1 - 1e-9), v <= b * (1 + 1e-9) else { continue }
                if m == 1 && e % every == 0 {
                    out.append(Tick(value: v, label: labelMinor ? format(v, step: d) : power(e)))
                } else if labelMinor && (m == 2 || m == 5) {
                    out.append(Tick(value: v, label: format(v, step: d)))
                } else if every == 1 || m == 1 {
                    out.append(Tick(value: v, label: "", major: false))
                }
            }
        }
        return out
    }

    /// "10⁻³" with Unicode superscripts.
    static func power(_ e: Int) -> String {
        let sup: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var s = "10"
        if e < 0 { s.append("⁻") }
        for ch in String(abs(e)) { s.append(sup[Int(String(ch))!]) }
        return s
    }

    /// Formats a tick value: fixed decimals matching `step`, or compact scientific
    /// notation ("2e-5", "1.5e6") for very large or very small magnitudes.
    static func format(_ v: Double, step: Double) -> String {
        if abs(v) < step * 1e-6 { return "0" }
        let mag = abs(v)
        if mag >= 1e5 || mag < 1e-3 {
            let e = Int(floor(log10(mag)))
            var m = v / pow(10, Double(e))
            // Mantissa digits from the step relative to this decade.
            let digits = max(0, min(6, Int(ceil(-log10(step / pow(10, Double(e))) - 1e-9))))
            m = (m * pow(10, Double(digits))).rounded() / pow(10, Double(digits))
            if abs(m) >= 10 { return format(v, step: step * 10) }
            return trimmed(m, digits) + "e" + String(e)
        }
        let decimals = max(0, min(10, Int(ceil(-log10(step) - 1e-9))))
        return trimmed(v, decimals)
    }

    /// Fixed-point with at most `decimals` decimals, trailing zeros removed ("-0" becomes "0").
    static func trimmed(_ v: Double, _ decimals: Int) -> String {
        let scale = pow(10, Double(decimals))
        let r = (v * scale).rounded() / scale
        if r == 0 { return "0" }
        let neg = r < 0
        let units = (abs(r) * scale).rounded()
        var whole = String(format: units, divisor: scale)
        if neg { whole = "−" + whole }  // typographic minus, as matplotlib
        return whole
    }
}

extension String {
    // Decimal rendering of units/scale without Foundation's String(format:).
    init(format units: Double, divisor: Double) {
        let intPart = (units / divisor).rounded(.down)
        var frac = units - intPart * divisor
        var s = String(Int64(intPart))
        if divisor > 1 {
            var digits = ""
            var d = divisor / 10
            while d >= 1 {
                let q = (frac / d).rounded(.down)
                digits.append(String(Int(q)))
                frac -= q * d
                d /= 10
            }
            while digits.hasSuffix("0") { digits.removeLast() }
            if !digits.isEmpty { s += "." + digits }
        }
        self = s
    }
}
