import ArgumentParser
import Foundation

/// `lariat install [--user|--prefix P|--sys-prefix]`: writes the Jupyter
/// kernelspec `share/jupyter/kernels/lariat/` (kernel.json and two logos)
/// pointing at this binary's absolute path, so Jupyter starts
/// `lariat kernel --connection-file F`. Without a flag, installs for the
/// user, as `--user`.
///
///     $ lariat install --prefix .venv
///     installed the Lariat kernelspec in .venv/share/jupyter/kernels/lariat
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Install the Jupyter kernelspec.")

    @Flag(help: "Install for the current user (the default).") var user = false
    @Option(help: "Install under this prefix (e.g. a venv).") var prefix: String?
    @Flag(help: "Install into the active Python environment's prefix.") var sysPrefix = false

    func validate() throws {
        if [user, prefix != nil, sysPrefix].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --user, --prefix and --sys-prefix")
        }
    }

    func run() throws {
        let dir = try kernelsDirectory() + "/lariat"
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Self.kernelJSON(binary: Self.executablePath()).write(to: URL(fileURLWithPath: dir + "/kernel.json"))
            try Data(base64Encoded: KernelspecLogo.png32)!.write(to: URL(fileURLWithPath: dir + "/logo-32x32.png"))
            try Data(base64Encoded: KernelspecLogo.png64)!.write(to: URL(fileURLWithPath: dir + "/logo-64x64.png"))
        } catch {
            throw ValidationError("cannot write the kernelspec in \(dir): \(error.localizedDescription)")
        }
        print("installed the Lariat kernelspec in \(dir)")
    }

    /// `.../share/jupyter/kernels` for the chosen location.
    private func kernelsDirectory() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let prefix { return prefix + "/share/jupyter/kernels" }
        if sysPrefix {
            // An activated venv or conda env; else ask python3 itself.
            if let p = env["VIRTUAL_ENV"] ?? env["CONDA_PREFIX"] { return p + "/share/jupyter/kernels" }
            guard let p = Self.pythonPrefix() else {
                throw ValidationError("--sys-prefix: no VIRTUAL_ENV or CONDA_PREFIX, and python3 did not answer")
            }
            return p + "/share/jupyter/kernels"
        }
        // Jupyter's user data directory (jupyter_core.paths.jupyter_data_dir).
        if let d = env["JUPYTER_DATA_DIR"], !d.isEmpty { return d + "/kernels" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        #if os(macOS)
        return home + "/Library/Jupyter/kernels"
        #else
        let xdg = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        return xdg + "/jupyter/kernels"
        #endif
    }

    static func kernelJSON(binary: String) throws -> Data {
        var spec: [String: Any] = [
            "argv": [binary, "kernel", "--connection-file", "{connection_file}"],
            "display_name": "Lariat",
            "language": "lariat",
            // interrupt_request on the control channel (SIGINT works too).
            "interrupt_mode": "message",
            "metadata": ["debugger": false],
        ]
        // A BLAS kernel family the installing user chose explicitly stays
        // chosen in the kernel (otherwise LariatModel's OpenBLAS picks).
        if let core = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            spec["env"] = ["OPENBLAS_CORETYPE": core]
        }
        return try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// The absolute path of the running binary, symlinks resolved.
    static func executablePath() -> String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        let arg0 = CommandLine.arguments[0]
        let url = arg0.hasPrefix("/") ? URL(fileURLWithPath: arg0)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg0)
        return url.standardizedFileURL.resolvingSymlinksInPath().path
    }

    private static func pythonPrefix() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sys; print(sys.prefix)"]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}

