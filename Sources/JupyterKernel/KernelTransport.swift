import Foundation

/// The kernel's sockets, by role.
public enum Channel: String, Sendable, CaseIterable {
    case shell, control, stdin, iopub
}

/// Where the kernel sends encoded messages. The ZeroMQ server is one; tests
/// use a transport that records frames. Must be safe to call from the shell
/// and control threads at once (IOPub is shared by both).
public protocol KernelTransport: AnyObject {
    func send(_ frames: [Data], on channel: Channel)

    /// Every message already waiting on `channel`, without blocking. The
    /// kernel calls it on the thread that receives on that channel, when a
    /// cell fails with `stop_on_error`: what was queued behind the cell is
    /// answered "aborted".
    func drainQueued(on channel: Channel) -> [[Data]]
}
