import Foundation
import LariatModel

extension BuiltinRegistry {
    /// Builtins of this area (see BuiltinRegistry.swift).
    static var lasso: [Builtin] { [] }
}
