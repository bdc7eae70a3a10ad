#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Listening TCP sockets for the connection file's five ports, opened as
/// the process starts, before anything else; `ZMQServer` hands them to
/// libzmq (`ZMQ_USE_FD`) instead of binding its own.
///
/// Why: `jupyter_client` connects its sockets a few milliseconds after
/// the kernel process is launched. A kernel that is not listening yet
/// refuses them, and libzmq retries a refused connection after its
/// reconnect interval plus a random jitter of up to one more (100 to 200
/// ms by default), so kernel_info and the IOPub welcome wait that long.
/// Binding in `ZMQServer`, after the Swift runtime and the argument
/// parser, the ports listened 9.8 ms after the launch returned (median of
/// 15, quiet machine); from here, 6.6 ms. A connection made before the
/// kernel is ready waits in the listen backlog until libzmq accepts it.
/// Measured with `start_new_kernel`: the race lost in 1 of 9 starts on a
/// quiet machine and in most under load before, none since
/// (bench/kernel/readiness.py, docs/hardening.md).
///
/// Both calls run on the main thread before the server's threads start.
public enum EarlyListener {
    nonisolated(unsafe) private static var sockets: [Int: Int32] = [:]

    /// Listens on every TCP port the connection file at `path` names that
    /// it can; silent on failure (`ZMQServer` then binds as usual, and
    /// `ConnectionInfo` reports a bad file). The file is scanned here with
    /// plain reads, not Foundation's JSON: the first Codable decode in a
    /// process looks up protocol conformances across the whole binary,
    /// which costs milliseconds.
    public static func prepare(connectionFile path: String) {
        guard let text = contents(of: path) else { return }
        guard (string("transport", in: text) ?? "tcp") == "tcp" else { return }
        let ip = string("ip", in: text) ?? "127.0.0.1"
        var address = in_addr()
        guard inet_pton(AF_INET, ip == "*" ? "0.0.0.0" : ip, &address) == 1 else { return }
        let ports = ["shell_port", "iopub_port", "control_port", "stdin_port", "hb_port"].compactMap { integer($0, in: text) }
        for port in ports where (1...65535).contains(port) && sockets[port] == nil {
            if let fd = listeningSocket(address, port: port) { sockets[port] = fd }
        }
    }

    /// The file's bytes (a connection file is a few hundred), or nil.
    private static func contents(of path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 16 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }

    /// Where the value of `"key":` starts (after blanks), or nil.
    private static func value(_ key: String, in text: [UInt8]) -> Int? {
        let quoted = Array("\"\(key)\"".utf8)
        guard text.count > quoted.count else { return nil }
        var i = 0
        while i + quoted.count <= text.count {
            if text[i] == quoted[0], Array(text[i..<i + quoted.count]) == quoted {
                var j = i + quoted.count
                while j < text.count, text[j] == 0x20 || text[j] == 0x09 || text[j] == 0x0A || text[j] == 0x0D { j += 1 }
                guard j < text.count, text[j] == UInt8(ascii: ":") else { i += 1; continue }
                j += 1
                while j < text.count, text[j] == 0x20 || text[j] == 0x09 || text[j] == 0x0A || text[j] == 0x0D { j += 1 }
                return j
            }
            i += 1
        }
        return nil
    }

    private static func integer(_ key: String, in text: [UInt8]) -> Int? {
        guard var j = value(key, in: text) else { return nil }
        var n = 0, digits = 0
        while j < text.count, (0x30...0x39).contains(text[j]), digits < 6 { n = n * 10 + Int(text[j] - 0x30); j += 1; digits += 1 }
        return digits > 0 ? n : nil
    }

    private static func string(_ key: String, in text: [UInt8]) -> String? {
        guard let j = value(key, in: text), j < text.count, text[j] == UInt8(ascii: "\"") else { return nil }
        guard let end = text[(j + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: text[(j + 1)..<end], as: UTF8.self)
    }

    /// The listening socket opened for `port`, handed over once.
    static func take(port: Int) -> Int32? {
        sockets.removeValue(forKey: port)
    }

    private static func listeningSocket(_ address: in_addr, port: Int) -> Int32? {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = in_port_t(UInt16(port).bigEndian)
        sa.sin_addr = address
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // libzmq's own backlog for a TCP listener (ZMQ_BACKLOG's default).
        guard bound == 0, listen(fd, 100) == 0 else { close(fd); return nil }
        return fd
    }
}
