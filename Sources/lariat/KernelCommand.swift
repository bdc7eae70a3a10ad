import ArgumentParser
import Foundation
import JupyterKernel

/// `lariat kernel --connection-file F`: the Jupyter kernel. Jupyter starts
/// it from the kernelspec `lariat install` wrote; it serves until a
/// shutdown request. Ctrl-C (SIGINT) interrupts the running cell.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernel", abstract: "Run the Jupyter kernel.")

    @Option(name: .long, help: "The connection file Jupyter wrote.")
    var connectionFile: String

    /// Opens the listening sockets of `lariat kernel --connection-file F`
    /// before the argument parser runs (`EarlyListener`); does nothing for
    /// other commands, and nothing but return for an unreadable file (`run`
    /// reports that).
    static func listenEarly(_ arguments: [String]) {
        guard arguments.count > 2, arguments[1] == "kernel" else { return }
        var path: String?
        for (i, a) in arguments.enumerated().dropFirst(2) {
            if a == "--connection-file", i + 1 < arguments.count { path = arguments[i + 1] }
            if a.hasPrefix("--connection-file=") { path = String(a.dropFirst("--connection-file=".count)) }
        }
        if let path { EarlyListener.prepare(connectionFile: path) }
    }

    func run() throws {
        // Errors name the field or endpoint; they are not usage errors.
        let connection = try ConnectionInfo(contentsOf: connectionFile)
        let server = try ZMQServer(connection: connection)
        let evaluator = LariatEvaluator(workingDirectory: FileManager.default.currentDirectoryPath)
        let kernel = Kernel(evaluator: evaluator, transport: server, key: connection.key)
        InterruptSignal.install { [kernel] in kernel.interrupt() }
        server.serve(kernel)
    }
}
