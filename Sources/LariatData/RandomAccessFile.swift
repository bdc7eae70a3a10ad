import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read at explicit offsets (`pread`), so loaders seek to
/// the frames they need instead of reading everything before them.
/// Short reads past the end are reported as truncation, naming the file.
final class RandomAccessFile {
    let path: String
    let size: Int
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw DataFileError(path: path, problem: errno == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw DataFileError(path: path, problem: "is not a regular file")
        }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataFileError(path: path, problem: "cannot open: \(String(cString: strerror(errno)))")
        }
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes at `offset` into `buffer`; `what` names
    /// the part of the file for the truncation message.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, what: @autoclosure () -> String) throws {
        try checkRange(count: count, at: offset, what: what())
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw DataFileError(path: path, problem: "read error: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                throw DataFileError(path: path, problem: "truncated: \(what()) ends at byte \(offset + done) of \(offset + count)")
            }
            done += n
        }
    }

    /// Throws unless bytes `offset ..< offset + count` lie inside the file:
    /// offsets and counts come from the file itself, so they are checked
    /// (without overflow) before any buffer is sized by them.
    func checkRange(count: Int, at offset: Int, what: @autoclosure () -> String) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            let end = MemoryBudget.sum(max(offset, 0), max(count, 0)).map(String.init) ?? "beyond 2^63"
            throw DataFileError(path: path, problem: "truncated: \(what()) needs bytes \(offset)..<\(end), the file has \(size)")
        }
    }

    /// Reads `count` bytes at `offset` as a byte array (sized only after
    /// the range is known to lie inside the file).
    func bytes(count: Int, at offset: Int, what: @autoclosure () -> String) throws -> [UInt8] {
        try checkRange(count: count, at: offset, what: what())
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: count, at: offset, what: what()) }
        return out
    }

    /// Tells the kernel the file will be read front to back (a hint only).
    func adviseSequential() {
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }
}
