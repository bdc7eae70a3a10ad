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
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return }
        var index: [Int] = []
        var r = i
        for d in shape.reversed() { index.append(r % max(d, 1)); r /= max(d, 1) }
        let at = shape.count > 1 ? "[\(index.reversed().map(String.init).joined(separator: ", "))]" : "[\(i)]"
        throw LassoInputError(argument: argument, problem: "contains \(values[i]) at \(at); remove or fill non-finite values first")
    }
}
