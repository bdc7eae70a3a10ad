import Foundation
import Testing
@testable import JupyterKernel

/// The kernel's bookkeeping against a mock evaluator and a recording
/// transport: no sockets.
@Suite struct KernelTests {
    let key = "test-key"
    let transport = RecordingTransport()
    let evaluator = MockEvaluator()
    let kernel: Kernel
    let client: MockClient

    init() {
        kernel = Kernel(evaluator: evaluator, transport: transport, key: key, session: "kernel-session")
        client = MockClient(key: key)
    }

    /// (channel, msg_type) of everything sent, in order.
    func trace() -> [String] {
        transport.messages(key: key).map { "\($0.channel.rawValue):\($0.message?.msgType ?? "UNVERIFIABLE")" }
    }

    func sent(_ type: String) -> [Message] {
        transport.messages(key: key).compactMap { $0.message }.filter { $0.msgType == type }
    }

    @Test func kernelInfoIsWrappedInBusyIdleAndRoutedBack() throws {
        kernel.receive(client.request("kernel_info_request", id: "ki-1"), on: .shell)
        #expect(trace() == ["iopub:status", "shell:kernel_info_reply", "iopub:status"])
        let msgs = transport.messages(key: key).compactMap { $0.message }
        #expect(msgs.map { $0.content["execution_state"]?.string } == ["busy", nil, "idle"])
        #expect(msgs.allSatisfy { $0.parentHeader["msg_id"]?.string == "ki-1" })
        let reply = msgs[1]
        #expect(reply.identities == [client.identity])
        #expect(reply.header["session"]?.string == "kernel-session")
        #expect(reply.header["version"]?.string == "5.4")
        #expect(reply.content["protocol_version"]?.string == "5.4")
        #expect(reply.content["language_info"]?["file_extension"]?.string == ".mock")
        #expect(reply.content["status"]?.string == "ok")
    }

