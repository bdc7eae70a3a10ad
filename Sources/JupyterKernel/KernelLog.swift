import Foundation

/// Diagnostics on stderr, where Jupyter shows a kernel's log. Never on the
/// protocol's stdout.
enum KernelLog {
    private static let lock = NSLock()

    static func warning(_ text: String) {
        let line = "[lariat kernel] \(text)\n"
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
