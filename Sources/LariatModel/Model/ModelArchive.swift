import Foundation

/// A fitted model on disk: `name.lariatmodel`, an uncompressed `.npz`
/// (a ZIP of `.npy` members) that numpy reads as it is:
///
///     z = numpy.load("m.lariatmodel")
///     header = json.loads(z["header"].tobytes())
///     z["var_coefficients"]            # d x d*lag, as m.coefficients
///
/// `header` (JSON as UTF-8 bytes) holds the format's name and version, the
/// fit options and architecture, and the names of the numeric members;
/// every number that must come back exactly is a float32 (network) or
/// float64 (everything else) member, never JSON text. The layout is
/// documented in docs/recordings.md ("Saving models"). A later version
/// may add members; a file of a NEWER version than this build reads is
/// refused with a clear error rather than read wrongly.
///
/// Loading rebuilds the network from its architecture and overwrites every
/// parameter, so a loaded model gives the same encodings, reconstructions,
/// scores and maps, bit for bit, as the one saved (same build, same CPU).
public enum ModelArchive {
    public static let formatName = "lariatmodel"
    public static let version = 1
    public static let fileExtension = "lariatmodel"

    /// Writes `model` (and, if given, the latents of the movie it was fitted
    /// on, which `fit`'s record shows) to `path`.
    public static func save(_ model: LatentDynamicsModel, fitLatents: NDArray? = nil, path: String) throws {
        let o = model.options, a = o.architecture, net = model.network
        var members: [(String, [UInt8])] = []
        func f64(_ name: String, _ v: [Double], _ shape: [Int]? = nil) {
            members.append((name + ".npy", NPY.bytes(.float64(v), shape: shape ?? [v.count])))
        }
        var parameterEntries: [ArchiveHeader.ParameterEntry] = []
        for (i, p) in net.parameters.enumerated() {
            let member = String(format: "parameter_%03d", i)
            members.append((member + ".npy", NPY.bytes(.float32(p.value.data), shape: p.value.shape)))
            parameterEntries.append(.init(name: p.name, member: member, shape: p.value.shape))
        }
        let s = model.trainer.staticImage
        members.append(("static_image.npy", NPY.bytes(.float32(s.data), shape: s.shape)))
        f64("normalisation", [model.normalisation.offset, model.normalisation.scale])
        f64("latent_mean", model.latentMean)
        f64("latent_sd", model.latentSD)
        let v = model.dynamics
        f64("var_coefficients", v.coefficients.data, v.coefficients.shape)
        f64("var_intercept", v.intercept)
        f64("var_lambdas", v.lambdas)
        f64("var_lambda_max", v.lambdaMax)
        f64("var_fitted", v.fittedValues.data, v.fittedValues.shape)
        f64("var_residuals", v.residuals.data, v.residuals.shape)
        // The standardised training latents the VAR was fitted on (its centred
        // design plus the column means, to rounding): loading rebuilds the
        // lasso's design and solutions from them, which only gradients use.
        let g = v.design
        let series = (0..<(g.Zc.count)).map { g.Zc[$0] + (g.ybar[$0 % g.k] - g.shift[$0 % g.k]) }
        f64("var_series", series, [g.Zc.count / g.k, g.k])
        let scores = scoreFields(model.scores)
        f64("scores", scores.map(\.1))
        for (k, loss) in model.losses.enumerated() { f64("loss_\(k)", loss.values) }
        if let z = fitLatents { f64("fit_latents", z.data, z.shape) }

        let penalty: ArchiveHeader.Penalty
        switch o.penalty {
        case .value(let x): penalty = .init(kind: "value", value: x, criterion: nil)
        case .ratio(let x): penalty = .init(kind: "ratio", value: x, criterion: nil)
        case .criterion(let c): penalty = .init(kind: "criterion", value: nil, criterion: c.rawValue)
        }
        let header = ArchiveHeader(
            format: formatName, version: version, frameHeight: model.frameHeight, frameWidth: model.frameWidth,
            trainingFrames: model.trainingFrames,
            options: .init(latent: o.latent, lag: o.lag, penalty: penalty, epochs: o.epochs, seed: String(o.seed),
                           mode: o.mode.rawValue, skip: o.skip, window: o.window, learningRate: o.learningRate,
                           holdout: o.holdout, warmup: o.warmupEpochs, shrinkTo: o.shrinkTo.rawValue,
                           weights: .init(reconstruction: o.weights.reconstruction, prediction: o.weights.prediction,
                                          latentResidual: o.weights.latentResidual,
                                          varianceFloor: o.weights.varianceFloor, floor: o.weights.floor)),
            architecture: .init(channels: a.channels, kernel: a.kernel, skipChannels: a.skipChannels,
                                mapChannels: a.mapChannels, activation: a.activation.rawValue, decoder: a.decoder.rawValue,
                                layers: a.insertedLayers),
            parameters: parameterEntries, scores: scores.map(\.0), losses: model.losses.map(\.name),
            varLag: v.lag, varActiveSets: v.activeSets, varWarnings: v.warnings)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        members.insert(("header.npy", NPY.bytes(.uint8(Array(json)), shape: [json.count])), at: 0)
        try ZipArchive.write(members.map { (name: $0.0, bytes: $0.1) }, path: path)
    }

