/// A problem with the data given to the lasso or the sparse VAR that the
/// user can fix: it names the argument and says what is wrong with it.
public struct LassoInputError: Error, CustomStringConvertible, Equatable {
    /// The argument at fault, e.g. `X`, `y`, `traces`, `lag`, `lambda`.
    public var argument: String
    public var problem: String

    public init(argument: String, problem: String) {
        self.argument = argument
        self.problem = problem
    }

    public var description: String { "\(argument): \(problem)" }
}

extension LassoInputError {
    /// Throws unless every value is finite, naming the first bad entry.
    static func requireFinite(_ values: [Double], argument: String, shape: [Int]) throws {
        guard !allFinite(values), let i = values.firstIndex(where: { !$0.isFinite }) else { return }
        var index: [Int] = []
        var r = i
        for d in shape.reversed() { index.append(r % max(d, 1)); r /= max(d, 1) }
        let at = shape.count > 1 ? "[\(index.reversed().map(String.init).joined(separator: ", "))]" : "[\(i)]"
        throw LassoInputError(argument: argument, problem: "contains \(values[i]) at \(at); remove or fill non-finite values first")
    }

    /// x - x is NaN exactly when x is NaN or infinite, and a sum of such
    /// differences stays NaN; in SIMD lanes this checks ~10 values a cycle.
    static func allFinite(_ values: [Double]) -> Bool {
        values.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            var acc = SIMD8<Double>()
            var i = 0
            while i + 8 <= b.count {
                let v = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
                acc += v - v
                i += 8
            }
            var tail = 0.0
            while i < b.count { tail += base[i] - base[i]; i += 1 }
            return !(acc.sum() + tail).isNaN
        }
    }
}
