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

// The executable, not the library, tunes this process's allocator for
// training (large freed blocks stay in the heap; see AllocationRetention).
AllocationRetention.retainLargeBlocks()
Lariat.main()
