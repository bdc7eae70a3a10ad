/// A problem with a data file the user named: the message says which file
/// and what is wrong, e.g. `movie.tif: compression LZW (5) is not
/// supported; save uncompressed`.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
}
