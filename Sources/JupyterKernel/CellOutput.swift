import Foundation

/// The evaluator's line back to the notebook while one cell runs: output
/// goes to IOPub with the cell's request as parent.
final class CellOutput: ExecutionSession {
    private unowned let kernel: Kernel
    private let parent: Message
    private let muted: Bool

    init(kernel: Kernel, parent: Message, muted: Bool) {
        self.kernel = kernel; self.parent = parent; self.muted = muted
    }

    func stream(_ name: StreamName, _ text: String) {
        guard !muted, !text.isEmpty else { return }
        kernel.publish("stream", ["name": .string(name.rawValue), "text": .string(text)], parent: parent)
    }

    func display(_ bundle: MimeBundle, displayID: String?) {
        guard !muted else { return }
        kernel.publish("display_data", Replies.displayData(bundle, displayID: displayID), parent: parent)
    }

    func updateDisplay(_ bundle: MimeBundle, displayID: String) {
        guard !muted else { return }
        kernel.publish("update_display_data", Replies.displayData(bundle, displayID: displayID), parent: parent)
    }
}
