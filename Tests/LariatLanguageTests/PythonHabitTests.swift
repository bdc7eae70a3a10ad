import Testing
@testable import LariatLanguage

/// Python habits get an error that says what Lariat does instead, at the
/// habit's first word; "did you mean" is offered for close names only.
@Suite struct PythonHabitTests {
    static let cases: [(source: String, column: Int, says: String)] = [
        ("import numpy as np", 1, "'import' is Python: Lariat has no modules to import"),
        ("from numpy import mean", 1, "'from' is Python: Lariat has no modules to import"),
        ("x = True", 5, "unknown name 'True': Lariat writes true in lower case"),
        ("y = [None]", 6, "unknown name 'None': Lariat writes none in lower case"),
        ("def f(x):", 1, "'def' is Python: Lariat has no function definitions"),
        ("for x in [1, 2]:", 1, "'for' is Python: Lariat has no loops"),
        ("exit()", 1, "unknown name 'exit': there is no exit()"),
        ("quit", 1, "unknown name 'quit': there is no quit()"),
    ]

    @Test(arguments: cases.indices)
    func habitsSayWhatLariatDoesInstead(_ i: Int) {
        let (source, column, says) = Self.cases[i]
        guard case .error(let e) = Session().execute(source, sink: CapturingSink()) else {
            Issue.record("no error for \(source)"); return
        }
        #expect(e.message.hasPrefix(says), "\(source): \(e.message)")
        #expect(e.location?.line == 1 && e.location?.column == column, "\(source): \(String(describing: e.location))")
    }

    @Test func didYouMeanOnlyForCloseNames() {
        func message(_ source: String, _ setup: String = "") -> String {
            let s = Session()
            if !setup.isEmpty { _ = s.execute(setup, sink: CapturingSink()) }
            guard case .error(let e) = s.execute(source, sink: CapturingSink()) else { return "" }
            return e.message
        }
        #expect(!message("s").contains("did you mean"))                                  // not '_'
        #expect(!message("sim", "x = 1").contains("did you mean"))                       // not 'sin'
        #expect(message("simulat(neurons=2)").contains("did you mean 'simulate'?"))
        #expect(message("moive", "movie = 1").contains("did you mean 'movie'?"))         // a swap
        #expect(message("Fit").contains("did you mean 'fit'?"))                          // case
    }
}
