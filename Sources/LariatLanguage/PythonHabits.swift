/// What Lariat does instead of a Python habit, for the error that habit
/// causes: `import numpy as np`, `True`, `def f():`, `for x in y:`, `exit()`.
/// Looked up by the word the habit starts with; nil for any other word.
enum PythonHabits {
    static func hint(for word: String) -> String? {
        switch word {
        case "True", "False", "None":
            return "Lariat writes \(word.lowercased()) in lower case"
        case "import", "from":
            return "Lariat has no modules to import: its builtins are always there (help() lists them; load() reads .npy, .tif, .h5 and suite2p files)"
        case "def", "lambda", "class":
            return "Lariat has no function definitions: a script is statements, one per line, calling builtins (help() lists them)"
        case "for", "while":
            return "Lariat has no loops: builtins work on whole arrays and movies (e.g. mean(movie, axis=0)); run a script once per file with `lariat run FILE --set NAME=VALUE`"
        case "if", "elif", "else":
            return "Lariat has no if statements: a script runs every line in order"
        case "exit", "quit":
            return "there is no \(word)(): a script ends at its last line; the prompt ends with Ctrl-D"
        default:
            return nil
        }
    }
}
