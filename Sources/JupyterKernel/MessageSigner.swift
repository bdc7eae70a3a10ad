import Crypto
import Foundation

/// HMAC-SHA256 over a message's header, parent header, metadata and
/// content frames, as the connection file's key and `signature_scheme`
/// ("hmac-sha256") require. An empty key disables signing: signatures are
/// empty and every message is accepted, as the protocol specifies.
// SymmetricKey is immutable once made, so sharing it across threads is safe.
public struct MessageSigner: @unchecked Sendable {
    private let key: SymmetricKey?

    public init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8))
    }

    public var isEnabled: Bool { key != nil }

    /// Lower-case hex digest of the concatenated parts ("" without a key).
    public func signature(_ parts: [Data]) -> String {
        guard let key else { return "" }
        var mac = HMAC<SHA256>(key: key)
        for p in parts { mac.update(data: p) }
        return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex) authenticates `parts`. Compared in constant
    /// time, so timing does not leak how much of a forged signature matched.
    public func verify(_ signature: Data, _ parts: [Data]) -> Bool {
        guard let key else { return true }
        guard let mac = MessageSigner.decodeHex(signature), mac.count == SHA256.byteCount else { return false }
        var joined = Data()
        for p in parts { joined.append(p) }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: joined, using: key)
    }

    static func decodeHex(_ hex: Data) -> Data? {
        guard hex.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out = Data(capacity: hex.count / 2)
        var it = hex.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            guard let h = nibble(hi), let l = nibble(lo) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }
}
