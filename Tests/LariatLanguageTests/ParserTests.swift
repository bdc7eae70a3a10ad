import Testing
@testable import LariatLanguage

@Suite struct LexerTests {
    func kinds(_ s: String) throws -> [TokenKind] {
        var l = Lexer(s)
        return try l.tokenize().map(\.kind)
    }

    @Test func numbersStringsAndOperators() throws {
        #expect(try kinds("x = 1.5e3 ** 2") == [.identifier("x"), .equal, .number(1500), .starStar, .number(2), .eof])
        #expect(try kinds("\"a\\\"b\" 'c'") == [.string("a\"b"), .string("c"), .eof])
        #expect(try kinds("a <= b != c") == [.identifier("a"), .lessEqual, .identifier("b"), .bangEqual, .identifier("c"), .eof])
        #expect(try kinds("true and not none") == [.trueKeyword, .andKeyword, .notKeyword, .noneKeyword, .eof])
    }

    @Test func newlinesEndStatementsExceptInsideBrackets() throws {
        #expect(try kinds("a\n\n\nb") == [.identifier("a"), .newline, .identifier("b"), .eof])
        #expect(try kinds("f(1,\n 2)\nx") == [.identifier("f"), .leftParen, .number(1), .comma, .number(2), .rightParen, .newline, .identifier("x"), .eof])
        #expect(try kinds("a # comment (\nb") == [.identifier("a"), .newline, .identifier("b"), .eof])
    }

    @Test func locationsAreOneBasedLineAndColumn() throws {
        var l = Lexer("x = 1\n  foo(bar)")
        let t = try l.tokenize()
        let foo = t.first { $0.kind == .identifier("foo") }!
        #expect(foo.location == SourceLocation(line: 2, column: 3, length: 3))
    }

    @Test func unterminatedStringIsLocated() {
        var l = Lexer("x = \"abc")
        #expect(throws: Lexer.LexError.self) { try l.tokenize() }
        #expect(Lexer.endsOpen("f(1,") && Lexer.endsOpen("[1, [2") && !Lexer.endsOpen("f(1)"))
    }
}

@Suite struct ParserTests {
    func error(_ s: String) -> LariatError? {
        do { _ = try Parser.parseProgram(s); return nil } catch let e as LariatError { return e } catch { return nil }
    }

    @Test func precedence() throws {
        let s = Session()
        #expect(try s.evaluate("1 + 2 * 3 ** 2").plainText() == "19")
        #expect(try s.evaluate("-2 ** 2").plainText() == "-4")
        #expect(try s.evaluate("not 1 < 2 or true").plainText() == "true")
        #expect(try s.evaluate("(1 + 2) * 3").plainText() == "9")
        #expect(try s.evaluate("2 ** 3 ** 2").plainText() == "512")
    }

    @Test func callsWithKeywordsAndSlices() throws {
        let p = try Parser.parseProgram("m = fit(movie[0:500, 5:37, :], latent=8, lag=2)\nm.scores")
        #expect(p.count == 2)
        guard case .assignment("m", let e) = p[0].kind, case .call(_, let args) = e.kind else {
            Issue.record("not an assignment of a call"); return
        }
        #expect(args.map(\.label) == [nil, "latent", "lag"])
        guard case .index(_, let items) = args[0].value.kind else { Issue.record("not an index"); return }
        #expect(items.count == 3)
    }

    @Test func errorPositions() {
        let cases: [(String, Int, Int, String)] = [
            ("x = 1 +", 1, 8, "expected an expression"),
            ("f(1, 2", 1, 2, "is never closed"),
            ("a b", 1, 3, "expected end of line"),
            ("x = )", 1, 5, "expected an expression, found ')'"),
            ("f(a=1, 2)", 1, 8, "positional argument after a keyword"),
            ("f(a=1, a=2)", 1, 8, "given twice"),
            ("1 = x", 1, 3, "can only assign to a name"),
            ("x = 1 < 2 < 3", 1, 11, "do not chain"),
            ("ok = 1\n  y = $", 2, 7, "unexpected character '$'"),
            ("m[]", 1, 3, "expected an index"),
            ("x.(1)", 1, 3, "expected a field name"),
        ]
        for (src, line, col, text) in cases {
            guard let e = error(src) else { Issue.record("no error for \(src)"); continue }
            #expect(e.location?.line == line && e.location?.column == col, "\(src): at \(String(describing: e.location))")
            #expect(e.message.contains(text), "\(src): \(e.message)")
        }
    }

    @Test func formattedErrorHasFileLineColumnAndCaret() {
        let s = Session()
        guard case .error(let e) = s.execute("x = 1\ny = sum(movei, 3)", file: "a.lariat", sink: CapturingSink()) else {
            Issue.record("no error"); return
        }
        #expect(e.formatted == "a.lariat:2:9: error: unknown name 'movei'\ny = sum(movei, 3)\n        ^~~~~")
    }
}

@Suite struct FuzzTests {
    /// A small deterministic generator (splitmix64) so failures reproduce.
    struct Rng { var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
    }

    static let pieces = ["x", "=", "1", "2.5e-3", "\"s\"", "(", ")", "[", "]", ",", ":", ".", "+", "-", "*", "/",
                         "**", "%", "@", "==", "<", "and", "or", "not", "\n", " ", "#c\n", "f", "shape", "a=",
                         "true", "none", "'", "\"", "\\", "{", "}", ";", "!", "$", "é", "🙂", "\t", "\r\n", "0x", "1.", ".5"]

    static let programs = [
        "x = shape(zeros([2, 3]))\ny = x[0] + 1",
        "a = arange(10)\nb = a[2:8:2] * 2\nsum(b)",
        "f = print(\"a\", [1, [2, 3]], 1:3)",
        "m = reshape(arange(24), [2, 3, 4])\nm[1, :, -1]",
    ]

    /// Random token soup and mutated programs never crash the lexer, parser
    /// or interpreter: they parse, or fail with a located error.
    @Test func randomProgramsNeverCrash() {
        var rng = Rng(state: 42)
        var parsed = 0, rejected = 0
        for i in 0..<4000 {
            var src: String
            if i % 2 == 0 {
                src = (0..<Int(rng.next() % 30)).map { _ in rng.pick(Self.pieces) }.joined()
            } else {
                var chars = Array(rng.pick(Self.programs))
                for _ in 0..<Int(rng.next() % 4 + 1) where !chars.isEmpty {
                    let k = Int(rng.next() % UInt64(chars.count))
                    switch rng.next() % 3 {
                    case 0: chars.remove(at: k)
                    case 1: chars.insert(Character(rng.pick(Self.pieces).first.map(String.init) ?? "x"), at: k)
                    default: chars.swapAt(k, Int(rng.next() % UInt64(chars.count)))
                    }
                }
                src = String(chars)
            }
            let session = Session()
            switch session.execute(src, file: "fuzz", sink: CapturingSink()) {
            case .ok: parsed += 1
            case .error(let e):
                rejected += 1
                #expect(e.kind == .interrupted || e.location != nil || e.kind != .syntax, "unlocated syntax error for \(src.debugDescription)")
            }
            _ = session.completeness(src)
            _ = session.complete(src, cursor: src.count / 2)
            _ = session.inspect(src, cursor: src.count / 2)
        }
        #expect(parsed > 100 && rejected > 100)
    }
}
