import ArgumentParser

/// `lariat repl` (and `lariat` alone): a terminal prompt.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "A terminal prompt.")
    func run() throws { throw ValidationError("not yet") }
}
