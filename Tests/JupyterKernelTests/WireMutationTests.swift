import Foundation
import Testing
@testable import JupyterKernel

/// Mutated wire messages (issue 20): every request type, its JSON parts
/// mutated byte by byte and then either re-signed with the session's key
/// (so the JSON parser and the handlers see them) or left with the old,
/// now wrong signature (dropped). Fixed seed; the kernel never crashes,
/// never runs a message whose signature does not match, and still answers
/// afterwards.
@Suite struct WireMutationTests {
    let key = "test-key"

    /// splitmix64: a fixed sequence, no dependence on the platform's RNG.
    struct Mix { var s: UInt64; mutating func next(_ n: Int) -> Int {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(n, 1)))
    } }

    static let requests: [(String, JSON)] = [
        ("execute_request", ["code": "print hi", "silent": false, "store_history": true, "user_expressions": [:], "allow_stdin": false, "stop_on_error": true]),
        ("complete_request", ["code": "pl", "cursor_pos": 2]),
        ("inspect_request", ["code": "plot", "cursor_pos": 2, "detail_level": 0]),
        ("is_complete_request", ["code": "f(1"]),
        ("history_request", ["hist_access_type": "tail", "n": 5, "output": true, "raw": true]),
        ("history_request", ["hist_access_type": "search", "pattern": "p*", "unique": true, "n": 3]),
        ("kernel_info_request", [:]),
        ("comm_info_request", [:]),
    ]

    func mutate(_ d: Data, _ r: inout Mix) -> Data {
        var b = [UInt8](d)
        for _ in 0...r.next(4) where !b.isEmpty {
            let at = r.next(b.count)
            switch r.next(5) {
            case 0: b[at] ^= UInt8(1 << r.next(8))
            case 1: b.removeSubrange(at...)
            case 2:
                let tokens = Array("{}[]\",:0-9eE\\u".utf8)
                b.insert(tokens[r.next(tokens.count)], at: at)
            case 3: b.replaceSubrange(at..<min(b.count, at + 1), with: Array("\"\\ud800\"".utf8))
            default: b[at] = UInt8(r.next(256))
            }
        }
        return Data(b)
    }

    @Test func mutatedRequestsNeverCrashTheKernelAndForgedOnesNeverRun() {
        let transport = RecordingTransport()
        let evaluator = MockEvaluator()
        let kernel = Kernel(evaluator: evaluator, transport: transport, key: key, session: "kernel-session")
        let client = MockClient(key: key)
        let codec = WireCodec(key: key)
        var r = Mix(s: 20261203)
        var resigned = 0, resignedExecutes = 0, unsignedExecutes = 0
        for i in 0..<2000 {
            let (type, content) = Self.requests[r.next(Self.requests.count)]
            var frames = client.request(type, content)
            let part = 3 + r.next(4)                       // header, parent, metadata or content
            frames[part] = mutate(frames[part], &r)
            if i % 2 == 0 {
                frames[2] = Data(codec.signer.signature(Array(frames[3...6])).utf8)
                resigned += 1
                if type == "execute_request" { resignedExecutes += 1 }
            } else if type == "execute_request" {
                unsignedExecutes += 1
            }
            kernel.receive(frames, on: i % 5 == 0 ? .control : .shell)
        }
        // Only re-signed messages can have run: at most one execution per re-signed execute_request.
        #expect(unsignedExecutes > 50)
        #expect(evaluator.executed.count <= resignedExecutes)
        transport.clear()
        kernel.receive(client.request("kernel_info_request", id: "after"), on: .shell)
        let replies = transport.messages(key: key).compactMap { $0.message }.filter { $0.msgType == "kernel_info_reply" }
        #expect(replies.count == 1 && replies[0].parentHeader["msg_id"]?.string == "after")
        #expect(resigned == 1000)
    }

    @Test func mutatedButUnsignedExecutionsNeverRun() {
        let transport = RecordingTransport()
        let evaluator = MockEvaluator()
        let kernel = Kernel(evaluator: evaluator, transport: transport, key: key, session: "kernel-session")
        let client = MockClient(key: key)
        var r = Mix(s: 7)
        for _ in 0..<500 {
            var frames = client.request("execute_request", ["code": "print forged", "silent": false])
            frames[6] = mutate(frames[6], &r)
            if frames[6] == client.request("execute_request", ["code": "print forged", "silent": false])[6] { continue }
            kernel.receive(frames, on: .shell)
        }
        #expect(evaluator.executed.isEmpty, "a message whose content changed after signing was run")
        #expect(transport.sent.isEmpty)
    }
}
