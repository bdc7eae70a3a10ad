import Foundation

/// A problem with what the user asked the network or its training to do.
public struct NetworkError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