/// The logos, base64 PNG. Generated: `python3 kernelspec/make_logos.py --swift`
/// (which also writes kernelspec/lariat/logo-*.png).
enum KernelspecLogo {
    static let png32 = "iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAACNklEQVR42tWXW0rDQBSGu4Q+Slu1XlDwUrKEgiLekKIogih5EBVviIqiokQRFBH6IvoYQUUUQXeQJXQJWcIsYTx/mZQyTpuZtFF8OKQJk35/zpz5z0zia8dK/GUk/pOAJIVNUXxc7vO28y1ecb7bwz1FITYBBMnS1aXgiOfVAb47lOJX0x08ePaxleMn463sbLLNEUKbI+BoNGO/rg+yMPjxWKYc+E3PfAqrYQGAA2gILwfG0BTZkQVowDH33ulEW0kFx1jxvmUsAHOuSvtlIctEEaqKE3PPJHgwHcYZ+FFw+NKw4iKBFo1l1Zl7WOrFVDgmArIy/Hyq3TeobEuC87uFHt9EgK2Yc9twbRcDOK5CkKUrwJXgzNRYMBUSHLGjJQAOp6h2Y3erhmOF0P85WgJgr9XrPKoA2ScORtJ6AoS3V14ma40sIICLD3K0a0B2OFNvR8FJcP0aQMUr7NVoFbxt5FwJbrQKkgpvZ6IjhsKpiPMKuJEPJC6m2l3Z2/eGU6UwXwf8cCTNJDh/WRuwTa04Kda/3FjwzFFkw6qRdn4711WK2o4LisZSsdf7xR4mlihXFFw5rmc6GY21Iu8H0M9VcNlkGoHrbMnySL0JHGnXhetuSpNoqSLtdeE0xo17W46MFFVw3O8Pp7zYzwWojZvZTl+GQ9T7Zi4+AU8r/QXVOg/gwjucWATATGqlvQruxnYyqvfllPZPURvxHc1C4L9yNvRqpL1uq22mAPi/r4Bz9IFGBHwDRIA4/oesok4AAAAASUVORK5CYII="
    static let png64 = "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAD50lEQVR42u2by4rUQBSG+xGylNaReBtvo+QRAqOC4yYogggjEURFUBpvCy9QC0FhFgEXI4gQEQUXQs8b1CPkEfII9QixTlMZQka6Tl1OpbudxWGYSXcm399Vp86tR3uTZPQ/2+hQgEMBDgWgtlhaKm3y+8kl9iw9sm+72+uZurZyAgBYKa2W1oD9eXq5eXP9WCPBZ/bx5ommvaasApGUYEspQCSNSRM9MAz8vv18tNG8vDLm8nXZ0ggggf4JbgP/fHM8ex38/PV4g1NvEac3ywdN3t84XgGkb3j4vXO9UCtscQSQD5q/3VoTAeC7PiJeCAEAHuACws/s062TAlbdoAIMBQ/3UfcUH7I4GUSABYBv71n78glGDs8BvlZxAWvt9bWjEAxxCS8M4VvjQQWw8PZCwcbIwIkbwLfGgggA57whvO2xlSpvj4FvRY6pBYiwQY50TkJ9mk4RpfT2JdaPvLo6LqkFYAbw3ryzvGeJdaLSYkoBsLE9Rew+RcA3O7dPFVQC5AZ7niJWP7D9+vBf7p1tfQGJAFOkt48IE5ZcA99aRiGAQJzzLEDaWmvgrVfhvIsJMsghL2B8f3CBaeCtAyNdcKKDr0IULSAK1cC35lUAhojti1ClKx28uuZPAChgIhIbFkqAb/fPV/Pg1XOm3gRQlVtdNJbthStgcg08jQDzojF1RA0mQBceVqt0ln4F0IWikNIGFKCaB6+StcSbAPIfMEQcXgYUQAfv/RRIdXH4i81xHQg+RcAL3wLEyDJWEkCAUgNPEgiNuq2tOTU86m0wS4g08NZHMkp5RAGTMhxmCHjrlajde8jqLSeCT5DwNVlBBBwdpnRd3Dnt+0iMPt89UyHgnSJSVC/AoG6fDwDvVI9AvejHw4u1Qd3eNUFKsPDwd9WZJu8LZIZNi8qirT2bL9jdXhdY+Hdba7A9oxACHCiPIev2/Gt+Ltc8ZKJWjUA6vG6NwjkZsypQIuH7NbxaJitcnRi8n9xYwHupRRjvT9WiNoXXFjMM4b1VomwqM9nQ8K773nlAQvXnxbLDu84IJf0cnRieJOfwkagUlPAwh0Q5MuctX1ezfV7h5VYrfC950klRKErKKG7q8ZOPqGsNlDl83h2XtdjzPnOLYafFZTQInZ3aEN6p7b1QAsBShiqzCbzyI3ypBYDJDTi+YLbPAj5I54nMB3TnfCzhg3SeSQYaTFLaOfBBeg7e4S29fR+eE0+dkAgQe4IP1nL3KoCHPc8DNVloBHCAL4f84pRXAUzgofAZ+gtSpAJYLvsqlLML4QSnFg6vUe9bCQFSC/hgAU+oOIBZwDcr4QQ7NjGBV7HDYAL8BX+m63tfzLSqAAAAAElFTkSuQmCC"
}
