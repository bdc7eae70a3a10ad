import Foundation

/// A problem with what the user asked the network or its training to do.
public struct NetworkError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// The option at fault, by its name in `fit` (e.g. "kernel"), when one is.
    public var option: String?
    public init(_ description: String, option: String? = nil) { self.description = description; self.option = option }
}
