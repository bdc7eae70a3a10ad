import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// The restricted pickle reader on what numpy writes (through Python) and
/// on hostile pickles built byte by byte: code, exponential references,
/// deep nesting and lengths past the end are all refused, quickly.
@Suite struct PickleReaderTests {
    func read(_ bytes: [UInt8]) throws -> PickleValue { try PickleReader.read(bytes) }

    func refusal(_ bytes: [UInt8]) -> String? {
        do { _ = try read(bytes); return nil } catch let e as PickleReader.Failure { return e.problem } catch { return "\(error)" }
    }

    @Test func readsDictsListsAndNumpyArraysAsNumpyPicklesThem() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run("""
        import pickle, numpy as np
        v = {"a": np.arange(6, dtype=np.int32).reshape(2, 3), "b": [1, -2, 3.5, "x", None, True],
             "c": np.float32(0.25), "d": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "e": 2**40}
        for p in (2, 3, 4, 5):
            open(f"p{p}.pkl", "wb").write(pickle.dumps(v, protocol=p))
        """, in: dir)
        for p in 2...5 {
            let v = try read(Array(try Data(contentsOf: dir.appendingPathComponent("p\(p).pkl"))))
            guard case .array(let shape, let values)? = v["a"] else { Issue.record("protocol \(p): a"); continue }
            #expect(shape == [2, 3] && values == [0, 1, 2, 3, 4, 5])
            #expect(v["b"]?.description == "list(6)")
            #expect(v["c"]?.numbers == [0.25])
            guard case .array(_, let d)? = v["d"] else { Issue.record("protocol \(p): d"); continue }
            #expect(d == [0, 1, 2, 3, 4, 5], "Fortran order comes back in C order")
            #expect(v["e"]?.numbers == [Double(1 << 40)])
        }
    }

    @Test func refusesAnyOtherGlobal() {
        // PROTO 2, GLOBAL os.system, SHORT_BINUNICODE "true", TUPLE1, REDUCE, STOP
        let bytes: [UInt8] = [0x80, 2, 0x63] + Array("os\nsystem\n".utf8) + [0x8C, 4] + Array("true".utf8) + [0x85, 0x52, 0x2E]
        #expect(refusal(bytes)?.contains("refused to load 'os.system'") == true)
    }

    @Test func refusesExponentialReferencesQuickly() {
        // A list, then 40 levels of tuples that each hold the previous level ten times.
        var b: [UInt8] = [0x80, 4, 0x5D, 0x94]
        for level in 0..<40 {
            b.append(0x28)
            for _ in 0..<10 { b += [0x6A] + withUnsafeBytes(of: UInt32(level).littleEndian, Array.init) }
            b += [0x74, 0x94]
        }
        b.append(0x2E)
        let start = Date()
        #expect(refusal(b)?.contains("more values than") == true)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func refusesDeepNestingAndLengthsPastTheEnd() {
        var deep: [UInt8] = [0x80, 4]
        for _ in 0..<200 { deep.append(0x5D) }          // 200 empty lists
        for _ in 0..<199 { deep.append(0x61) }          // each appended into the one before
        deep.append(0x2E)
        #expect(refusal(deep)?.contains("nest deeper") == true)
        let long: [UInt8] = [0x80, 4, 0x8D] + withUnsafeBytes(of: UInt64(1 << 60).littleEndian, Array.init) + [0x2E]
        #expect(refusal(long)?.contains("runs past the end") == true)
        #expect(refusal([0x80, 4, 0x5D]) != nil, "no STOP")
        #expect(refusal([0x80, 4, 0x69, 0x2E])?.contains("not allowed") == true, "INST is not read")
    }
}
