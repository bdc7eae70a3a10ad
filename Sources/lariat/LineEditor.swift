import CEditLine
import Foundation

/// The terminal prompt's line editing, through libedit's readline interface
/// (a Debian system library; no editor of our own to maintain): arrow keys
/// and Emacs keys to edit, Up/Down through history kept in a file across
/// sessions, Ctrl-R to search it, Tab to complete builtin and variable names.
final class LineEditor {
    let historyFile: String
    /// Names Tab completes from, set before each line (builtins, variables, keywords).
    nonisolated(unsafe) fileprivate static var names: [String] = []
    nonisolated(unsafe) fileprivate static var matches: [String] = []

    init(historyFile: String) {
        self.historyFile = historyFile
        rl_readline_name = UnsafePointer(strdup("lariat"))
        using_history()
        stifle_history(2000)
        _ = read_history(historyFile)
        rl_completion_entry_function = completeName
    }

    /// One line typed at `prompt`, or nil at end of input (Ctrl-D).
    func readLine(prompt: String, completing names: [String]) -> String? {
        LineEditor.names = names
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            _ = write_history(historyFile)
        }
        return line
    }

    /// `~/.lariat_history`, or `$LARIAT_HISTORY`.
    static var defaultHistoryFile: String {
        if let path = ProcessInfo.processInfo.environment["LARIAT_HISTORY"], !path.isEmpty { return path }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".lariat_history").path
    }
}

/// readline's completion generator: state 0 starts a new word (the names
/// beginning with it, sorted); each call returns the next match (malloc'd,
/// as readline frees it), then nil.
private func completeName(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state == 0 {
        let prefix = text.map { String(cString: $0) } ?? ""
        LineEditor.matches = Array(Set(LineEditor.names.filter { $0.hasPrefix(prefix) })).sorted()
    }
    let i = Int(state)
    guard i < LineEditor.matches.count else { return nil }
    return strdup(LineEditor.matches[i])
}
