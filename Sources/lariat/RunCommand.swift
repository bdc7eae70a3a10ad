import ArgumentParser

/// `lariat run FILE [--out DIR]`: runs a script headless.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a .lariat script headless.")
    @Argument(help: "The script to run.") var file: String
    @Option(help: "Folder for figures (default ./figures).") var out: String = "figures"
    func run() throws { throw ValidationError("not yet") }
}
