import Foundation
import Testing
@testable import LariatLanguage
import LariatModel

/// Golden tests: each Golden/*.lariat script carries its expected output
/// inline, as in Crafting Interpreters:
///
///     1 + 2          # expect: 3
///     fit(movei)     # error: 1:5: unknown name 'movei'
///
/// `# expect:` lines are matched in order against what the script prints
/// (stdout, one display per expression statement, multi-line values as
/// several lines); an `# error:` line says the script stops there with an
/// error at LINE:COL whose message contains the text.
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".lariat") }.sorted()
    }

    @Test func thereAreGoldenScripts() {
        #expect(Self.scripts.count >= 5)
    }

    @Test(arguments: GoldenTests.scripts)
    func golden(_ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let source = try String(contentsOf: url, encoding: .utf8)
        var expected: [String] = []
        var expectedError: (line: Int, column: Int, text: String)? = nil
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if let r = line.range(of: "# expect: ") {
                expected.append(String(line[r.upperBound...]))
            } else if line.hasSuffix("# expect:") {
                expected.append("")
            } else if let r = line.range(of: "# error: ") {
                let spec = line[r.upperBound...]
                let parts = spec.split(separator: ":", maxSplits: 2)
                expectedError = (Int(parts[0])!, Int(parts[1])!, parts[2].trimmingCharacters(in: .whitespaces))
            }
        }
        let sink = CapturingSink()
        let session = Session(workingDirectory: FileManager.default.temporaryDirectory.path)
        let result = session.execute(source, file: name, mode: .script, sink: sink)
        let lines = sink.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast()
        #expect(Array(lines) == expected, "\(name): output differs")
        switch (result, expectedError) {
        case (.ok, nil):
            break
        case (.error(let e), let want?):
            #expect(e.location?.line == want.line && e.location?.column == want.column,
                    "\(name): error at \(e.location.map { "\($0.line):\($0.column)" } ?? "?"), expected \(want.line):\(want.column)")
            #expect(e.message.contains(want.text), "\(name): message '\(e.message)' lacks '\(want.text)'")
            #expect(e.formatted.hasPrefix("\(name):\(want.line):\(want.column): error: "))
        case (.error(let e), nil):
            Issue.record("\(name): unexpected error \(e.formatted)")
        case (.ok, let want?):
            Issue.record("\(name): expected an error at \(want.line):\(want.column)")
        }
    }
}

/// Collects what a session shows, as a terminal would print it.
final class CapturingSink: OutputSink {
    var stdout = ""
    var stderr = ""
    var displays: [Display] = []
    var progressReports: [(ProgressReport, String, Bool)] = []

    func write(_ text: String, stream: StreamKind) {
        if stream == .stdout { stdout += text } else { stderr += text }
    }

    func show(_ display: Display) {
        displays.append(display)
        stdout += (display.png != nil ? "<figure \(display.kind)>" : display.text) + "\n"
    }

    func progress(_ report: ProgressReport, id: String, final: Bool) {
        progressReports.append((report, id, final))
    }
}
