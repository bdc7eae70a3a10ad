import Foundation
import LariatModel

extension BuiltinRegistry {
    /// The language's own builtins: output, help, shapes and array maths.
    static var core: [Builtin] {
        [
            Builtin("print", [Parameter("values", .any, "values to print, separated by spaces", variadic: true)],
                    summary: "Write values to standard output.",
                    documentation: "Strings print without quotes; other values as they display.\n\nExample:\n\n    print(\"frames:\", shape(movie)[0])") { args, ctx in
                ctx.write(args.rest.map { $0.plainText(quoted: false) }.joined(separator: " ") + "\n")
                return .none
            },
            Builtin("help", [Parameter("topic", [.builtin, .string, .none], default: Value.none, "a builtin, or its name as a string")],
                    summary: "Show the documentation of a builtin, or list them all.",
                    documentation: "`help(fit)` and `help(\"fit\")` both work; `help()` lists every builtin.") { args, ctx in
                switch args["topic"] {
                case .builtin(let b):
                    ctx.write(b.helpText)
                case .string(let name):
                    guard let b = BuiltinRegistry.lookup(name) else {
                        var m = "no builtin named '\(name)'"
                        if let s = closest(name, among: BuiltinRegistry.names) { m += "; did you mean '\(s)'?" }
                        throw BuiltinError(m, kind: .name)
                    }
                    ctx.write(b.helpText)
                default:
                    let width = BuiltinRegistry.names.map(\.count).max() ?? 0
                    ctx.write("Builtins (help(name) for details):\n" + BuiltinRegistry.all.map {
                        "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary
                    }.joined(separator: "\n") + "\n")
                }
                return .none
            },
            Builtin("len", [Parameter("value", [.array, .list, .string, .record], "a list, string, array or record")],
                    summary: "The number of items: list elements, characters, record fields, or an array's first axis.") { args, _ in
                switch args["value"] {
                case .list(let xs): return .number(Double(xs.count))
                case .string(let s): return .number(Double(s.count))
                case .record(let r): return .number(Double(r.fields.count))
                case .array(let a):
                    guard a.rank > 0 else { throw BuiltinError("len(): a 0-dimensional array has no length") }
                    return .number(Double(a.shape[0]))
                case .movie(let m): return .number(Double(m.frameCount))
                default: return .none
                }
            },
            Builtin("shape", [Parameter("value", [.array, .list], "an array, movie or list")],
                    summary: "The shape of an array as a list, e.g. [1500, 40, 40] for a movie.") { args, _ in
                if case .movie(let m) = args["value"] { return .list(m.shape.map { .number(Double($0)) }) }
                let a = try args.array("value")
                return .list(a.shape.map { .number(Double($0)) })
            },
            Builtin("transpose", [Parameter("X", .array, "a matrix")],
                    summary: "The transpose of a matrix (e.g. suite2p's F, neurons x frames, into frames x neurons).") { args, _ in
                let a = try args.array("X", rank: 2, what: "a matrix")
                return .array(a.transposed())
            },
            Builtin("reshape", [Parameter("X", .array), Parameter("shape", .list, "the new shape; one entry may be -1")],
                    summary: "The same values in C order with a new shape.") { args, _ in
                let a = try args.array("X")
                guard case .list(let items) = args["shape"] else { return .none }
                var dims = try items.map { v -> Int in
                    guard case .number(let x) = v, x == x.rounded() else { throw BuiltinError("reshape(): 'shape' must be a list of whole numbers", argument: "shape") }
                    return Int(x)
                }
                if let k = dims.firstIndex(of: -1) {
                    let known = dims.enumerated().filter { $0.offset != k }.reduce(1) { $0 * $1.element }
                    guard known > 0, a.count % known == 0 else { throw BuiltinError("reshape(): cannot infer -1 for \(a.count) values into \(formatShape(dims))") }
                    dims[k] = a.count / known
                }
                guard dims.allSatisfy({ $0 >= 0 }), dims.reduce(1, *) == a.count else {
                    throw BuiltinError("reshape(): \(a.count) values do not fit shape \(formatShape(dims))")
                }
                return .array(NDArray(shape: dims, data: a.data))
            },
            Builtin("array", [Parameter("values", [.array, .list, .number], "numbers or nested lists of numbers")],
                    summary: "An array from a list (nested lists make matrices).") { args, _ in
                .array(try args.array("values"))
            },
            Builtin("zeros", [Parameter("shape", [.list, .integer], "a whole number or a list of them")],
                    summary: "An array of zeros.") { args, _ in
                .array(NDArray(zeros: try shapeArgument(args["shape"], "zeros")))
            },
            Builtin("ones", [Parameter("shape", [.list, .integer], "a whole number or a list of them")],
                    summary: "An array of ones.") { args, _ in
                let s = try shapeArgument(args["shape"], "ones")
                return .array(NDArray(shape: s, data: [Double](repeating: 1, count: s.reduce(1, *))))
            },
            Builtin("arange", [Parameter("start", .number), Parameter("stop", .number, default: Value.none),
                               Parameter("step", .number, default: .number(1))],
                    summary: "Evenly spaced values in [start, stop), as numpy.arange; arange(n) is 0..n-1.") { args, _ in
                var start = try args.number("start")
                var stop = start
                if args.isGiven("stop") { stop = try args.number("stop") } else { start = 0 }
                let step = try args.number("step")
                guard step != 0 else { throw BuiltinError("arange(): 'step' cannot be zero", argument: "step") }
                let n = max(0, Int(((stop - start) / step).rounded(.up)))
                guard n <= 100_000_000 else { throw BuiltinError("arange(): \(n) values is too many") }
                return .array(NDArray(shape: [n], data: (0..<n).map { start + Double($0) * step }))
            },
            reduction("sum", "The sum of all values, or along an axis.") { $0.reduce(0, +) },
            reduction("mean", "The mean of all values, or along an axis (mean(movie, axis=0) is the mean image).",
                      meanImage: { try $0.meanImage() }) {
                $0.reduce(0, +) / Double($0.count)
            },
            reduction("std", "The standard deviation (population, ddof=0) of all values or along an axis.") { v in
                let m = v.reduce(0, +) / Double(v.count)
                return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
            },
            reduction("min", "The smallest value, or along an axis.") { $0.min()! },
            reduction("max", "The largest value, or along an axis.") { $0.max()! },
            elementwise("abs", "The absolute value, element-wise.") { Swift.abs($0) },
            elementwise("sqrt", "The square root, element-wise.") { $0.squareRoot() },
            elementwise("exp", "The exponential, element-wise.") { Foundation.exp($0) },
            elementwise("log", "The natural logarithm, element-wise.") { Foundation.log($0) },
            elementwise("sin", "The sine, element-wise.") { Foundation.sin($0) },
            elementwise("cos", "The cosine, element-wise.") { Foundation.cos($0) },
            elementwise("tanh", "The hyperbolic tangent, element-wise.") { Foundation.tanh($0) },
            elementwise("round", "Round half away from zero, element-wise.") { $0.rounded() },
            Builtin("sleep", [Parameter("seconds", .number, "how long to wait")],
                    summary: "Wait, showing nothing; can be interrupted.") { args, ctx in
                let seconds = try args.number("seconds")
                guard seconds >= 0 else { throw BuiltinError("sleep(): 'seconds' must not be negative", argument: "seconds") }
                let end = Date().addingTimeInterval(seconds)
                while Date() < end {
                    try ctx.checkCancelled()
                    Thread.sleep(forTimeInterval: min(0.01, max(0, end.timeIntervalSinceNow)))
                }
                return .none
            },
            Builtin("type", [Parameter("value", .any)], summary: "The name of a value's type, e.g. \"movie\" or \"model\".") { args, _ in
                .string(args["value"].typeName)
            },
            Builtin("fields", [Parameter("value", .record, "a record or model")],
                    summary: "The field names of a record, as a list of strings.") { args, _ in
                .list(try args.record("value").fieldNames.map { .string($0) })
            },
            Builtin("str", [Parameter("value", .any)], summary: "A value's text, as print would write it.") { args, _ in
                .string(args["value"].plainText(quoted: false))
            },
            Builtin("env", [Parameter("name", .string, "the environment variable"),
                            Parameter("default", [.number, .string, .boolean, .none], default: Value.none,
                                      "the value when it is unset or empty; its type says how to read the variable")],
                    summary: "An environment variable, read as a number, boolean or string like its default.",
                    documentation: "Notebooks read their parameters with it, so a test can make them small without editing them (the notebook tests set LARIAT_SMALL=1). A number default reads the variable as a number, a boolean default accepts true/false/1/0; otherwise the text is returned.\n\nExample:\n\n    small = env(\"LARIAT_SMALL\", 0)\n    epochs = 40 - 30 * small") { args, _ in
                let name = try args.string("name")
                let fallback = args["default"]
                guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return fallback }
                switch fallback {
                case .number:
                    guard let x = Double(text.trimmingCharacters(in: .whitespaces)) else {
                        throw BuiltinError("env(): \(name)=\"\(text)\" is not a number")
                    }
                    return .number(x)
                case .bool:
                    switch text.trimmingCharacters(in: .whitespaces).lowercased() {
                    case "1", "true", "yes": return .bool(true)
                    case "0", "false", "no": return .bool(false)
                    default: throw BuiltinError("env(): \(name)=\"\(text)\" is not true/false or 1/0")
                    }
                default:
                    return .string(text)
                }
            },
        ]
    }
}