    /// Reads a model written by `save`. Returns the latents of its fit movie
    /// too, when they were saved.
    /// - Throws: `DataFileError` naming the file and what is wrong with it
    ///   (not a model, a newer format, a missing or misshapen member).
    public static func load(path: String) throws -> (model: LatentDynamicsModel, fitLatents: NDArray?) {
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        var members: [String: [UInt8]] = [:]
        for m in try ZipArchive.read(path: path) { members[m.name] = m.bytes }
        func array(_ name: String) throws -> NDArray {
            guard let b = members[name + ".npy"] else { throw fail("the member '\(name)' is missing: the file is incomplete") }
            return try NPY.array(from: b, name: "\(path): \(name)")
        }
        func vector(_ name: String, count: Int) throws -> [Double] {
            let a = try array(name)
            guard a.count == count else { throw fail("'\(name)' has \(a.count) values, expected \(count)") }
            return a.data
        }
        guard let headerBytes = members["header.npy"] else {
            throw fail("not a Lariat model (no 'header' member; save(m, \"name.lariatmodel\") writes one)")
        }
        let headerArray = try NPY.array(from: headerBytes, name: "\(path): header")
        let json = Data(headerArray.data.map { UInt8(clamping: Int($0)) })
        // JSONDecoder, not JSONSerialization: only it parses doubles exactly.
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let identity = try? decoder.decode(ArchiveHeader.Identity.self, from: json),
              identity.format == formatName else {
            throw fail("not a Lariat model (its header is not a lariatmodel header)")
        }
        guard identity.version <= version else {
            throw fail("written in lariatmodel format version \(identity.version) by a newer Lariat; this one reads versions up to \(version): update Lariat")
        }
        let h: ArchiveHeader
        do { h = try decoder.decode(ArchiveHeader.self, from: json) } catch {
            throw fail("its header is malformed (\(error))")
        }
        let H = h.frameHeight, W = h.frameWidth, opt = h.options

        var o = FitOptions()
        o.latent = opt.latent; o.lag = opt.lag; o.epochs = opt.epochs
        guard let seed = UInt64(opt.seed) else { throw fail("options.seed is not a whole number") }
        o.seed = seed
        guard let mode = FitOptions.Mode(rawValue: opt.mode) else { throw fail("options.mode '\(opt.mode)' is unknown") }
        o.mode = mode
        o.skip = opt.skip; o.window = opt.window
        o.learningRate = opt.learningRate; o.holdout = opt.holdout
        o.warmupEpochs = opt.warmup
        guard let shrink = SparseVAR.Shrinkage(rawValue: opt.shrinkTo ?? "zero") else {
            throw fail("options.shrink_to '\(opt.shrinkTo ?? "")' is unknown")
        }
        o.shrinkTo = shrink
        let w = opt.weights
        o.weights = JointLossWeights(reconstruction: w.reconstruction, prediction: w.prediction, latentResidual: w.latentResidual,
                                     varianceFloor: w.varianceFloor, floor: w.floor)
        switch (opt.penalty.kind, opt.penalty.value, opt.penalty.criterion.flatMap(InformationCriterion.init(rawValue:))) {
        case ("value", let x?, _): o.penalty = .value(x)
        case ("ratio", let x?, _): o.penalty = .ratio(x)
        case ("criterion", _, let c?): o.penalty = .criterion(c)
        default: throw fail("options.penalty is unknown")
        }
        guard let activation = Activation(rawValue: h.architecture.activation),
              let decoderKind = Architecture.Decoder(rawValue: h.architecture.decoder) else {
            throw fail("the architecture names an activation or decoder this Lariat does not know")
        }
        o.architecture = Architecture(channels: h.architecture.channels, kernel: h.architecture.kernel,
                                      skipChannels: h.architecture.skipChannels, mapChannels: h.architecture.mapChannels,
                                      activation: activation, decoder: decoderKind,
                                      insertedLayers: h.architecture.layers ?? [])

        // Sizes the network is built from are checked against members the
        // file's bytes back (the static image is H x W), before building it.
        let staticArray = try array("static_image")
        guard H >= 1, W >= 1, staticArray.shape == [H, W] else {
            throw fail("static_image is \(staticArray.shape), the header says \(H) x \(W) frames")
        }
        guard (1...4096).contains(o.latent), (1...1000).contains(o.lag) else {
            throw fail("options latent \(o.latent) or lag \(o.lag) is out of range")
        }
        let network: Autoencoder
        do {
            network = try Autoencoder(frameHeight: H, frameWidth: W, latent: o.latent, skip: o.skip,
                                      architecture: o.architecture, seed: o.seed)
        } catch let e as NetworkError { throw fail("its network cannot be rebuilt: \(e.description)") }
        let entries = h.parameters
        guard entries.count == network.parameters.count else {
            throw fail("it has \(entries.count) parameter tensors; its architecture has \(network.parameters.count)")
        }
        for (parameter, entry) in zip(network.parameters, entries) {
            let stored = try array(entry.member)
            guard stored.shape == parameter.value.shape, entry.name == parameter.name else {
                throw fail("parameter \(parameter.name): stored as \(entry.name) \(stored.shape), expected \(parameter.value.shape)")
            }
            parameter.value = Tensor(shape: stored.shape, data: stored.data.map { Float($0) })
        }
        let n = try vector("normalisation", count: 2)
        guard n[1] > 0, n[1].isFinite, n[0].isFinite else { throw fail("its normalisation is not finite and positive") }
        var training = TrainingOptions(epochs: o.epochs, window: o.window, learningRate: o.learningRate, seed: o.seed)
        training.divergenceFactor = 1e4
        let trainer = AutoencoderTrainer(restoring: network, normalisation: MovieNormalisation(offset: n[0], scale: n[1]),
                                         staticImage: Tensor(shape: [H, W], data: staticArray.data.map { Float($0) }),
                                         options: training)

        let d = o.latent, kp = d * o.lag
        let series = try array("var_series")
        guard series.rank == 2, series.shape[1] == d, series.shape[0] > o.lag else {
            throw fail("var_series is \(series.shape), expected T x \(d)")
        }
        let refit: SparseVAR
        do { refit = try SparseVAR.fit(series, lag: o.lag, penalty: o.penalty, shrinkTo: o.shrinkTo) } catch let e as LassoInputError {
            throw fail("var_series cannot be refitted: \(e)")
        }
        let rows = series.shape[0] - o.lag
        let coefficients = try array("var_coefficients"), fitted = try array("var_fitted"), residuals = try array("var_residuals")
        guard coefficients.shape == [d, kp], fitted.shape == [rows, d], residuals.shape == [rows, d] else {
            throw fail("the VAR's members have the wrong shapes for \(d) latents at lag \(o.lag)")
        }
        guard h.varActiveSets.count == d, h.varActiveSets.allSatisfy({ $0.allSatisfy { (0..<kp).contains($0) } }) else {
            throw fail("the VAR's active sets do not match \(d) latents at lag \(o.lag)")
        }
        let dynamics = SparseVAR(lag: o.lag, shrinkTo: o.shrinkTo, variableCount: d, coefficients: coefficients,
                                 intercept: try vector("var_intercept", count: d),
                                 lambdas: try vector("var_lambdas", count: d), lambdaMax: try vector("var_lambda_max", count: d),
                                 activeSets: h.varActiveSets, fittedValues: fitted, residuals: residuals,
                                 warnings: h.varWarnings, design: refit.design, solutions: refit.solutions)

        let scoreNames = h.scores
        let scoreValues = try vector("scores", count: scoreNames.count)
        let scores = try scoresFrom(Dictionary(uniqueKeysWithValues: zip(scoreNames, scoreValues)), fail: fail)
        let lossNames = h.losses
        var losses: [(name: String, values: [Double])] = []
        for (k, name) in lossNames.enumerated() { losses.append((name, try array("loss_\(k)").data)) }
        let model = LatentDynamicsModel(options: o, trainer: trainer, dynamics: dynamics,
                                        latentMean: try vector("latent_mean", count: d), latentSD: try vector("latent_sd", count: d),
                                        losses: losses, scores: scores, trainingFrames: h.trainingFrames)
        let fitLatents = members["fit_latents.npy"] != nil ? try array("fit_latents") : nil
        return (model, fitLatents)
    }

