import ArgumentParser
import Foundation
import LariatModel

/// `lariat`: run scripts headless, serve Jupyter, or open a prompt.
struct Lariat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lariat",
        abstract: "Sparse, interpretable temporal structure in calcium imaging.",
        version: LariatVersion.string,
        subcommands: [RunCommand.self, ReplCommand.self, KernelCommand.self, InstallCommand.self, ReferenceCommand.self],
        defaultSubcommand: ReplCommand.self
    )
}

enum LariatVersion { static let string = "0.1.0" }

// A kernel listens on its ports first of all: jupyter_client connects a few
// milliseconds after the launch, and a refused connection is retried only
// 100-200 ms later (EarlyListener).
KernelCommand.listenEarly(CommandLine.arguments)

// The executable, not the library, tunes this process's allocator for
// training (large freed blocks stay in the heap; see AllocationRetention).
AllocationRetention.retainLargeBlocks()
Lariat.main()
