import LariatModel

/// Python's indexing: 0-based, negative indices count from the end,
/// half-open slices `a:b` (with an optional step), one index per axis.
enum Indexing {
    /// One axis's selection: a single position (drops the axis) or a slice.
    enum Selector {
        case index(Double)
        case slice(Double?, Double?, Double?)

        init(_ v: Value) throws {
            switch v {
            case .number(let x): self = .index(x)
            case .range(let a, let b, let s): self = .slice(a, b, s)
            case .bool: throw BuiltinError("an index must be a number or a slice a:b, got a boolean", kind: .type)
            default: throw BuiltinError("an index must be a number or a slice a:b, got \(v.describedForError)", kind: .type)
            }
        }

        /// The positions selected along an axis of length `n`.
        func positions(count n: Int, axis: Int) throws -> (positions: [Int], keepsAxis: Bool) {
            switch self {
            case .index(let x):
                guard x == x.rounded(), x.isFinite else { throw BuiltinError("index \(formatNumber(x)) is not a whole number", kind: .index) }
                let i = x < 0 ? Int(x) + n : Int(x)
                guard i >= 0, i < n else {
                    throw BuiltinError("index \(formatNumber(x)) is out of range for axis \(axis) of length \(n)", kind: .index)
                }
                return ([i], false)
            case .slice(let a, let b, let s):
                for e in [a, b, s] { if let e, e != e.rounded() || !e.isFinite { throw BuiltinError("slice bounds must be whole numbers", kind: .index) } }
                let step = Int(s ?? 1)
                guard step != 0 else { throw BuiltinError("a slice step cannot be zero", kind: .index) }
                func clamp(_ v: Double?, _ def: Int) -> Int {
                    guard let v else { return def }
                    var i = Int(v)
                    if i < 0 { i += n }
                    return step > 0 ? min(max(i, 0), n) : min(max(i, -1), n - 1)
                }
                let lo = clamp(a, step > 0 ? 0 : n - 1)
                let hi = clamp(b, step > 0 ? n : -1)
                return (Array(Swift.stride(from: lo, to: hi, by: step)), true)
            }
        }
    }

    static func index(_ base: Value, _ items: [Value]) throws -> Value {
        switch base {
        case .array(let a):
            return try indexArray(a, items.map(Selector.init))
        case .movie(let m):
            return try indexMovie(m, items.map(Selector.init))
        case .list(let xs):
            guard items.count == 1 else { throw BuiltinError("a list takes one index, got \(items.count)", kind: .index) }
            let (p, keeps) = try Selector(items[0]).positions(count: xs.count, axis: 0)
            return keeps ? .list(p.map { xs[$0] }) : xs[p[0]]
        case .string(let s):
            guard items.count == 1 else { throw BuiltinError("a string takes one index, got \(items.count)", kind: .index) }
            let chars = Array(s)
            let (p, keeps) = try Selector(items[0]).positions(count: chars.count, axis: 0)
            return .string(keeps ? String(p.map { chars[$0] }) : String(chars[p[0]]))
        case .record(let r):
            guard items.count == 1, case .string(let name) = items[0] else {
                throw BuiltinError("a record is indexed by a field name, e.g. r[\"field\"]", kind: .index)
            }
            guard let v = r[name] else { throw BuiltinError("\(r.kind) has no field '\(name)'", kind: .index) }
            return v
        default:
            throw BuiltinError("\(base.describedForError) cannot be indexed", kind: .type)
        }
    }

    /// `movie[a:b]` is a view (a lazy movie stays lazy), `movie[t]` reads
    /// one frame, anything else reads the frames selected on the first axis.
    static func indexMovie(_ m: Movie, _ selectors: [Selector]) throws -> Value {
        guard let first = selectors.first else { return .movie(m) }
        guard selectors.count <= 3 else {
            throw BuiltinError("too many indices: \(selectors.count) for a movie of shape \(formatShape(m.shape))", kind: .index)
        }
        let (p, keeps) = try first.positions(count: m.frameCount, axis: 0)
        let contiguous = p.isEmpty || p.last! - p.first! == p.count - 1 && zip(p, p.dropFirst()).allSatisfy { $1 == $0 + 1 }
        let frames = p.isEmpty ? 0..<0 : p.first!..<(p.last! + 1)
        do {
            if keeps, contiguous, selectors.count == 1 {
                guard !p.isEmpty else { throw BuiltinError("an empty slice of a movie has no frames", kind: .index) }
                return .movie(m.frames(frames))
            }
            let picked: NDArray
            if contiguous {
                picked = try m.frames(frames).doubles()
            } else {
                if let short = MemoryBudget.shortfall(bytes: MemoryBudget.product([p.count, m.frameSize, 8]),
                                                      what: "\(p.count) frames of \(m.height) x \(m.width) as float64") {
                    throw BuiltinError(short + "; take a contiguous part first (movie[a:b])", kind: .index)
                }
                var data: [Double] = []
                for t in p { data += try m.floats(t..<(t + 1)).map(Double.init) }
                picked = NDArray(shape: [p.count, m.height, m.width], data: data)
            }
            let rest = Array(selectors.dropFirst())
            if !keeps { return try indexArray(NDArray(shape: [m.height, m.width], data: picked.data), rest) }
            return try indexArray(picked, [.slice(nil, nil, nil)] + rest)
        } catch let e as DataFileError {
            throw BuiltinError(e.description, kind: .io)
        }
    }

    static func indexArray(_ a: NDArray, _ selectors: [Selector]) throws -> Value {
        guard selectors.count <= a.rank else {
            throw BuiltinError("too many indices: \(selectors.count) for an array of shape \(formatShape(a.shape))", kind: .index)
        }
        var perAxis: [[Int]] = []
        var shape: [Int] = []
        for axis in 0..<a.rank {
            if axis < selectors.count {
                let (p, keeps) = try selectors[axis].positions(count: a.shape[axis], axis: axis)
                perAxis.append(p)
                if keeps { shape.append(p.count) }
            } else {
                perAxis.append(Array(0..<a.shape[axis]))
                shape.append(a.shape[axis])
            }
        }
        let strides = a.strides
        let count = perAxis.reduce(1) { $0 * $1.count }
        var out = [Double]()
        out.reserveCapacity(count)
        if count > 0 {
            // The last axis, when taken whole, copies as one run.
            let lastWhole = a.rank > 0 && perAxis[a.rank - 1] == Array(0..<a.shape[a.rank - 1])
            let outerRank = lastWhole ? a.rank - 1 : a.rank
            var counter = [Int](repeating: 0, count: outerRank)
            a.data.withUnsafeBufferPointer { src in
                while true {
                    var offset = 0
                    for d in 0..<outerRank { offset += perAxis[d][counter[d]] * strides[d] }
                    if lastWhole {
                        out.append(contentsOf: src[offset ..< offset + a.shape[a.rank - 1]])
                    } else {
                        out.append(src[offset])
                    }
                    var d = outerRank - 1
                    while d >= 0 {
                        counter[d] += 1
                        if counter[d] < perAxis[d].count { break }
                        counter[d] = 0
                        d -= 1
                    }
                    if d < 0 { break }
                }
            }
        }
        if shape.isEmpty { return .number(out[0]) }
        return .array(NDArray(shape: shape, data: out))
    }
}
