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

    /// DESIGN.md: errors stop there, and what earlier statements did stays;
    /// a syntax error too (the statements before it run, none after it).
    @Test func syntaxErrorStopsThere() {
        let s = Session()
        let sink = CapturingSink()
        guard case .error(let e) = s.execute("print(1)\na = 5\nx = (\nb = 6", sink: sink) else { Issue.record("no error"); return }
        #expect(e.kind == .syntax && e.location?.line == 3)
        #expect(sink.stdout == "1\n")
        #expect(s.variables["a"] != nil && s.variables["b"] == nil && s.variables["x"] == nil)
    }

    /// DESIGN.md: arrays print their shape, dtype and a few values; movies too.
    @Test func moviesPrintAFewValues() throws {
        let small = try Session().evaluate("reshape(arange(24), [2, 3, 4])").plainText()
        #expect(small == "movie [2, 3, 4] float64  min 0  max 23  mean 11.5\n[[[0, 1, 2, 3],\n  [4, 5, 6, 7],\n  [8, 9, 10, 11]],\n\n [[12, 13, 14, 15],\n  [16, 17, 18, 19],\n  [20, 21, 22, 23]]]")
        let long = try Session().evaluate("reshape(arange(5 * 8 * 8), [5, 8, 8])").plainText()
        let lines = long.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "[[[0, 1, 2, 3, 4, 5, 6, 7],")
        #expect(lines.contains(" …,") && long.hasSuffix("[312, 313, 314, 315, 316, 317, 318, 319]]]"))
    }

    /// Every value up to 100 (numpy prints up to 1000); past that the middle
    /// of long axes is elided.
    @Test func arraysPrintEveryValueUpToAHundred() throws {
        #expect(try Session().evaluate("arange(10)").plainText() == "array [10] float64\n[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
        let long = try Session().evaluate("arange(200)").plainText()
        #expect(long.hasSuffix("\n[0, 1, 2, …, 197, 198, 199]"))
        let m = try Session().evaluate("reshape(arange(40), [4, 10])").plainText()
        #expect(m.hasSuffix("[30, 31, 32, 33, 34, 35, 36, 37, 38, 39]]"))
    }

    /// DESIGN.md: contributions' `.map` displays as an image (a PNG in a
    /// notebook and from `lariat run`); arithmetic on it gives a plain array.
    @Test func mapsDisplayAsImages() throws {
        var map = NDArray(shape: [6, 5], data: (0..<30).map(Double.init))
        map.displaysAsImage = true
        let d = Value.array(map).display()
        #expect(d.png != nil && d.kind == "image" && d.data["image/png"] != nil)
        #expect(d.text.hasPrefix("array [6, 5] float64"))
        #expect(Value.array(NDArray(shape: [6, 5], data: map.data)).display().png == nil)
        #expect(Value.array(map).plainText() == Value.array(NDArray(shape: [6, 5], data: map.data)).plainText())
    }

    /// `.losses` is the loss curve (one value per epoch, as scikit-learn's
    /// `loss_curve_`); `.loss_parts` splits it; `plot(m)` draws the parts.
    @Test func fitLossesAreOneValuePerEpoch() throws {
        let s = Session()
        guard case .ok = s.execute("sim = simulate(neurons=4, frames=120, size=16, seed=1)\nm = fit(sim.movie, latent=4, epochs=2)",
                                   sink: CapturingSink()) else { Issue.record("fit failed"); return }
        #expect(try s.evaluate("len(m.losses)").plainText() == "2")
        #expect(try s.evaluate("m.losses[-1] == m.loss_parts.loss[-1]").plainText() == "true")
        guard case .figure(let f) = try s.evaluate("plot(m)") else { Issue.record("plot(m) is no figure"); return }
        #expect(f.kind == "plot")
    }

    @Test func windowsLineEndsAreLineEnds() {
        let s = Session()
        let sink = CapturingSink()
        guard case .ok = s.execute("x = 1\r\nprint(x + 1)\r\n", mode: .script, sink: sink) else { Issue.record("failed"); return }
        #expect(sink.stdout == "2\n")
        guard case .error(let e) = s.execute("y = 2\r\nz = )\r\n", sink: CapturingSink()) else { Issue.record("no error"); return }
        #expect(e.location?.line == 2 && e.location?.column == 5 && e.sourceLine == "z = )")
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
        // The column is the offending argument's (its value), or the call's
        // when no one argument is at fault.
        let cases = [
            ("sum(X=[1], axes=0)", "has no parameter 'axes'; did you mean 'axis'?", 17),
            ("sum()", "missing the required argument 'X'", 1),
            ("sum([1], 0, 1)", "at most 2 positional", 1),
            ("sum(\"a\")", "'X' must be an array", 5),
            ("sum([1, 2], axis=0.5)", "'axis' must be an integer", 18),
            ("sleep(-1)", "'seconds' must not be negative", 7),
        ]
        for (code, text, column) in cases {
            guard case .error(let e) = Session().execute(code, sink: CapturingSink()) else { Issue.record("no error: \(code)"); continue }
            #expect(e.message.contains(text), "\(code): \(e.message)")
            #expect(e.location?.line == 1 && e.location?.column == column, "\(code): column \(e.location?.column ?? 0)")
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
        #expect(s.completeness("z = \"abc") == .invalid)   // a string cannot span lines
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
        // DESIGN.md: records print `field: value` lines (as written: no padding).
        #expect(d.text == "model\nlag: 2\nscores:\n  fvu: 0.25")
        #expect(d.data["text/html"]?.contains("<table") == true)
    }
}