private func shapeArgument(_ v: Value, _ fn: String) throws -> [Int] {
    let items: [Value]
    if case .list(let xs) = v { items = xs } else { items = [v] }
    // Asked before allocating: an absurd shape is an error, not an abort.
    let shape = try items.map { item -> Int in
        guard case .number(let x) = item, x == x.rounded(), x >= 0, x < 1e9 else {
            throw BuiltinError("\(fn)(): 'shape' must hold whole numbers >= 0", argument: "shape")
        }
        return Int(x)
    }
    let what = "\(fn)(): an array of \(shape.map(String.init).joined(separator: " x ")) (float64)"
    if let s = MemoryBudget.shortfall(bytes: MemoryBudget.product(shape + [8]), what: what) {
        throw BuiltinError(s, argument: "shape")
    }
    return shape
}

/// A reduction over all values, or along one axis with `axis=`.
/// `meanImage`: the reduction over a loaded movie's frames (`axis=0`),
/// streamed instead of reading the movie whole as float64.
private func reduction(_ name: String, _ summary: String, meanImage: ((Movie) throws -> NDArray)? = nil,
                       _ f: @escaping ([Double]) -> Double) -> Builtin {
    Builtin(name, [Parameter("X", .array, "an array or list of numbers"),
                   Parameter("axis", .integer, default: Value.none, "reduce along this axis only")],
            summary: summary) { args, _ in
        if let frames = meanImage, case .movie(let m) = args["X"], let axis = try args.optionalInteger("axis"),
           axis == 0 || axis == -3, m.frameCount > 0 {
            do { return .array(try frames(m)) } catch let e as DataFileError {
                throw BuiltinError("\(name)(): 'X' could not be read: \(e.description)", kind: .io)
            }
        }
        let a = try args.array("X")
        guard a.count > 0 else { throw BuiltinError("\(name)(): 'X' is empty", argument: "X") }
        guard let axis = try args.optionalInteger("axis") else { return .number(f(a.data)) }
        let ax = axis < 0 ? axis + a.rank : axis
        guard ax >= 0, ax < a.rank else { throw BuiltinError("\(name)(): 'axis' \(axis) is out of range for an array of \(a.rank) dimension\(a.rank == 1 ? "" : "s")", argument: "axis") }
        let outer = a.shape[..<ax].reduce(1, *), n = a.shape[ax], inner = a.shape[(ax + 1)...].reduce(1, *)
        var out = [Double](repeating: 0, count: outer * inner)
        var buffer = [Double](repeating: 0, count: n)
        for o in 0..<outer {
            for i in 0..<inner {
                for k in 0..<n { buffer[k] = a.data[(o * n + k) * inner + i] }
                out[o * inner + i] = f(buffer)
            }
        }
        var shape = a.shape
        shape.remove(at: ax)
        return shape.isEmpty ? .number(out[0]) : .array(NDArray(shape: shape, data: out))
    }
}

private func elementwise(_ name: String, _ summary: String, _ f: @escaping (Double) -> Double) -> Builtin {
    Builtin(name, [Parameter("X", [.number, .array], "a number or an array")], summary: summary) { args, _ in
        if case .number(let x) = args["X"] { return .number(f(x)) }
        let a = try args.array("X")
        return .array(NDArray(shape: a.shape, data: a.data.map(f)))
    }
}
