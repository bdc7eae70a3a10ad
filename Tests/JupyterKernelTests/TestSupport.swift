import Foundation
@testable import JupyterKernel

/// Records every frame set the kernel sends, decoded with the same key.
final class RecordingTransport: KernelTransport, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var sent: [(channel: Channel, frames: [Data])] = []

    func send(_ frames: [Data], on channel: Channel) {
        lock.lock(); sent.append((channel, frames)); lock.unlock()
    }

    /// The messages sent, decoded and verified with `key` (a message that
    /// fails verification is a test failure: it comes back as nil).
    func messages(key: String) -> [(channel: Channel, message: Message?)] {
        let codec = WireCodec(key: key)
        return sent.map { ($0.channel, try? codec.decode($0.frames)) }
    }

    func clear() { lock.lock(); sent.removeAll(); lock.unlock() }

    /// Shell messages "waiting on the socket", handed out by drainQueued.
    var queued: [[Data]] = []
    private(set) var drains = 0

    func drainQueued(on channel: Channel) -> [[Data]] {
        lock.lock(); defer { lock.unlock() }
        drains += 1
        guard channel == .shell else { return [] }
        defer { queued = [] }
        return queued
    }
}

/// A scripted language: `print X` streams X, `show` displays a figure with
/// a display id then updates it, `fail` errors, `sleep` waits until
/// interrupted, anything else is its own result; blank code has none.
final class MockEvaluator: Evaluator, @unchecked Sendable {
    let languageInfo = LanguageInfo(name: "mock", version: "1.0", mimetype: "text/x-mock",
                                    fileExtension: ".mock", pygmentsLexer: "python", codemirrorMode: "python")
    let banner = "Mock 1.0"
    private let lock = NSLock()
    private var interrupted = false
    private(set) var interruptCount = 0
    private(set) var executed: [String] = []

    func execute(_ code: String, session: ExecutionSession) -> ExecutionOutcome {
        lock.lock(); executed.append(code); lock.unlock()
        if code.hasPrefix("print ") {
            session.stream(.stdout, String(code.dropFirst(6)) + "\n")
            return .ok(result: nil)
        }
        switch code {
        case "": return .ok(result: nil)
        case "fail": return .error(name: "MockError", value: "failed", traceback: ["line 1", "^"])
        case "show":
            session.display(MimeBundle(data: ["image/png": "iVBOR", "text/plain": "<figure>"],
                                       metadata: ["image/png": ["width": 4, "height": 3]]), displayID: "p1")
            session.updateDisplay(MimeBundle(text: "50%"), displayID: "p1")
            return .ok(result: nil)
        case "sleep":
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                lock.lock(); let stop = interrupted; lock.unlock()
                if stop { break }
                usleep(1000)
            }
            lock.lock(); interrupted = false; lock.unlock()
            return .error(name: "Interrupted", value: "interrupted", traceback: [])
        default: return .ok(result: MimeBundle(text: code))
        }
    }

    func interrupt() { lock.lock(); interrupted = true; interruptCount += 1; lock.unlock() }

    func complete(_ code: String, cursor: Int) -> Completion {
        let prefix = String(code.unicodeScalars.prefix(cursor))
        let word = prefix.split(whereSeparator: { !$0.isLetter }).last.map(String.init) ?? ""
        let names = ["print", "plot", "load"].filter { $0.hasPrefix(word) }
        return Completion(matches: names, cursorStart: cursor - word.unicodeScalars.count, cursorEnd: cursor)
    }

    func inspect(_ code: String, cursor: Int, detailLevel: Int) -> MimeBundle? {
        code.contains("plot") ? MimeBundle(text: "plot(y): draws y") : nil
    }

    func isComplete(_ code: String) -> Completeness {
        if code.contains(")") && !code.contains("(") { return .invalid }
        return code.filter { $0 == "(" }.count > code.filter { $0 == ")" }.count ? .incomplete(indent: "  ") : .complete
    }
}

/// A client's side of the wire: builds signed requests.
struct MockClient {
    let key: String
    let session = "client-session"
    var identity = Data("client-1".utf8)

    func request(_ type: String, _ content: JSON = [:], id: String = UUID().uuidString) -> [Data] {
        let header: JSON = ["msg_id": .string(id), "session": .string(session), "username": "test",
                            "date": "2026-01-01T00:00:00.000000Z", "msg_type": .string(type), "version": "5.4"]
        return WireCodec(key: key).encode(Message(identities: [identity], header: header, content: content))
    }
}