    // MARK: - Scores by name

    static func scoreFields(_ s: ModelScores) -> [(String, Double)] {
        [("prediction_ratio", s.predictionRatio), ("latent_fvu", s.latentFVU), ("reconstruction_r2", s.reconstructionR2),
         ("dynamics_gain", s.dynamicsGain), ("ar1_prediction_ratio", s.ar1PredictionRatio),
         ("change_prediction_ratio", s.changePredictionRatio), ("carry_prediction_ratio", s.carryPredictionRatio),
         ("carry_dynamics_gain", s.carryDynamicsGain), ("frames", Double(s.frames))]
    }

    static func scoresFrom(_ v: [String: Double], fail: (String) -> DataFileError) throws -> ModelScores {
        func get(_ k: String) throws -> Double {
            guard let x = v[k] else { throw fail("the score '\(k)' is missing") }
            return x
        }
        return ModelScores(predictionRatio: try get("prediction_ratio"), latentFVU: try get("latent_fvu"),
                           reconstructionR2: try get("reconstruction_r2"), dynamicsGain: try get("dynamics_gain"),
                           ar1PredictionRatio: try get("ar1_prediction_ratio"),
                           changePredictionRatio: try get("change_prediction_ratio"),
                           carryPredictionRatio: try get("carry_prediction_ratio"),
                           carryDynamicsGain: try get("carry_dynamics_gain"), frames: Int(try get("frames")))
    }

