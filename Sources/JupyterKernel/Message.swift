import Foundation

/// One Jupyter message: routing identities, the four JSON parts that are
/// signed, and any binary buffers.
public struct Message: Equatable, Sendable {
    /// ZeroMQ routing prefix (ROUTER sockets), or the topic on IOPub.
    public var identities: [Data]
    public var header: JSON
    public var parentHeader: JSON
    public var metadata: JSON
    public var content: JSON
    public var buffers: [Data]

    public init(identities: [Data] = [], header: JSON, parentHeader: JSON = [:],
                metadata: JSON = [:], content: JSON = [:], buffers: [Data] = []) {
        self.identities = identities; self.header = header; self.parentHeader = parentHeader
        self.metadata = metadata; self.content = content; self.buffers = buffers
    }

    public var msgType: String { header["msg_type"]?.string ?? "" }
    public var msgID: String { header["msg_id"]?.string ?? "" }
}

/// The protocol version this kernel speaks.
public let protocolVersion = "5.4"

/// Builds message headers for one kernel session.
struct HeaderFactory: Sendable {
    let session: String
    let username: String

    func header(_ msgType: String) -> JSON {
        [
            "msg_id": .string(UUID().uuidString.lowercased()),
            "session": .string(session),
            "username": .string(username),
            "date": .string(HeaderFactory.timestamp()),
            "msg_type": .string(msgType),
            "version": .string(protocolVersion),
        ]
    }

    /// ISO 8601 in UTC with microseconds, as jupyter_client writes it.
    static func timestamp(_ date: Date = Date()) -> String {
        let t = date.timeIntervalSince1970
        var seconds = time_t(t.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let micros = Int((t - t.rounded(.down)) * 1_000_000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }
}
