import Foundation
import Testing
@testable import LariatLanguage
import LariatModel

@Suite struct SessionTests {
    @Test func lastExpressionIsTheResultInNotebookMode() {
        let s = Session()
        let sink = CapturingSink()
        guard case .ok(let r) = s.execute("x = 2\nx * 3\nx + 1", sink: sink) else { Issue.record("failed"); return }
        #expect(r?.text == "3")
        #expect(sink.stdout.isEmpty)
    }

    @Test func failingStatementChangesNothingAndEarlierOnesStay() {
        let s = Session()
        _ = s.execute("a = 1", sink: CapturingSink())
        guard case .error(let e) = s.execute("b = 2\na = undefined + 1\nc = 3", sink: CapturingSink()) else {
            Issue.record("no error"); return
        }
        #expect(e.kind == .name && e.location?.line == 2)
        #expect(s.variables["a"].map { $0.plainText() } == "1")
        #expect(s.variables["b"].map { $0.plainText() } == "2")
        #expect(s.variables["c"] == nil)
    }

    @Test func syntaxErrorRunsNothing() {
        let s = Session()
        let sink = CapturingSink()
        guard case .error = s.execute("print(1)\nx = (", sink: sink) else { Issue.record("no error"); return }
        #expect(sink.stdout.isEmpty)
    }

    @Test func helpByValueAndByName() {
        for code in ["help(sum)", "help(\"sum\")"] {
            let sink = CapturingSink()
            _ = Session().execute(code, sink: sink)
            #expect(sink.stdout.hasPrefix("sum(X, axis=none)"), "\(code): \(sink.stdout)")
        }
        let sink = CapturingSink()
        guard case .error(let e) = Session().execute("help(\"summ\")", sink: sink) else { Issue.record("no error"); return }
        #expect(e.message.contains("did you mean 'sum'"))
    }

    @Test func argumentCheckingNamesTheParameter() {
        let cases = [
            ("sum(X=[1], axes=0)", "has no parameter 'axes'; did you mean 'axis'?"),
            ("sum()", "missing the required argument 'X'"),
            ("sum([1], 0, 1)", "at most 2 positional"),
            ("sum(\"a\")", "'X' must be an array"),
            ("sum([1, 2], axis=0.5)", "'axis' must be an integer"),
            ("sleep(-1)", "'seconds' must not be negative"),
        ]
        for (code, text) in cases {
            guard case .error(let e) = Session().execute(code, sink: CapturingSink()) else { Issue.record("no error: \(code)"); continue }
            #expect(e.message.contains(text), "\(code): \(e.message)")
            #expect(e.location?.line == 1 && e.location?.column == 1)
        }
    }

    @Test func completionOfNamesFieldsAndKeywords() {
        let s = Session()
        _ = s.execute("movie = zeros([2, 2, 2])\nmean_image = 1", sink: CapturingSink())
        let names = s.complete("x = mo", cursor: 6)
        #expect(names.matches == ["movie"] && names.start == 4 && names.end == 6)
        let both = s.complete("me", cursor: 2).matches
        #expect(both.contains("mean_image") && both.contains("mean"))
        let fields = s.complete("movie.sh", cursor: 8)
        #expect(fields.matches == ["shape"] && fields.start == 6)
        let kw = s.complete("sum(movie, ax", cursor: 13)
        #expect(kw.matches.first == "axis=")
    }

    @Test func inspectionShowsBuiltinHelpAndVariables() {
        let s = Session()
        _ = s.execute("n = 5", sink: CapturingSink())
        #expect(s.inspect("sum(", cursor: 2)?.text.hasPrefix("sum(X, axis=none)") == true)
        #expect(s.inspect("sum(", cursor: 4)?.text.hasPrefix("sum(X") == true)
        #expect(s.inspect("n + 1", cursor: 1)?.text.contains("n: number") == true)
        #expect(s.inspect("zzz", cursor: 1) == nil)
    }

    @Test func completenessForJupyter() {
        let s = Session()
        #expect(s.completeness("x = 1") == .complete)
        #expect(s.completeness("f(1,") == .incomplete)
        #expect(s.completeness("x = [1,\n 2") == .incomplete)
        #expect(s.completeness("x = 1 +") == .incomplete)
        #expect(s.completeness("x = )") == .invalid)
        #expect(s.completeness("1 = 2") == .invalid)
    }

    @Test func sleepIsInterruptible() throws {
        let s = Session()
        let start = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { s.cancellation.cancel() }
        guard case .error(let e) = s.execute("x = 1\nsleep(30)", sink: CapturingSink()) else { Issue.record("not interrupted"); return }
        #expect(e.kind == .interrupted)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(s.variables["x"] != nil)
    }

    @Test func recordsDisplayFieldLinesAndHTML() {
        let r = Record(kind: "model", fields: [("lag", .number(2)), ("scores", .record(Record(kind: "scores", fields: [("fvu", .number(0.25))])))])
        let d = Value.record(r).display()
        #expect(d.text == "model\n  lag   : 2\n  scores: \n      fvu: 0.25" || d.text.contains("lag   : 2"))
        #expect(d.data["text/html"]?.contains("<table") == true)
    }
}
