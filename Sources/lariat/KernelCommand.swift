import ArgumentParser

/// `lariat kernel --connection-file F`: the Jupyter kernel.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernel", abstract: "Run the Jupyter kernel.")

    @Option(name: .long, help: "The connection file Jupyter wrote.")
    var connectionFile: String

    func run() throws {
        // TODO: the kernel issue (#8) replaces this.
        throw ValidationError("the kernel is not built yet")
    }
}
