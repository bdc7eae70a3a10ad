/// Errors raised by figure construction; the message says what was wrong and what to do.
public enum FigureError: Error, Equatable, CustomStringConvertible {
    /// A caller-supplied value is unusable (empty data, mismatched shapes, bad option).
    case invalidArgument(String)
    /// No usable font was found; the message lists the paths tried.
    case fontUnavailable(String)
    /// libpng or the file system failed.
    case encodingFailed(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .fontUnavailable(let m): return m
        case .encodingFailed(let m): return m
        }
    }
}
