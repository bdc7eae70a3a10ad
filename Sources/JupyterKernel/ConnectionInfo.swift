import Foundation

/// The connection file Jupyter writes before it starts a kernel: where to
/// bind and the key that signs messages.
public struct ConnectionInfo: Equatable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var controlPort: Int
    public var stdinPort: Int
    public var iopubPort: Int
    public var hbPort: Int
    public var key: String
    public var signatureScheme: String

    public init(transport: String = "tcp", ip: String = "127.0.0.1", shellPort: Int, controlPort: Int,
                stdinPort: Int, iopubPort: Int, hbPort: Int, key: String,
                signatureScheme: String = "hmac-sha256") {
        self.transport = transport; self.ip = ip; self.shellPort = shellPort
        self.controlPort = controlPort; self.stdinPort = stdinPort; self.iopubPort = iopubPort
        self.hbPort = hbPort; self.key = key; self.signatureScheme = signatureScheme
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses the file's JSON. Missing ports, an unknown transport or a
    /// signature scheme other than hmac-sha256 are errors naming the field.
    public init(json data: Data) throws {
        guard let json = try? JSON.parse(data), case .object = json else {
            throw Invalid(description: "connection file is not a JSON object")
        }
        func port(_ name: String) throws -> Int {
            guard let p = json[name]?.int, (0...65535).contains(p) else {
                throw Invalid(description: "connection file: \(name) missing or not a port number")
            }
            return p
        }
        let transport = json["transport"]?.string ?? "tcp"
        guard transport == "tcp" || transport == "ipc" else {
            throw Invalid(description: "connection file: transport \"\(transport)\" is not tcp or ipc")
        }
        let scheme = json["signature_scheme"]?.string ?? "hmac-sha256"
        guard scheme == "hmac-sha256" else {
            throw Invalid(description: "connection file: signature_scheme \"\(scheme)\" unsupported (only hmac-sha256)")
        }
        self.init(transport: transport, ip: json["ip"]?.string ?? "127.0.0.1",
                  shellPort: try port("shell_port"), controlPort: try port("control_port"),
                  stdinPort: try port("stdin_port"), iopubPort: try port("iopub_port"),
                  hbPort: try port("hb_port"), key: json["key"]?.string ?? "", signatureScheme: scheme)
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "cannot read connection file \(path)")
        }
        try self.init(json: data)
    }

    /// The ZeroMQ endpoint for a port: `tcp://ip:port`, or `ipc://ip-port`
    /// (jupyter_client's naming for ipc).
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}
