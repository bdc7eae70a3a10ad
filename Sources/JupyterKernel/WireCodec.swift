import Foundation

/// Why a received multipart message was dropped.
public enum WireError: Error, Equatable, CustomStringConvertible {
    case missingDelimiter
    case tooFewFrames(Int)
    case badSignature
    case malformedJSON(part: String)
    case notAnObject(part: String)
    case missingField(String)

    public var description: String {
        switch self {
        case .missingDelimiter: return "no <IDS|MSG> delimiter"
        case .tooFewFrames(let n): return "only \(n) frames after the delimiter (need 5)"
        case .badSignature: return "missing or wrong HMAC signature"
        case .malformedJSON(let p): return "malformed JSON in \(p)"
        case .notAnObject(let p): return "\(p) is not a JSON object"
        case .missingField(let f): return "header has no \(f)"
        }
    }
}

/// Frames <-> messages: `[identities..., "<IDS|MSG>", signature, header,
/// parent_header, metadata, content, buffers...]`. Decoding checks the
/// signature before parsing any JSON, so forged input costs one HMAC.
public struct WireCodec: Sendable {
    public static let delimiter = Data("<IDS|MSG>".utf8)
    public let signer: MessageSigner

    public init(key: String) { signer = MessageSigner(key: key) }

    public func decode(_ frames: [Data]) throws(WireError) -> Message {
        guard let d = frames.firstIndex(of: WireCodec.delimiter) else { throw .missingDelimiter }
        let rest = frames.count - d - 1
        guard rest >= 5 else { throw .tooFewFrames(rest) }
        let parts = Array(frames[(d + 2)...(d + 5)])
        guard signer.verify(frames[d + 1], parts) else { throw .badSignature }
        let names = ["header", "parent_header", "metadata", "content"]
        var json: [JSON] = []
        for (name, part) in zip(names, parts) {
            guard let value = try? JSON.parse(part) else { throw .malformedJSON(part: name) }
            guard case .object = value else { throw .notAnObject(part: name) }
            json.append(value)
        }
        guard json[0]["msg_type"]?.string != nil else { throw .missingField("msg_type") }
        return Message(identities: Array(frames[..<d]), header: json[0], parentHeader: json[1],
                       metadata: json[2], content: json[3], buffers: Array(frames[(d + 6)...]))
    }

    public func encode(_ m: Message) -> [Data] {
        let parts = [m.header.serialized(), m.parentHeader.serialized(),
                     m.metadata.serialized(), m.content.serialized()]
        return m.identities + [WireCodec.delimiter, Data(signer.signature(parts).utf8)] + parts + m.buffers
    }
}
