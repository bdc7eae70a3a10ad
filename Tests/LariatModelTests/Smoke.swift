import Testing
@testable import LariatModel
