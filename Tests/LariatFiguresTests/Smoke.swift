import Testing
@testable import LariatFigures
