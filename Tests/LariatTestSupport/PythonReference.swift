import Foundation

/// Runs Python from the test venv (`.venv/`, made by `scripts/setup.sh
/// --venv`) to compute references that are not ours: scikit-learn,
/// statsmodels, tifffile, h5py, numpy. A missing venv is a failure, not a
/// skip: these references are the point of the tests that use them.
public enum PythonReference {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The package root (this file is Tests/LariatTestSupport/PythonReference.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var python: String {
        if let p = ProcessInfo.processInfo.environment["LARIAT_PYTHON"] { return p }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// A fresh temporary folder for one test's files.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lariat-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `script` with the working directory `dir`; returns stdout.
    /// Throws with stderr when Python fails.
    @discardableResult
    public static func run(_ script: String, in dir: URL) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no test venv at \(python): run `bash scripts/setup.sh --venv`")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script]
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "python failed (\(p.terminationStatus)):\n" + (String(data: e, encoding: .utf8) ?? ""))
        }
        return String(data: o, encoding: .utf8) ?? ""
    }
}
