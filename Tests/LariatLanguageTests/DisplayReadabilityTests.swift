import Testing
@testable import LariatLanguage

/// Display that reads well: small arrays are numbers, not images; tables
/// round numbers for reading while values keep full precision.
@Suite struct DisplayReadabilityTests {
    @Test func smallThreeDArraysAreNotImages() throws {
        let small = try Session().evaluate("reshape(arange(12), [3, 2, 2])").display()
        #expect(small.data["image/png"] == nil)
        #expect(small.text.contains("11"))
        let movie = try Session().evaluate("simulate(neurons=2, frames=20, size=16, seed=1).movie").display()
        #expect(movie.data["image/png"] != nil)
    }

    @Test func tablesRoundNumbersButValuesKeepThem() throws {
        let record = Record(kind: "t", fields: [("x", .number(0.123456789012345)), ("n", .number(3))])
        #expect(record.html().contains(">0.123457<") && record.html().contains(">3<"))
        #expect(Value.record(record).plainText().contains("x: 0.123456789012345"))
    }
}
