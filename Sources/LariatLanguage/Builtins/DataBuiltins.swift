import Foundation
import LariatModel

extension BuiltinRegistry {
    /// Data in and out: `load`, `save`, and the simulator with ground truth.
    static var data: [Builtin] {
        [
            Builtin("load", [
                Parameter("path", .string, "a .tif/.tiff, .npy, .h5/.hdf5, .nwb or suite2p .bin file, or a .lariatmodel (relative to the working directory)"),
                Parameter("frames", .range, default: Value.none, "frames a:b to read (only those are read; negative counts from the end)"),
                Parameter("downsample", .integer, default: .number(1), "k: average k x k pixel blocks (a remainder row/column is dropped)"),
                Parameter("dataset", .string, default: Value.none, "HDF5: the dataset, e.g. \"mov\" or \"/data/raw\"; NWB: another series' data (default: the first TwoPhotonSeries)"),
                Parameter("shape", .list, default: Value.none, "raw int16 .bin (suite2p data.bin): [H, W] (Ly, Lx) or [T, H, W]"),
                Parameter("lazy", .boolean, default: .bool(false), "keep the frames in the file and read them a window at a time when used: fit, encode, reconstruct, predict, score, traces and compare stream them"),
            ], summary: "Load a movie (T x H x W raw intensities) or array from a file.",
            documentation: """
            TIFF (multi-page, classic or BigTIFF, ImageJ hyperstacks, ScanImage; 8/16/32-bit integers and \
            float32; uncompressed, PackBits, LZW or Deflate), NumPy .npy (any numeric dtype, C or Fortran order), \
            HDF5 (.h5/.hdf5, `dataset=`), NWB (.nwb: the first TwoPhotonSeries under /acquisition, \
            or `dataset=`), and suite2p's registered data.bin (int16, `shape=`). A .lariatmodel file \
            gives back the model `save` wrote. Frames \
            stream into the result, so memory stays near the size of what is returned. A .npy or HDF5 \
            array that is not 3-D comes back as it is (`frames` slices its first axis).

            A movie is held at 4 bytes a pixel or less: 8- and 16-bit integer frames keep their type \
            (uint8, uint16, int16), everything else (and every `downsample`) becomes float32. With \
            `lazy=true` nothing is read until the movie is used, and then a window at a time: a fit's \
            memory does not grow with the recording (docs/recordings.md). `movie[a:b]` of a lazy movie \
            stays lazy.

            Example:

                movie = load("stack.tif", frames=0:1000, downsample=2)
                traces = load("F.npy")
                raw = load("suite2p/plane0/data.bin", shape=[512, 512])
            """) { args, ctx in
                let path = ctx.resolve(try args.string("path"))
                var start: Int?, end: Int?
                if case .range(let a, let b, let step) = args["frames"] {
                    if let s = step, s != 1 { throw BuiltinError("load(): 'frames' takes no step", argument: "frames") }
                    for v in [a, b] {
                        if let v, v != v.rounded() || !v.isFinite { throw BuiltinError("load(): 'frames' must have whole-number ends", argument: "frames") }
                    }
                    start = a.map { Int($0) }
                    end = b.map { Int($0) }
                }
                let k = try args.integer("downsample", in: 1...4096)
                var shape: [Int]?
                if case .list(let items) = args["shape"] {
                    shape = try items.map {
                        guard case .number(let x) = $0, x == x.rounded(), x >= 0, x < 1e12 else {
                            throw BuiltinError("load(): 'shape' must be a list of whole numbers, e.g. [512, 512]", argument: "shape")
                        }
                        return Int(x)
                    }
                }
                if (path as NSString).pathExtension.lowercased() == ModelArchive.fileExtension {
                    do {
                        let (model, latents) = try ModelArchive.load(path: path)
                        return .record(modelRecord(model, latents: latents ?? NDArray(zeros: [0, model.options.latent])))
                    } catch let e as DataFileError {
                        throw BuiltinError(e.description, kind: .io)
                    }
                }
                do {
                    switch try MovieLoader.loadMovie(path: path, frameStart: start, frameEnd: end, downsample: k,
                                                     dataset: try args.optionalString("dataset"), shape: shape,
                                                     lazy: try args.bool("lazy"), context: ctx.work) {
                    case .movie(let m): return .movie(m)
                    case .array(let a): return .array(a)
                    }
                } catch let e as DataFileError {
                    throw BuiltinError(e.description, kind: .io)
                }
            },
            Builtin("rois", [
                Parameter("path", .string, "an NWB file (.nwb) or a suite2p plane folder (e.g. \"suite2p/plane0\")"),
                Parameter("all", .boolean, default: .bool(false), "suite2p: every ROI, not only those iscell.npy marks as cells"),
                Parameter("dataset", .string, default: Value.none, "NWB: the PlaneSegmentation (path or name) when the file has several"),
            ], summary: "ROI masks n x H x W from an NWB file or a suite2p folder.",
            documentation: """
            NWB: the PlaneSegmentation's `image_mask`, or its `pixel_mask` rows (x, y, weight) drawn \
            on frames of the file's TwoPhotonSeries size (axes as `load` reads the movie). suite2p: \
            stat.npy's ypix/xpix/lam on Ly x Lx frames (ops.npy), the cells of iscell.npy unless \
            `all=true`. stat.npy and ops.npy are Python pickles: Lariat reads their plain data and \
            numpy arrays only and refuses anything else, so no file can run code.

            Example:

                masks = rois("session.nwb")
                movie = load("session.nwb", frames=0:2000)
                F = traces(movie, masks)
                masks = rois("suite2p/plane0")
                F = traces("suite2p/plane0")          # suite2p's own F - 0.7 Fneu
            """) { args, ctx in
                let path = ctx.resolve(try args.string("path"))
                var isFolder: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
                do {
                    if exists && isFolder.boolValue {
                        if !args["dataset"].isNone { throw BuiltinError("rois(): dataset= applies to NWB files, not suite2p folders", argument: "dataset") }
                        return .array(try Suite2pFolder.rois(folder: path, all: try args.bool("all")))
                    }
                    guard (path as NSString).pathExtension.lowercased() == "nwb" else {
                        throw BuiltinError(exists ? "rois(): \(path): not an NWB file (.nwb) or a suite2p plane folder"
                                           : "rois(): \(path): no such file or folder", kind: .io, argument: "path")
                    }
                    return .array(try NWBFile.rois(path: path, segmentation: try args.optionalString("dataset")))
                } catch let e as DataFileError {
                    throw BuiltinError(e.description, kind: .io)
                }
            },
            Builtin("save", [
                Parameter("value", [.array, .list, .figure, .record], "an array or list of numbers, a figure, a model or a record"),
                Parameter("path", .string, "where: .npy, .csv (vectors, matrices, tables), .tif (images, movies), .png (figures), .lariatmodel (models), .json (records)"),
            ], summary: "Save an array, figure, fitted model or record to a file.",
            documentation: """
            Arrays: .npy keeps float64 (a loaded movie its own type: uint8, uint16, int16 or \
            float32, written a window at a time, lazy movies too); .csv writes a matrix as rows (a vector one value per line); \
            .tif writes a movie page by page, as uint16 when every value is a whole number in 0..65535 \
            (e.g. a loaded 16-bit movie) and float32 otherwise. Figures save as .png.

            A model from `fit` saves to .lariatmodel and comes back with `load`, giving the same \
            scores, coefficients, reconstructions and maps bit for bit (an .npz numpy reads; the \
            format is in docs/recordings.md). Any record (a model's scores, a network) saves to \
            .json, every field, arrays as nested lists; to .csv when it is a table: all fields \
            single values (rows name,value) or vectors of one length (one column each).

            Example:

                save(sim.truth, "truth.csv")
                save(movie[0:100], "first100.tif")
                save(m, "m.lariatmodel")
                m2 = load("m.lariatmodel")
                save(m.scores, "scores.csv")
                save(network(m, movie, masks=cells), "network.json")
            """) { args, ctx in
                let path = ctx.resolve(try args.string("path"))
                let ext = (path as NSString).pathExtension.lowercased()
                if case .record(let r) = args["value"] {
                    return try saveRecord(r, path: path, ext: ext)
                }
                if ext == ModelArchive.fileExtension || ext == "json" {
                    throw BuiltinError("save(): \(path): .\(ext) holds \(ext == "json" ? "records" : "models from fit()"), got a \(args["value"].typeName)", kind: .io)
                }
                if case .figure(let f) = args["value"] {
                    guard (path as NSString).pathExtension.lowercased() == "png" else {
                        throw BuiltinError("save(): \(path): figures save as .png", kind: .io)
                    }
                    do { try Data(f.png).write(to: URL(fileURLWithPath: path)) } catch {
                        throw BuiltinError("\(path): cannot write: \(error.localizedDescription)", kind: .io)
                    }
                    return .none
                }
                // A movie saves to .npy in its own type, a window at a time.
                if case .movie(let m) = args["value"], ext == "npy" {
                    do { try NPY.write(m, path: path) } catch let e as NPY.FormatError {
                        throw BuiltinError(e.description, kind: .io)
                    }
                    return .none
                }
                let a = try args.array("value")
                do { try ArraySaver.save(a, path: path) } catch let e as DataFileError {
                    throw BuiltinError(e.description, kind: .io)
                }
                return .none
            },
            Builtin("simulate", [
                Parameter("neurons", .integer, default: .number(20), "active neurons N"),
                Parameter("frames", .integer, default: .number(1500), "frames T"),
                Parameter("size", .integer, default: .number(40), "the field of view is size x size pixels"),
                Parameter("seed", .integer, default: .number(0), "fixes the field of view and the network"),
                Parameter("session", .integer, default: .number(0), "a new recording (activity, noise) of the same unit"),
                Parameter("rewired", .boolean, default: .bool(false), "true: a different network on the same cells"),
                Parameter("density", .number, default: .number(0.05), "fraction of neuron pairs that are linked"),
                Parameter("rate", .number, default: .number(0.08), "mean spikes per frame per neuron"),
                Parameter("decay", .number, default: .number(0.95), "calcium AR(1) coefficient per frame"),
                Parameter("noise", .number, default: .number(1), "scales shot and read noise (0: noiseless)"),
                Parameter("drift", .number, default: .number(1), "scales slow drift (bleaching, oscillation; 0: none)"),
            ], summary: "Simulate a calcium imaging movie with a known sparse network (ground truth).",
            documentation: """
            N neurons with elliptical blob footprints; their latent drive follows a sparse, stable VAR(1) \
            (`.truth`, N x N, truth[i, j] = effect of neuron j at t-1 on neuron i at t; the diagonal is each \
            neuron's persistence) and sets Poisson spike rates; calcium decays as AR(1); a static non-sparse \
            background (neuropil texture, bright inactive somata, dark vessels); slow drift; shot noise.

            Fields: movie (T x H x W), truth (N x N), footprints (N x H x W), activity (T x N calcium), \
            spikes (T x N), drive (T x N), background (H x W), drift (T), centers (N x 2), and the options.

            Pairs for `compare`: the same `seed` with another `session` has the same dynamics; \
            `rewired=true` changes the network on the same cells.

                a = simulate(seed=1)
                b = simulate(seed=1, session=1)
                c = simulate(seed=1, session=1, rewired=true)
            """) { args, ctx in
                var o = SimulationOptions(neurons: try args.integer("neurons", in: 1...100_000),
                                          frames: try args.integer("frames", in: 2...10_000_000),
                                          size: try args.integer("size", in: 8...4096),
                                          seed: try args.integer("seed"), session: try args.integer("session"),
                                          rewired: try args.bool("rewired"))
                o.density = try args.number("density")
                o.rate = try args.number("rate")
                o.decay = try args.number("decay")
                o.noise = try args.number("noise")
                o.drift = try args.number("drift")
                let s: Simulation
                do { s = try Simulator.simulate(o, context: ctx.work) } catch let e as SimulationError {
                    throw BuiltinError(e.description)
                }
                return .record(Record(kind: "simulation", fields: [
                    ("movie", .array(s.movie)), ("truth", .array(s.truth)), ("footprints", .array(s.footprints)),
                    ("activity", .array(s.activity)), ("spikes", .array(s.spikes)), ("drive", .array(s.drive)),
                    ("background", .array(s.background)), ("drift", .array(s.drift)), ("centers", .array(s.centers)),
                    ("neurons", .number(Double(o.neurons))), ("seed", .number(Double(o.seed))),
                    ("session", .number(Double(o.session))), ("rewired", .bool(o.rewired)),
                ]))
            },
        ]
    }
}

/// `save` of a record: a model to .lariatmodel, any record to .json or (a table) .csv.
private func saveRecord(_ r: Record, path: String, ext: String) throws -> Value {
    func write(_ text: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw BuiltinError("\(path): cannot write: \(error.localizedDescription)", kind: .io)
        }
    }
    switch ext {
    case ModelArchive.fileExtension:
        guard let m = r.payload as? LatentDynamicsModel else {
            throw BuiltinError("save(): \(path): .lariatmodel holds models from fit(), got a \(r.kind); save records to .json or .csv", kind: .io)
        }
        var latents: NDArray?
        if case .array(let z)? = r["latents"] { latents = z }
        do { try ModelArchive.save(m, fitLatents: latents, path: path) } catch let e as DataFileError {
            throw BuiltinError(e.description, kind: .io)
        }
    case "json": try write(RecordExport.json(r))
    case "csv": try write(try RecordExport.csv(r, path: path))
    default:
        throw BuiltinError("save(): \(path): a \(r.kind) saves to .json or .csv\(r.payload is LatentDynamicsModel ? " (or, the model itself, to .lariatmodel)" : "")", kind: .io)
    }
    return .none
}
