import ArgumentParser
import Foundation
import LariatLanguage

/// `lariat reference`: prints the language reference generated from the
/// builtin registry (docs/language-reference.md is this output).
struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Print the builtin reference (Markdown) from the registry.")

    func run() throws {
        print(BuiltinRegistry.markdownReference(), terminator: "")
    }
}
