import Foundation

/// Builders for reply and IOPub contents, one per message type, so the
/// field names of the protocol live in one place.
enum Replies {
    static func kernelInfo(_ info: LanguageInfo, banner: String) -> JSON {
        [
            "status": "ok",
            "protocol_version": .string(protocolVersion),
            "implementation": "lariat",
            "implementation_version": .string(info.version),
            "language_info": [
                "name": .string(info.name),
                "version": .string(info.version),
                "mimetype": .string(info.mimetype),
                "file_extension": .string(info.fileExtension),
                "pygments_lexer": .string(info.pygmentsLexer),
                "codemirror_mode": .string(info.codemirrorMode),
                "nbconvert_exporter": "script",
            ],
            "banner": .string(banner),
            "help_links": [],
            "debugger": false,
        ]
    }

    static func executeOK(count: Int) -> JSON {
        ["status": "ok", "execution_count": .int(count), "payload": [], "user_expressions": [:]]
    }

    static func executeError(count: Int, name: String, value: String, traceback: [String]) -> JSON {
        ["status": "error", "execution_count": .int(count), "ename": .string(name),
         "evalue": .string(value), "traceback": .array(traceback.map(JSON.string))]
    }

    /// The reply to an execute request skipped because an earlier cell failed.
    static func executeAborted(count: Int) -> JSON {
        ["status": "aborted", "execution_count": .int(count)]
    }

    static func error(name: String, value: String, traceback: [String]) -> JSON {
        ["ename": .string(name), "evalue": .string(value), "traceback": .array(traceback.map(JSON.string))]
    }

    static func complete(_ c: Completion) -> JSON {
        ["status": "ok", "matches": .array(c.matches.map(JSON.string)),
         "cursor_start": .int(c.cursorStart), "cursor_end": .int(c.cursorEnd), "metadata": [:]]
    }

    static func inspect(_ bundle: MimeBundle?) -> JSON {
        ["status": "ok", "found": .bool(bundle != nil),
         "data": bundle.map(data) ?? [:], "metadata": bundle.map(metadata) ?? [:]]
    }

    static func isComplete(_ c: Completeness) -> JSON {
        switch c {
        case .complete: return ["status": "complete"]
        case .incomplete(let indent): return ["status": "incomplete", "indent": .string(indent)]
        case .invalid: return ["status": "invalid"]
        }
    }

    static func history(_ entries: [History.Entry], session: Int, output: Bool) -> JSON {
        let rows: [JSON] = entries.map { e in
            let input = JSON.string(e.input)
            return [.int(session), .int(e.line), output ? [input, e.output.map(JSON.string) ?? .null] : input]
        }
        return ["status": "ok", "history": .array(rows)]
    }

    static func displayData(_ b: MimeBundle, displayID: String?) -> JSON {
        var content: [String: JSON] = ["data": data(b), "metadata": metadata(b)]
        content["transient"] = displayID.map { ["display_id": .string($0)] } ?? [:]
        return .object(content)
    }

    static func executeResult(_ b: MimeBundle, count: Int) -> JSON {
        ["execution_count": .int(count), "data": data(b), "metadata": metadata(b)]
    }

    static func data(_ b: MimeBundle) -> JSON { .object(b.data.mapValues(JSON.string)) }

    static func metadata(_ b: MimeBundle) -> JSON {
        .object(b.metadata.mapValues { .object($0.mapValues(JSON.int)) })
    }
}
