/// A place in source text: 1-based line and column (in characters), and
/// how many characters the offending text spans (for the caret line).
public struct SourceLocation: Equatable, Sendable {
    public var line: Int
    public var column: Int
    public var length: Int

    public init(line: Int, column: Int, length: Int = 1) {
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    /// The location spanning from `self` to the end of `other` (same line),
    /// else `self` alone.
    func through(_ other: SourceLocation) -> SourceLocation {
        guard other.line == line, other.column + other.length > column else { return self }
        return SourceLocation(line: line, column: column, length: other.column + other.length - column)
    }
}
