import ArgumentParser

/// `lariat install [--user|--prefix P|--sys-prefix]`: writes the kernelspec.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Install the Jupyter kernelspec.")

    @Flag(help: "Install for the current user.") var user = false
    @Option(help: "Install under this prefix (e.g. a venv).") var prefix: String?
    @Flag(help: "Install into the running Python's prefix.") var sysPrefix = false

    func run() throws {
        // TODO: the kernel issue (#8) replaces this.
        throw ValidationError("the kernelspec installer is not built yet")
    }
}
