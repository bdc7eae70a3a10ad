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
