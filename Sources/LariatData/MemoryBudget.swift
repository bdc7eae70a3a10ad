import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory a request may take, asked before anything is allocated:
/// sizes read from files, `simulate` and `zeros` are checked here so an
/// absurd or merely too large request is an error naming the size, never
/// an abort in the allocator or an out-of-memory kill (which in a notebook
/// takes the kernel and every variable with it).
///
/// Sizes multiply with overflow checks (`multipliedReportingOverflow`): the
/// model target is compiled `-Ounchecked`, where a wrapped product would
/// be a small, wrong allocation rather than a trap.
public enum MemoryBudget {
    /// The product of `factors`, or nil when it is negative or overflows `Int`.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (q, overflow) = p.multipliedReportingOverflow(by: f)
            guard !overflow else { return nil }
            p = q
        }
        return p
    }

    /// `a * b` (both non-negative), or nil on overflow.
    public static func product(_ a: Int, _ b: Int) -> Int? { product([a, b]) }

    /// `a + b` (both non-negative), or nil on overflow.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        guard a >= 0, b >= 0 else { return nil }
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : s
    }

    /// Bytes this process can still allocate: the system's `MemAvailable`
    /// (/proc/meminfo), capped by the address-space limit (`RLIMIT_AS`, as
    /// `ulimit -v` or `prlimit --as` set it) less what the process already
    /// maps. Nil where neither is known (not Linux, no limit).
    public static func availableBytes() -> Int? {
        var limit: Int?
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let kb = field("MemAvailable:", in: text) {
            limit = kb * 1024
        }
        var rl = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur < rlim_t(Int.max) {
            var room = Int(rl.rlim_cur)
            if let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
               let kb = field("VmSize:", in: text) {
                room -= kb * 1024
            }
            limit = min(limit ?? Int.max, max(room, 0))
        }
        return limit
    }

    /// The number after `key` in a `/proc` text (kB for the memory fields).
    private static func field(_ key: String, in text: String) -> Int? {
        guard let r = text.range(of: key) else { return nil }
        let rest = text[r.upperBound...].drop { $0 == " " || $0 == "\t" }
        return Int(rest.prefix { $0.isNumber })
    }

    /// Nil when `bytes` fits in the memory available now; otherwise the
    /// sentence saying how much was asked and how much there is.
    public static func shortfall(bytes: Int?, what: String) -> String? {
        guard let bytes else { return "\(what) has more elements than can be counted (its sizes overflow 64 bits)" }
        guard let free = availableBytes(), bytes > free else { return nil }
        return "\(what) needs \(format(bytes)), more than the \(format(free)) of memory available"
    }

    /// Bytes for people: `12.5 GB`, `340 MB`, `2 KB`.
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1e12 { return String(format: "%.1f TB", b / 1e12) }
        if b >= 1e9 { return String(format: "%.1f GB", b / 1e9) }
        if b >= 1e6 { return String(format: "%.0f MB", b / 1e6) }
        if b >= 1e3 { return String(format: "%.0f KB", b / 1e3) }
        return "\(bytes) bytes"
    }

    /// Throws a `DataFileError` for `path` when a result of `elements`
    /// values (8 bytes each, as Double) does not fit, suggesting the
    /// options that shrink it.
    static func checkLoad(elements: [Int], path: String) throws {
        let bytes = product(elements).flatMap { product($0, 8) }
        if let s = shortfall(bytes: bytes, what: "the result \(elements.map(String.init).joined(separator: " x ")) (as float64)") {
            throw DataFileError(path: path, problem: s + "; load fewer frames with frames=a:b, or average k x k blocks with downsample=k")
        }
    }
}
