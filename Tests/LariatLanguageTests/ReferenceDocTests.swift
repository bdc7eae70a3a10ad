import Foundation
import Testing
@testable import LariatLanguage

/// docs/language-reference.md is generated from the builtin registry; this
/// fails when someone changes a builtin without regenerating it with
/// `.build/release/lariat reference > docs/language-reference.md`.
@Suite struct ReferenceDocTests {
    @Test func languageReferenceIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/language-reference.md")
        let onDisk = try String(contentsOf: path, encoding: .utf8)
        #expect(onDisk == BuiltinRegistry.markdownReference(),
                "docs/language-reference.md is stale: run `.build/release/lariat reference > docs/language-reference.md`")
    }

    @Test func everyBuiltinIsDocumented() {
        for b in BuiltinRegistry.all {
            #expect(!b.summary.isEmpty, "\(b.name) has no summary")
            #expect(b.summary.hasSuffix("."), "\(b.name): the summary should be a sentence")
        }
        // The contract's names (DESIGN.md) exist.
        for name in ["load", "save", "simulate", "fit", "var", "lasso_path", "compare", "contributions",
                     "plot", "heatmap", "frames", "print", "help", "transpose"] {
            #expect(BuiltinRegistry.lookup(name) != nil, "missing builtin \(name)")
        }
    }
}