    @Test func executeOrderCountsAndResult() throws {
        kernel.receive(client.request("execute_request", ["code": "print hi"]), on: .shell)
        kernel.receive(client.request("execute_request", ["code": "1 + 2"]), on: .shell)
        #expect(trace() == [
            "iopub:status", "iopub:execute_input", "iopub:stream", "shell:execute_reply", "iopub:status",
            "iopub:status", "iopub:execute_input", "iopub:execute_result", "shell:execute_reply", "iopub:status",
        ])
        #expect(sent("stream")[0].content == ["name": "stdout", "text": "hi\n"])
        #expect(sent("execute_input").map { $0.content["execution_count"] } == [.int(1), .int(2)])
        let result = sent("execute_result")[0].content
        #expect(result["data"]?["text/plain"]?.string == "1 + 2")
        #expect(result["execution_count"] == .int(2))
        #expect(sent("execute_reply").map { $0.content["status"]?.string } == ["ok", "ok"])
        #expect(sent("execute_reply")[1].content["user_expressions"] == [:])
    }

    @Test func silentExecutionPublishesNothingButStatus() {
        kernel.receive(client.request("execute_request", ["code": "print hi", "silent": true]), on: .shell)
        kernel.receive(client.request("execute_request", ["code": "7", "silent": true]), on: .shell)
        #expect(trace() == ["iopub:status", "shell:execute_reply", "iopub:status",
                            "iopub:status", "shell:execute_reply", "iopub:status"])
        #expect(sent("execute_reply").map { $0.content["execution_count"] } == [.int(0), .int(0)])
        kernel.receive(client.request("execute_request", ["code": "8", "store_history": false]), on: .shell)
        #expect(sent("execute_input").last?.content["execution_count"] == .int(0))
        #expect(sent("execute_result").count == 1)
    }

    @Test func errorGoesOutAsErrorMessageAndReply() {
        kernel.receive(client.request("execute_request", ["code": "fail"]), on: .shell)
        #expect(trace() == ["iopub:status", "iopub:execute_input", "iopub:error", "shell:execute_reply", "iopub:status"])
        let reply = sent("execute_reply")[0].content
        #expect(reply["status"]?.string == "error")
        #expect(reply["ename"]?.string == "MockError")
        #expect(reply["traceback"] == ["line 1", "^"])
        #expect(sent("error")[0].content["evalue"]?.string == "failed")
    }

    @Test func stopOnErrorAbortsWhatWasQueuedBehindTheFailedCell() {
        transport.queued = [client.request("execute_request", ["code": "print never"]),
                            client.request("is_complete_request", ["code": "x"])]
        kernel.receive(client.request("execute_request", ["code": "fail"]), on: .shell)
        #expect(trace() == [
            "iopub:status", "iopub:execute_input", "iopub:error", "shell:execute_reply", "iopub:status",
            "iopub:status", "shell:execute_reply", "iopub:status",
            "iopub:status", "shell:is_complete_reply", "iopub:status",
        ])
        #expect(sent("execute_reply").map { $0.content["status"]?.string } == ["error", "aborted"])
        #expect(!evaluator.executed.contains("print never"))
        // Next cells run normally again.
        kernel.receive(client.request("execute_request", ["code": "print later"]), on: .shell)
        #expect(evaluator.executed.last == "print later")
    }

    @Test func withoutStopOnErrorNothingIsAborted() {
        transport.queued = [client.request("execute_request", ["code": "print next"])]
        kernel.receive(client.request("execute_request", ["code": "fail", "stop_on_error": false]), on: .shell)
        kernel.receive(client.request("execute_request", ["code": "1"]), on: .shell)
        #expect(transport.drains == 0)
        #expect(sent("execute_reply").map { $0.content["status"]?.string } == ["error", "ok"])
    }

    @Test func displaysCarryDisplayIDAndMetadata() {
        kernel.receive(client.request("execute_request", ["code": "show"]), on: .shell)
        let shown = sent("display_data")[0].content
        #expect(shown["data"]?["image/png"]?.string == "iVBOR")
        #expect(shown["metadata"]?["image/png"]?["width"] == .int(4))
        #expect(shown["transient"]?["display_id"]?.string == "p1")
        let update = sent("update_display_data")[0].content
        #expect(update["transient"]?["display_id"]?.string == "p1")
        #expect(update["data"]?["text/plain"]?.string == "50%")
    }

    @Test func unsignedForgedAndGarbageAreDroppedSilently() {
        var unsigned = client.request("kernel_info_request"); unsigned[2] = Data()
        var forged = client.request("execute_request", ["code": "print x"]); forged[6] = Data(#"{"code":"print y"}"#.utf8)
        let garbage: [[Data]] = [[], [Data()], [Data("hello".utf8)], [WireCodec.delimiter],
                                 [Data([0xff, 0xfe]), WireCodec.delimiter, Data("sig".utf8), Data(), Data(), Data(), Data()]]
        kernel.receive(unsigned, on: .shell)
        kernel.receive(forged, on: .shell)
        for g in garbage { kernel.receive(g, on: .shell); kernel.receive(g, on: .control) }
        #expect(transport.sent.isEmpty)
        #expect(evaluator.executed.isEmpty)
        // Still answers afterwards.
        kernel.receive(client.request("kernel_info_request"), on: .shell)
        #expect(sent("kernel_info_reply").count == 1)
    }

    @Test func signedButOddContentDoesNotCrash() {
        kernel.receive(client.request("execute_request", ["code": 5, "silent": "yes"]), on: .shell)
        kernel.receive(client.request("complete_request", ["code": "pl", "cursor_pos": 99]), on: .shell)
        kernel.receive(client.request("complete_request", ["cursor_pos": -4]), on: .shell)
        kernel.receive(client.request("history_request", ["hist_access_type": "range", "start": "x"]), on: .shell)
        kernel.receive(client.request("no_such_request"), on: .shell)
        #expect(sent("execute_reply").count == 1)
        #expect(sent("complete_reply")[0].content["cursor_end"] == .int(2))
        #expect(sent("complete_reply")[1].content["cursor_start"] == .int(0))
        #expect(sent("history_reply").count == 1)
        #expect(sent("status").count == 10)
    }

    @Test func completeInspectIsComplete() {
        kernel.receive(client.request("complete_request", ["code": "x = pl", "cursor_pos": 6]), on: .shell)
        let c = sent("complete_reply")[0].content
        #expect(c["matches"] == ["plot"])
        #expect(c["cursor_start"] == .int(4) && c["cursor_end"] == .int(6))
        kernel.receive(client.request("inspect_request", ["code": "plot", "cursor_pos": 2, "detail_level": 0]), on: .shell)
        kernel.receive(client.request("inspect_request", ["code": "zzz", "cursor_pos": 2]), on: .shell)
        let inspected = sent("inspect_reply").map(\.content)
        #expect(inspected[0]["found"] == true && inspected[0]["data"]?["text/plain"]?.string == "plot(y): draws y")
        #expect(inspected[1]["found"] == false && inspected[1]["status"]?.string == "ok")
        for code in ["a = 1", "f(1,", "1)"] {
            kernel.receive(client.request("is_complete_request", ["code": .string(code)]), on: .shell)
        }
        #expect(sent("is_complete_reply").map(\.content) == [
            ["status": "complete"], ["status": "incomplete", "indent": "  "], ["status": "invalid"]])
    }

    @Test func historyTailRangeSearchWithOutput() {
        for code in ["1 + 2", "print a", "1 + 2", "3"] {
            kernel.receive(client.request("execute_request", ["code": .string(code)]), on: .shell)
        }
        kernel.receive(client.request("history_request", ["hist_access_type": "tail", "n": 2, "output": true, "raw": true]), on: .shell)
        kernel.receive(client.request("history_request", ["hist_access_type": "range", "session": 1, "start": 2, "stop": 3, "output": false, "raw": true]), on: .shell)
        kernel.receive(client.request("history_request", ["hist_access_type": "search", "pattern": "1*", "unique": true, "output": false, "raw": true]), on: .shell)
        let h = sent("history_reply").map { $0.content["history"] }
        #expect(h[0] == [[1, 3, ["1 + 2", "1 + 2"]], [1, 4, ["3", "3"]]])
        #expect(h[1] == [[1, 2, "print a"]])
        #expect(h[2] == [[1, 3, "1 + 2"]])
    }

    @Test func commInfoIsEmpty() {
        kernel.receive(client.request("comm_info_request", ["target_name": "x"]), on: .shell)
        #expect(sent("comm_info_reply")[0].content == ["status": "ok", "comms": [:]])
    }

    @Test func interruptOnControlStopsRunningCell() async throws {
        let done = DispatchSemaphore(value: 0)
        let k = kernel, c = client
        Thread {
            k.receive(c.request("execute_request", ["code": "sleep"]), on: .shell)
            done.signal()
        }.start()
        try await Task.sleep(nanoseconds: 50_000_000)
        let start = Date()
        kernel.receive(client.request("interrupt_request"), on: .control)
        #expect(done.wait(timeout: .now() + 2) == .success)
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(sent("interrupt_reply").count == 1)
        #expect(transport.messages(key: key).first { $0.message?.msgType == "interrupt_reply" }?.channel == .control)
        #expect(sent("execute_reply")[0].content["status"]?.string == "error")
    }

    @Test(arguments: [Channel.control, Channel.shell])
    func shutdownRepliesAndNotifiesOnce(on channel: Channel) {
        final class Box: @unchecked Sendable { var restarts: [Bool] = [] }
        let box = Box()
        kernel.onShutdown = { box.restarts.append($0) }
        #expect(!kernel.isShuttingDown)
        kernel.receive(client.request("shutdown_request", ["restart": true]), on: channel)
        kernel.receive(client.request("shutdown_request", ["restart": false]), on: channel)
        #expect(kernel.isShuttingDown)
        #expect(box.restarts == [true])
        #expect(evaluator.interruptCount == 1)
        let replies = transport.messages(key: key).filter { $0.message?.msgType == "shutdown_reply" }
        #expect(replies.allSatisfy { $0.channel == channel })
        #expect(replies.first?.message?.content == ["status": "ok", "restart": true])
    }
}