    /// The JSON header (keys in snake_case in the file).
    struct ArchiveHeader: Codable {
        /// Read first, so a newer version is refused before its fields are parsed.
        struct Identity: Codable { var format: String; var version: Int }
        struct Penalty: Codable { var kind: String; var value: Double?; var criterion: String? }
        struct Weights: Codable { var reconstruction, prediction, latentResidual, varianceFloor, floor: Double }
        struct Options: Codable {
            var latent, lag: Int
            var penalty: Penalty
            var epochs: Int
            /// A string: JSON numbers lose UInt64s past 2^53.
            var seed: String
            var mode: String
            var skip: Bool
            var window: Int
            var learningRate: Float
            var holdout: Double
            var warmup: Int?
            /// Absent in files written before it existed: "zero".
            var shrinkTo: String?
            var weights: Weights
        }
        struct Architecture: Codable {
            var channels: [Int]
            var kernel, skipChannels, mapChannels: Int
            var activation, decoder: String
            /// Layer types inserted after each hidden convolution (`fit(..., layers=)`);
            /// absent means none.
            var layers: [String]?
        }
        struct ParameterEntry: Codable { var name, member: String; var shape: [Int] }

        var format: String
        var version: Int
        var frameHeight, frameWidth, trainingFrames: Int
        var options: Options
        var architecture: Architecture
        var parameters: [ParameterEntry]
        var scores: [String]
        var losses: [String]
        var varLag: Int
        var varActiveSets: [[Int]]
        var varWarnings: [String]
    }
}
