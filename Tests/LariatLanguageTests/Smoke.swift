import Testing
@testable import LariatLanguage
