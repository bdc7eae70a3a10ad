#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps data values on one axis to pixel positions, linearly or logarithmically.
///
/// `lower`/`upper` are the data limits; `start`/`end` the pixel positions they map to
/// (for a y axis `start` is the bottom). A reversed axis simply swaps the pixel ends.
struct Scale {
    var lower: Double
    var upper: Double
    var log: Bool
    var start: Double = 0
    var end: Double = 1

    @inline(__always)
    func transform(_ v: Double) -> Double { log ? (v > 0 ? log10(v) : -.infinity) : v }

    /// Pixel position of `v`; non-positive values on a log axis map to -inf (a gap).
    @inline(__always)
    func pixel(_ v: Double) -> Double {
        let a = transform(lower), b = transform(upper)
        let u = (transform(v) - a) / (b - a)
        return start + u * (end - start)
    }

    /// Data limits with a 5% margin (in the transformed space) around `values`; a
    /// degenerate range is widened so the axis is never empty.
    static func limits(_ values: [Double], log: Bool, margin: Double = 0.05) -> (Double, Double)? {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && (!log || v > 0) {
            let t = log ? log10(v) : v
            lo = min(lo, t); hi = max(hi, t)
        }
        guard lo.isFinite else { return nil }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let d = log ? 0.5 : (lo == 0 ? 1 : abs(lo) * 0.1)
            lo -= d; hi += d
        } else {
            let d = (hi - lo) * margin
            lo -= d; hi += d
        }
        return log ? (pow(10, lo), pow(10, hi)) : (lo, hi)
    }
}
