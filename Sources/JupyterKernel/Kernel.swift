import Foundation

/// The protocol's bookkeeping, independent of sockets and of the language:
/// verifies and decodes requests, publishes busy/idle around each one,
/// counts executions, keeps history, and turns evaluator results into
/// replies and IOPub messages. (As in xeus: the evaluator only evaluates;
/// the transport only moves frames.)
///
/// Threading: `receive(_:on: .shell)` runs on one thread (the shell loop),
/// `receive(_:on: .control)` and `interrupt()` on others, concurrently with
/// a running execute. Execution state is touched by the shell thread only;
/// control requests read immutable state or set locked flags.
public final class Kernel: @unchecked Sendable {
    public let evaluator: Evaluator
    let transport: KernelTransport
    let codec: WireCodec
    let headers: HeaderFactory

    /// Shell thread only.
    private(set) var executionCount = 0
    private(set) var history = History()
    /// Requests that were queued behind a failed cell (shell thread only).
    private var toAbort: [[Data]] = []

    private let lock = NSLock()
    private var shutdown: (restart: Bool, at: Date)?

    /// Called once when a shutdown request has been answered.
    public var onShutdown: (@Sendable (_ restart: Bool) -> Void)?

    public init(evaluator: Evaluator, transport: KernelTransport, key: String,
                session: String = UUID().uuidString.lowercased(), username: String = "lariat") {
        self.evaluator = evaluator
        self.transport = transport
        self.codec = WireCodec(key: key)
        self.headers = HeaderFactory(session: session, username: username)
    }

    /// Whether a shutdown request has been answered; the transport stops.
    public var isShuttingDown: Bool { lock.lock(); defer { lock.unlock() }; return shutdown != nil }

    /// Handles one multipart message received on `channel`. Unsigned, badly
    /// signed or malformed messages are logged to stderr and dropped.
    public func receive(_ frames: [Data], on channel: Channel) {
        let request: Message
        do {
            request = try codec.decode(frames)
        } catch {
            KernelLog.warning("dropped a message on \(channel.rawValue): \(error)")
            return
        }
        handle(request, on: channel)
        if channel == .shell, !toAbort.isEmpty {
            let queued = toAbort
            toAbort = []
            queued.forEach(abort)
        }
    }

    /// Asks running work to stop (SIGINT or interrupt_request).
    public func interrupt() { evaluator.interrupt() }

    /// A queued shell message received after a failed cell: execute
    /// requests are answered "aborted" without running; others are handled.
    func abort(_ frames: [Data]) {
        guard let request = try? codec.decode(frames) else {
            KernelLog.warning("dropped a malformed or unsigned message on shell")
            return
        }
        guard request.msgType == "execute_request" else { return handle(request, on: .shell) }
        publishStatus("busy", parent: request)
        reply(to: request, "execute_reply", Replies.executeAborted(count: executionCount), on: .shell)
        publishStatus("idle", parent: request)
    }

    // MARK: Dispatch

    func handle(_ request: Message, on channel: Channel) {
        publishStatus("busy", parent: request)
        defer { publishStatus("idle", parent: request) }
        let c = request.content
        switch (request.msgType, channel) {
        case ("kernel_info_request", _):
            reply(to: request, "kernel_info_reply",
                  Replies.kernelInfo(evaluator.languageInfo, banner: evaluator.banner), on: channel)
        case ("interrupt_request", _):
            interrupt()
            reply(to: request, "interrupt_reply", ["status": "ok"], on: channel)
        case ("shutdown_request", _):
            let restart = c["restart"]?.bool ?? false
            reply(to: request, "shutdown_reply", ["status": "ok", "restart": .bool(restart)], on: channel)
            requestShutdown(restart: restart)
        case ("execute_request", .shell):
            execute(request)
        case ("complete_request", .shell):
            let code = c["code"]?.string ?? ""
            let cursor = clampCursor(c["cursor_pos"]?.int, in: code)
            reply(to: request, "complete_reply", Replies.complete(evaluator.complete(code, cursor: cursor)), on: channel)
        case ("inspect_request", .shell):
            let code = c["code"]?.string ?? ""
            let cursor = clampCursor(c["cursor_pos"]?.int, in: code)
            let bundle = evaluator.inspect(code, cursor: cursor, detailLevel: c["detail_level"]?.int ?? 0)
            reply(to: request, "inspect_reply", Replies.inspect(bundle), on: channel)
        case ("is_complete_request", .shell):
            reply(to: request, "is_complete_reply",
                  Replies.isComplete(evaluator.isComplete(c["code"]?.string ?? "")), on: channel)
        case ("history_request", .shell):
            reply(to: request, "history_reply", historyReply(c), on: channel)
        case ("comm_info_request", _):
            reply(to: request, "comm_info_reply", ["status": "ok", "comms": [:]], on: channel)
        default:
            KernelLog.warning("no handler for \(request.msgType) on \(channel.rawValue); ignored")
        }
    }

