import Dispatch

/// How a parallel loop splits its work: into chunks that depend only on the
/// size of the work, never on the machine, so that a reduction (partial
/// sums per chunk, added in chunk order) gives the same bits on 1 core, 2
/// cores or 64, and whichever thread runs which chunk.
///
///     let chunks = WorkChunks(count: frames)
///     var partial = [Float](repeating: 0, count: chunks.count * length)
///     chunks.run { c, range in ... write partial[c * length ..< (c + 1) * length] ... }
///     for c in 0..<chunks.count { ... add chunk c's partial ... }     // fixed order
///
/// Before this, loops used `4 x cores` slices, so a model trained on one
/// core differed in its last bits from the same model trained on two.
struct WorkChunks {
    /// At most this many chunks per loop. Fixed (not `cores x k`) so the
    /// partition is the same everywhere; 16 keeps partial buffers small and
    /// still balances 2 to 16 cores. TODO: machines with more cores use at
    /// most 16 threads in these loops.
    static let maximum = 16

    /// The number of items split, and the number of chunks.
    let items: Int
    let count: Int

    /// `items` split into `min(maximum, items / minimumPerChunk)` chunks (at least one when `items > 0`).
    init(count items: Int, minimumPerChunk: Int = 1) {
        self.items = items
        self.count = items <= 0 ? 0 : min(Self.maximum, max(1, items / max(1, minimumPerChunk)))
    }

    /// Chunk `c`'s items: contiguous, covering `0..<items` exactly once.
    func range(_ c: Int) -> Range<Int> { (items * c / count)..<(items * (c + 1) / count) }

    /// Runs `body(c, range(c))` for every chunk on the worker threads.
    func run(_ body: (Int, Range<Int>) -> Void) {
        Workers.perform(count) { c in
            let r = range(c)
            if !r.isEmpty { body(c, r) }
        }
    }
}

/// The threads that run chunks. By default `DispatchQueue.concurrentPerform`
/// spreads them over the machine's cores. `Workers.$limit.withValue(n) { ... }`
/// runs the chunks inside on `n` workers (chunk `c` on worker `c mod n`; 1:
/// all on the caller): a scoped setting, never a global switch, which tests
/// use to show that results do not depend on it. It changes only which
/// thread runs a chunk, never the chunks.
enum Workers {
    @TaskLocal static var limit: Int? = nil

    static func perform(_ iterations: Int, _ body: (Int) -> Void) {
        guard iterations > 0 else { return }
        if iterations == 1 { body(0); return }
        switch limit {
        case nil:
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        case let n? where n <= 1:
            for i in 0..<iterations { body(i) }
        case let n?:
            DispatchQueue.concurrentPerform(iterations: min(n, iterations)) { w in
                for i in stride(from: w, to: iterations, by: min(n, iterations)) { body(i) }
            }
        }
    }
}

/// Runs `body(range)` over `0..<count` split into `WorkChunks`. Every index
/// is visited by exactly one chunk, so writes to per-index regions need no
/// locks and results do not depend on scheduling.
func parallelFor(_ count: Int, minimumPerSlice: Int = 1, _ body: (Range<Int>) -> Void) {
    WorkChunks(count: count, minimumPerChunk: minimumPerSlice).run { _, r in body(r) }
}
