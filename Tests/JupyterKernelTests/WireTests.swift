import Foundation
import Testing
@testable import JupyterKernel

@Suite struct JSONTests {
    @Test func roundTripKeepsIntegersAndEscapes() throws {
        let text = #"{"a":3,"b":2.5,"c":"q\"\n\u0001é","d":[true,null],"e":{}}"#
        let value = try JSON.parse(Data(text.utf8))
        #expect(value["a"] == .int(3))
        #expect(value["b"] == .double(2.5))
        #expect(value["c"]?.string == "q\"\n\u{1}é")
        #expect(try JSON.parse(value.serialized()) == value)
        #expect(String(decoding: JSON.int(3).serialized(), as: UTF8.self) == "3")
        #expect(String(decoding: JSON.double(.nan).serialized(), as: UTF8.self) == "null")
    }

    // (Foundation accepts a trailing comma, "[1,]"; harmless, so not listed.)
    @Test(arguments: ["", "{", "{\"a\":}", "nul", "[1 2]", "{\"a\" 1}", "\u{0}"])
    func malformedThrows(_ text: String) {
        #expect(throws: (any Error).self) { try JSON.parse(Data(text.utf8)) }
    }
}

@Suite struct SigningTests {
    let parts = [#"{"a":1}"#, "{}", "{}", #"{"code":"x"}"#].map { Data($0.utf8) }
    // From Python: hmac.new(b"secret", b''.join(parts), hashlib.sha256).hexdigest()
    let reference = "a429a57c76bba89b4949b7629a9be2c46105a15cef7dc5002a0a4d085cb144c4"

    @Test func matchesPythonHMAC() {
        #expect(MessageSigner(key: "secret").signature(parts) == reference)
    }

    @Test func verifyAcceptsOnlyTheRightSignature() {
        let s = MessageSigner(key: "secret")
        #expect(s.verify(Data(reference.utf8), parts))
        #expect(s.verify(Data(reference.uppercased().utf8), parts))
        var wrong = Array(reference.utf8); wrong[10] = wrong[10] == 0x30 ? 0x31 : 0x30
        #expect(!s.verify(Data(wrong), parts))
        #expect(!s.verify(Data(), parts))
        #expect(!s.verify(Data("zz".utf8), parts))
        #expect(!s.verify(Data(reference.dropLast(2).utf8), parts))
        #expect(!MessageSigner(key: "other").verify(Data(reference.utf8), parts))
    }

    @Test func emptyKeyDisablesSigning() {
        let s = MessageSigner(key: "")
        #expect(s.signature(parts) == "")
        #expect(s.verify(Data(), parts))
    }
}

@Suite struct WireCodecTests {
    let codec = WireCodec(key: "k")

    @Test func encodeDecodeKeepsIdentitiesAndBuffers() throws {
        let m = Message(identities: [Data("a".utf8), Data("b".utf8)],
                        header: ["msg_type": "execute_request", "msg_id": "1"],
                        content: ["code": "1 + 2"], buffers: [Data([0, 1, 2])])
        let frames = codec.encode(m)
        #expect(frames[2] == WireCodec.delimiter)
        #expect(try codec.decode(frames) == m)
    }

    @Test func rejectsMissingDelimiterShortAndForged() {
        let frames = codec.encode(Message(header: ["msg_type": "x"]))
        #expect(throws: WireError.missingDelimiter) { try codec.decode(Array(frames.dropFirst())) }
        #expect(throws: WireError.tooFewFrames(4)) { try codec.decode(Array(frames.dropLast())) }
        var forged = frames; forged[4] = Data(#"{"msg_type":"shutdown_request"}"#.utf8)
        #expect(throws: WireError.badSignature) { try codec.decode(forged) }
        var unsigned = frames; unsigned[1] = Data()
        #expect(throws: WireError.badSignature) { try codec.decode(unsigned) }
        #expect(throws: WireError.badSignature) { try WireCodec(key: "other").decode(frames) }
    }

    @Test func rejectsSignedGarbage() {
        func signed(_ parts: [String]) -> [Data] {
            let p = parts.map { Data($0.utf8) }
            return [WireCodec.delimiter, Data(codec.signer.signature(p).utf8)] + p
        }
        #expect(throws: WireError.malformedJSON(part: "header")) { try codec.decode(signed(["{", "{}", "{}", "{}"])) }
        #expect(throws: WireError.notAnObject(part: "content")) { try codec.decode(signed([#"{"msg_type":"a"}"#, "{}", "{}", "[]"])) }
        #expect(throws: WireError.missingField("msg_type")) { try codec.decode(signed(["{}", "{}", "{}", "{}"])) }
    }
}

@Suite struct ConnectionInfoTests {
    @Test func parsesJupyterClientFile() throws {
        let text = #"{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005, "ip": "127.0.0.1", "key": "abc", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "lariat"}"#
        let c = try ConnectionInfo(json: Data(text.utf8))
        #expect(c.shellPort == 5001 && c.hbPort == 5005 && c.key == "abc")
        #expect(c.endpoint(c.iopubPort) == "tcp://127.0.0.1:5002")
        var ipc = c; ipc.transport = "ipc"; ipc.ip = "/tmp/k"
        #expect(ipc.endpoint(5001) == "ipc:///tmp/k-5001")
    }

    @Test(arguments: ["", "[]", #"{"shell_port": 1}"#,
                      #"{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"signature_scheme":"hmac-md5"}"#,
                      #"{"shell_port":"x","iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}"#])
    func rejectsBadFiles(_ text: String) {
        #expect(throws: ConnectionInfo.Invalid.self) { try ConnectionInfo(json: Data(text.utf8)) }
    }
}

@Suite struct HistoryTests {
    @Test func globMatchesWholeStrings() {
        #expect(Glob("1*").matches("1 + 2"))
        #expect(Glob("*+*").matches("1 + 2"))
        #expect(Glob("?").matches("x"))
        #expect(!Glob("1").matches("1 + 2"))
        #expect(!Glob("a*b").matches("acbd"))
        #expect(Glob("*").matches(""))
    }

    @Test func tailRangeSearch() {
        var h = History()
        for (i, s) in ["a = 1", "b = 2", "a = 1", "c"].enumerated() { h.record(line: i + 1, input: s) }
        #expect(h.tail(2).map(\.line) == [3, 4])
        #expect(h.range(session: 0, start: 2, stop: 3).map(\.input) == ["b = 2"])
        #expect(h.range(session: 7, start: 1, stop: 3).isEmpty)
        #expect(h.search(pattern: "a*", unique: false, n: nil).map(\.line) == [1, 3])
        #expect(h.search(pattern: "a*", unique: true, n: nil).map(\.line) == [3])
        #expect(h.search(pattern: "*=*", unique: false, n: 2).map(\.line) == [2, 3])
    }

    @Test func historyKeepsTheNewestEntriesWithinItsBound() {
        var h = History(limit: 100)
        for i in 1...1000 {
            h.record(line: i, input: "x = \(i)")
            #expect(h.entries.count <= 110)
            #expect(h.entries.count >= min(i, 100))
            #expect(h.entries.last?.line == i)
        }
        #expect(h.tail(100).map(\.line) == Array(901...1000))
        #expect(h.range(session: 0, start: 990, stop: 0).map(\.line) == Array(990...1000))
        #expect(h.range(session: 0, start: 1, stop: 5).isEmpty)
    }
}
