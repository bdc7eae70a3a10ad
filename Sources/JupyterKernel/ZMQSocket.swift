import CZeroMQ
import Foundation

/// A failure from libzmq, with its message.
public struct ZMQError: Error, CustomStringConvertible {
    public var description: String
    init(_ what: String) { description = "\(what): \(String(cString: zmq_strerror(zmq_errno())))" }
}

/// One libzmq socket. Not thread-safe: each is used by one thread, except
/// where the owner serialises sends with a lock (IOPub).
final class ZMQSocket {
    private(set) var handle: UnsafeMutableRawPointer?

    // libzmq's ETERM is ZMQ_HAUSNUMERO + 53, a macro Swift does not import.
    static let ETERM: Int32 = 156_384_712 + 53

    init(context: UnsafeMutableRawPointer, type: Int32) throws {
        guard let h = zmq_socket(context, type) else { throw ZMQError("zmq_socket") }
        handle = h
        // Close promptly at shutdown, but give queued replies a moment to leave.
        setOption(ZMQ_LINGER, 1000)
    }

    func setOption(_ option: Int32, _ value: Int32) {
        var v = value
        zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size)
    }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError("cannot bind \(endpoint)") }
    }

    /// Waits up to `timeout` ms for a message. Returns its frames, or nil on
    /// timeout, interruption or a closed context.
    func receive(timeout: Int) -> [Data]? {
        guard let handle else { return nil }
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let n = zmq_poll(&item, 1, timeout)
        guard n > 0, item.revents & Int16(ZMQ_POLLIN) != 0 else { return nil }
        return receiveNow()
    }

    /// The next message if one is queued, without waiting.
    func receiveNow() -> [Data]? {
        var frames: [Data] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                // Mid-message interruptions cannot leave half a message: the
                // remaining frames are already here, so retry.
                if zmq_errno() == EINTR, !frames.isEmpty { continue }
                return nil
            }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    /// Sends all frames as one multipart message. Failures are logged: a
    /// reply that cannot be delivered must not bring the kernel down.
    func send(_ frames: [Data]) {
        guard let handle else { return }
        for (i, frame) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            var rc: Int32
            repeat {
                rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            } while rc < 0 && zmq_errno() == EINTR
            if rc < 0 {
                KernelLog.warning(ZMQError("send failed").description)
                return
            }
        }
    }

    func close() {
        if let h = handle { zmq_close(h) }
        handle = nil
    }
}
