import Foundation

// The write end of the self-pipe; a signal handler may only touch plain
// globals and async-signal-safe calls such as write(2).
nonisolated(unsafe) private var interruptPipeWrite: Int32 = -1

/// SIGINT as an interrupt, not a kill: the handler writes one byte to a
/// pipe, and a thread reading it calls `handler` (e.g. the evaluator's
/// `interrupt()`), outside signal context.
public enum InterruptSignal {
    public static func install(_ handler: @escaping @Sendable () -> Void) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            KernelLog.warning("cannot create the SIGINT pipe; Ctrl-C will stop the kernel")
            return
        }
        interruptPipeWrite = fds[1]
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptPipeWrite, &byte, 1)
        }
        #else
        action.__sigaction_u.__sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptPipeWrite, &byte, 1)
        }
        #endif
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)

        let readEnd = fds[0]
        let t = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n == 1 { handler() } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
        t.name = "lariat-sigint"
        t.start()
    }
}