    /// Cursor positions count Unicode scalars (protocol 5.2+); a missing
    /// cursor means the end, an out-of-range one is clamped.
    private func clampCursor(_ cursor: Int?, in code: String) -> Int {
        let n = code.unicodeScalars.count
        return min(max(cursor ?? n, 0), n)
    }

    private func requestShutdown(restart: Bool) {
        lock.lock()
        let first = shutdown == nil
        if first { shutdown = (restart, Date()) }
        lock.unlock()
        guard first else { return }
        evaluator.interrupt()
        onShutdown?(restart)
    }

    // MARK: Execute

    private func execute(_ request: Message) {
        let c = request.content
        let code = c["code"]?.string ?? ""
        let silent = c["silent"]?.bool ?? false
        let storeHistory = silent ? false : (c["store_history"]?.bool ?? true)
        let stopOnError = c["stop_on_error"]?.bool ?? true
        if storeHistory {
            executionCount += 1
            history.record(line: executionCount, input: code)
        }
        let count = executionCount
        if !silent { publish("execute_input", ["code": .string(code), "execution_count": .int(count)], parent: request) }

        let output = CellOutput(kernel: self, parent: request, muted: silent)
        switch evaluator.execute(code, session: output) {
        case .ok(let result):
            if let result, !silent {
                publish("execute_result", Replies.executeResult(result, count: count), parent: request)
                if storeHistory, let text = result.data["text/plain"] { history.setOutput(line: count, text) }
            }
            reply(to: request, "execute_reply", Replies.executeOK(count: count), on: .shell)
        case .error(let name, let value, let traceback):
            if !silent { publish("error", Replies.error(name: name, value: value, traceback: traceback), parent: request) }
            // Drained before the reply goes out: anything queued now was
            // sent without knowing this cell failed (e.g. "Run All").
            if stopOnError && !silent { toAbort = transport.drainQueued(on: .shell) }
            reply(to: request, "execute_reply",
                  Replies.executeError(count: count, name: name, value: value, traceback: traceback), on: .shell)
        }
    }

    private func historyReply(_ c: JSON) -> JSON {
        let output = c["output"]?.bool ?? false
        let entries: [History.Entry]
        switch c["hist_access_type"]?.string ?? "tail" {
        case "range":
            entries = history.range(session: c["session"]?.int ?? 0, start: c["start"]?.int ?? 0, stop: c["stop"]?.int)
        case "search":
            entries = history.search(pattern: c["pattern"]?.string ?? "*", unique: c["unique"]?.bool ?? false,
                                     n: c["n"]?.int)
        default:
            entries = history.tail(c["n"]?.int ?? 10)
        }
        return Replies.history(entries, session: history.session, output: output)
    }

    // MARK: Sending

    func reply(to request: Message, _ type: String, _ content: JSON, on channel: Channel) {
        let m = Message(identities: request.identities, header: headers.header(type),
                        parentHeader: request.header, content: content)
        transport.send(codec.encode(m), on: channel)
    }

    func publish(_ type: String, _ content: JSON, parent: Message) {
        // The topic frame: clients subscribe to everything, so any prefix
        // works; ipykernel's `kernel.<session>.<type>` helps when debugging.
        let topic = Data("kernel.\(headers.session).\(type)".utf8)
        let m = Message(identities: [topic], header: headers.header(type), parentHeader: parent.header,
                        content: content)
        transport.send(codec.encode(m), on: .iopub)
    }

    /// JEP 65's `iopub_welcome`, sent when a client subscribes to IOPub: a
    /// client that joined after the kernel's first messages learns at once
    /// that IOPub is connected (jupyter_client waits for an IOPub message
    /// after its first kernel_info_reply, and starts over without one).
    public func welcome(subscription: String) {
        let topic = Data("kernel.\(headers.session).iopub_welcome".utf8)
        let m = Message(identities: [topic], header: headers.header("iopub_welcome"), parentHeader: [:],
                        content: ["subscription": .string(subscription)])
        transport.send(codec.encode(m), on: .iopub)
    }

    func publishStatus(_ state: String, parent: Message) {
        publish("status", ["execution_state": .string(state)], parent: parent)
    }
}
