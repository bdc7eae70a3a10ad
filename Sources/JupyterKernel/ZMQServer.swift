import CZeroMQ
import Foundation

/// The sockets a connection file names, and the threads that serve them:
/// heartbeat (REP, echoes) and control (ROUTER) each on their own thread,
/// so both answer while a cell runs on the shell thread; IOPub (XPUB) shared
/// under a lock, its subscriptions answered with a welcome (JEP 65) on a
/// thread of its own; stdin (ROUTER) bound but unused (no input requests).
public final class ZMQServer: KernelTransport, @unchecked Sendable {
    private let context: UnsafeMutableRawPointer
    private let shell, control, stdin, iopub, heartbeat: ZMQSocket
    private let iopubLock = NSLock()
    private let controlLock = NSLock()
    private let stopLock = NSLock()
    private var stopping = false

    /// Poll period of the loops: how soon they notice a shutdown. Messages
    /// wake them at once, so it adds no latency.
    private let pollMilliseconds = 100

    public init(connection c: ConnectionInfo) throws {
        guard let ctx = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        context = ctx
        shell = try ZMQSocket(context: ctx, type: ZMQ_ROUTER)
        control = try ZMQSocket(context: ctx, type: ZMQ_ROUTER)
        stdin = try ZMQSocket(context: ctx, type: ZMQ_ROUTER)
        iopub = try ZMQSocket(context: ctx, type: ZMQ_XPUB)
        // Every subscription reaches us, also a second client's to the same topic.
        iopub.setOption(ZMQ_XPUB_VERBOSE, 1)
        heartbeat = try ZMQSocket(context: ctx, type: ZMQ_REP)
        for (socket, port) in [(shell, c.shellPort), (control, c.controlPort), (stdin, c.stdinPort),
                               (iopub, c.iopubPort), (heartbeat, c.hbPort)] {
            // A socket already listening since the process started (EarlyListener).
            if c.transport == "tcp", let fd = EarlyListener.take(port: port) { socket.setOption(ZMQ_USE_FD, fd) }
            try socket.bind(c.endpoint(port))
        }
    }

    public func send(_ frames: [Data], on channel: Channel) {
        switch channel {
        case .shell: shell.send(frames)
        case .stdin: stdin.send(frames)
        case .control: controlLock.lock(); control.send(frames); controlLock.unlock()
        case .iopub: iopubLock.lock(); iopub.send(frames); iopubLock.unlock()
        }
    }

    public func drainQueued(on channel: Channel) -> [[Data]] {
        // Only the shell's own thread drains, and only the shell.
        guard channel == .shell else { return [] }
        var queued: [[Data]] = []
        while let frames = shell.receiveNow() { queued.append(frames) }
        return queued
    }

    private var isStopping: Bool { stopLock.lock(); defer { stopLock.unlock() }; return stopping }

    /// Serves `kernel` until it answers a shutdown request: heartbeat and
    /// control on new threads, shell on the calling thread. Closes every
    /// socket before returning.
    public func serve(_ kernel: Kernel) {
        let threads = DispatchGroup()
        let shellDone = DispatchSemaphore(value: 0)

        spawn(threads, name: "heartbeat") { [self] in
            while !isStopping {
                if let frames = heartbeat.receive(timeout: pollMilliseconds) { heartbeat.send(frames) }
            }
            heartbeat.close()
        }
        spawn(threads, name: "iopub") { [self] in
            // Subscriptions arrive as frames of [1, topic...]. The socket is
            // shared with senders, so it is read under their lock, without waiting.
            while !isStopping {
                iopubLock.lock()
                let frames = iopub.receiveNow()
                iopubLock.unlock()
                guard let frame = frames?.first else { Thread.sleep(forTimeInterval: 0.005); continue }
                if frame.first == 1 { kernel.welcome(subscription: String(decoding: frame.dropFirst(), as: UTF8.self)) }
            }
        }
        spawn(threads, name: "control") { [self] in
            while !kernel.isShuttingDown && !isStopping {
                if let frames = control.receive(timeout: pollMilliseconds) {
                    kernel.receive(frames, on: .control)
                }
            }
            // A cell that ignores interruption must not keep a shut-down
            // kernel alive: the replies have gone out, so leave.
            if shellDone.wait(timeout: .now() + 3) == .timedOut {
                KernelLog.warning("the running cell did not stop within 3 s of shutdown; exiting")
                exit(0)
            }
            control.close()
        }

        while !kernel.isShuttingDown {
            guard let frames = shell.receive(timeout: pollMilliseconds) else { continue }
            kernel.receive(frames, on: .shell)
        }
        shellDone.signal()
        stopLock.lock(); stopping = true; stopLock.unlock()
        threads.wait()
        shell.close(); stdin.close()
        iopubLock.lock(); iopub.close(); iopubLock.unlock()
        zmq_ctx_term(context)
    }

    private func spawn(_ group: DispatchGroup, name: String, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let t = Thread { body(); group.leave() }
        t.name = "lariat-\(name)"
        t.start()
    }
}
