import Foundation

/// What this kernel executed (with `store_history`), for `history_request`.
/// In memory, for as long as the kernel process lives, and bounded: the
/// newest `limit` entries at least, at most a tenth more (older ones are
/// dropped a tenth at a time, so recording stays O(1) amortised).
///
/// History is the one thing a kernel keeps per execution: heaptrack over
/// 2000 executions found nothing else retained (docs/hardening.md, "Kernel
/// under load"), about 170 bytes each for a one-line cell. The bound makes
/// that flat for a kernel that runs for days; frontends ask for far fewer
/// (JupyterLab's console: the last 1000 inputs).
struct History {
    struct Entry { var line: Int; var input: String; var output: String? }

    /// The session number reported in replies; one kernel run is one session.
    let session = 1
    /// The newest entries always kept.
    let limit: Int
    private(set) var entries: [Entry] = []

    init(limit: Int = 10_000) { self.limit = max(1, limit) }

    mutating func record(line: Int, input: String) {
        if entries.count >= limit + max(1, limit / 10) {
            // removeFirst keeps the capacity: the array is not reallocated.
            entries.removeFirst(entries.count - limit)
        }
        entries.append(Entry(line: line, input: input, output: nil))
    }

    mutating func setOutput(line: Int, _ text: String) {
        if let i = entries.lastIndex(where: { $0.line == line }) { entries[i].output = text }
    }

    /// The last `n` entries.
    func tail(_ n: Int) -> [Entry] { Array(entries.suffix(max(0, n))) }

    /// Lines in `start..<stop` of `session` (0 or negative: the current one).
    /// A `stop` of 0 or less means "to the end", as IPython's history does.
    func range(session: Int, start: Int, stop: Int?) -> [Entry] {
        guard session <= 0 || session == self.session else { return [] }
        return entries.filter { e in e.line >= start && (stop.map { s in s <= 0 || e.line < s } ?? true) }
    }

    /// Entries matching a glob (`*`, `?`), newest last; with `unique`, each
    /// input once (its last occurrence); at most `n` (the last ones) if given.
    func search(pattern: String, unique: Bool, n: Int?) -> [Entry] {
        let glob = Glob(pattern)
        var found = entries.filter { glob.matches($0.input) }
        if unique {
            var seen = Set<String>()
            found = found.reversed().filter { seen.insert($0.input).inserted }.reversed()
        }
        if let n, n > 0 { found = Array(found.suffix(n)) }
        return found
    }
}

/// Shell-style glob over whole strings: `*` any run, `?` one character.
struct Glob {
    private let pattern: [Character]
    init(_ pattern: String) { self.pattern = Array(pattern) }

    func matches(_ text: String) -> Bool {
        let s = Array(text)
        // Iterative matcher with backtracking to the last star: O(|s| |p|).
        var (i, j) = (0, 0)
        var star: Int? = nil, mark = 0
        while i < s.count {
            if j < pattern.count, pattern[j] == "?" || pattern[j] == s[i] { i += 1; j += 1 }
            else if j < pattern.count, pattern[j] == "*" { star = j; mark = i; j += 1 }
            else if let st = star { j = st + 1; mark += 1; i = mark }
            else { return false }
        }
        while j < pattern.count, pattern[j] == "*" { j += 1 }
        return j == pattern.count
    }
}
