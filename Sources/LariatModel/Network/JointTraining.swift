import Foundation

/// The weights of the joint loss (DESIGN.md "Losses"), all exposed:
///
///     L = reconstruction * mean (D(z_t, s) - x_t)^2
///       + prediction     * mean (D(zhat_t, s) - x_t)^2           (t = p..T-1, zhat from the VAR)
///       + latentResidual * mean (zhat_s_t - zs_t)^2              (standardised latents)
///       + varianceFloor  * mean_i max(0, floor - sd_i)^2         (collapse guard)
public struct JointLossWeights: Sendable, Equatable {
    public var reconstruction: Double = 1
    public var prediction: Double = 1
    public var latentResidual: Double = 1
    public var varianceFloor: Double = 1
    /// The smallest standard deviation (in the encoder's units, over a window)
    /// a latent coordinate may have before the floor penalty pushes back.
    public var floor: Double = 0.1

    public init(reconstruction: Double = 1, prediction: Double = 1, latentResidual: Double = 1,
                varianceFloor: Double = 1, floor: Double = 0.1) {
        self.reconstruction = reconstruction; self.prediction = prediction
        self.latentResidual = latentResidual; self.varianceFloor = varianceFloor; self.floor = floor
    }
}

/// The losses of one joint step, each already multiplied by its weight.
public struct JointLosses: Sendable {
    public var total: Double
    public var reconstruction: Double
    public var prediction: Double
    public var latentResidual: Double
    public var varianceFloor: Double
    /// Unweighted mean squared latent residual over the standardised
    /// latents' variance: the window's latent fraction of variance unexplained.
    public var latentFVU: Double
}

extension AutoencoderTrainer {
    /// One joint step on `window`: encode, standardise the latents, fit the
    /// sparse VAR(`lag`) by LARS at `penalty`, decode its predictions with the
    /// static features, and backpropagate the joint loss through the lasso
    /// solution (active sets and signs held, lambda fixed) into the encoder.
    /// Accumulates every parameter gradient; the caller updates.
    public func jointGradients(window: Range<Int>, lag: Int, penalty: SparseVAR.Penalty,
                               shrinkTo: SparseVAR.Shrinkage = .zero,
                               weights: JointLossWeights = JointLossWeights(),
                               cancellation: Cancellation? = nil) throws -> JointLosses {
        let x = try normalised(window)
        let T = x.shape[0], d = network.latent
        guard T >= lag + 2 else { throw NetworkError("a window of \(T) frames is too short for lag \(lag): need at least \(lag + 2)") }
        let (z, encTape) = try network.encodeRecording(x, cancellation: cancellation)
        guard z.isFinite else { throw NetworkError("the encoder produced non-finite latents; try a smaller learning rate") }

        // The VAR on standardised latents (double).
        try cancellation?.check()
        let step = try LatentVARStep(latents: z, lag: lag, penalty: penalty, shrinkTo: shrinkTo)

        // Reconstruction of every frame of the window.
        var losses = JointLosses(total: 0, reconstruction: 0, prediction: 0, latentResidual: 0, varianceFloor: 0, latentFVU: 0)
        var dz = Tensor(zeros: [T, d])
        if weights.reconstruction > 0 {
            let (y, tape) = try network.decodeRecording(z, static: staticImage, cancellation: cancellation)
            let (loss, dy) = meanSquaredError(y, x, weight: Float(weights.reconstruction))
            losses.reconstruction = loss
            dz = try network.decoderBackward(dy, tape: tape, cancellation: cancellation)
        }

        // The decoded prediction of frames p..T-1 from the VAR's latents.
        var dPrediction: Tensor? = nil
        if weights.prediction > 0 {
            let (y, tape) = try network.decodeRecording(step.prediction, static: staticImage, cancellation: cancellation)
            let (loss, dy) = meanSquaredError(y, x.frames(lag..<T), weight: Float(weights.prediction))
            losses.prediction = loss
            dPrediction = try network.decoderBackward(dy, tape: tape, cancellation: cancellation)
        }

        // The latent residual and the collapse guard, then back through the lasso-VAR.
        try cancellation?.check()
        let latent = try step.backward(predictionGradient: dPrediction, weights: weights)
        losses.latentResidual = latent.residual
        losses.varianceFloor = latent.floor
        losses.latentFVU = latent.fvu
        for i in 0..<dz.count { dz.data[i] += latent.gradient.data[i] }

        try network.encoderBackward(dz, tape: encTape, cancellation: cancellation)
        losses.total = losses.reconstruction + losses.prediction + losses.latentResidual + losses.varianceFloor
        return losses
    }

    /// Joint training through the lasso-VAR for `options.epochs` epochs
    /// (typically after some reconstruction-only epochs). Appends each
    /// epoch's mean total loss to `losses`; reports the parts as it goes (to
    /// `progress` when given, else to `context`).
    public func trainJoint(lag: Int, penalty: SparseVAR.Penalty, shrinkTo: SparseVAR.Shrinkage = .zero,
                           weights: JointLossWeights = JointLossWeights(),
                           context: WorkContext = .silent, progress: ((TrainingProgress) -> Void)? = nil) throws {
        guard lag >= 1 else { throw NetworkError("lag must be at least 1, got \(lag)") }
        try train(task: "fit", context: context, progress: progress) { window in
            let l = try jointGradients(window: window, lag: lag, penalty: penalty, shrinkTo: shrinkTo, weights: weights,
                                       cancellation: context.cancellation)
            // The weighted latent residual is kept only when its weight
            // makes it differ from the FVU (at weight 1 the two coincide).
            return TrainingLosses(total: l.total, reconstruction: l.reconstruction, prediction: l.prediction,
                                  latentResidual: weights.latentResidual != 1 ? l.latentResidual : nil, latentFVU: l.latentFVU)
        }
    }
}

/// The latent side of a joint step, all in double: standardise the window's
/// latents, fit the sparse VAR, predict; then, given the decoder's gradient
/// with respect to the prediction, add the latent residual and the variance
/// floor and pull everything back to the latents.
struct LatentVARStep {
    let lag: Int
    let standard: LatentStandardisation
    let model: SparseVAR
    /// The VAR's predictions of latents p..T-1 in the encoder's units, `(T - p) x d`.
    let prediction: Tensor

    init(latents z: Tensor, lag: Int, penalty: SparseVAR.Penalty, shrinkTo: SparseVAR.Shrinkage = .zero) throws {
        self.lag = lag
        standard = LatentStandardisation(z)
        model = try SparseVAR.fit(standard.standardised, lag: lag, penalty: penalty, shrinkTo: shrinkTo)
        prediction = standard.destandardise(model.fittedValues)
    }

    /// - Parameter predictionGradient: dL/d`prediction` (from decoding it), or nil.
    /// - Returns: the weighted residual and floor losses, the unweighted
    ///   latent FVU, and dL/dz for the whole window (`T x d`).
    func backward(predictionGradient g: Tensor?, weights: JointLossWeights) throws
        -> (residual: Double, floor: Double, fvu: Double, gradient: Tensor) {
        let (T, d) = (standard.count, standard.dimension)
        let zs = standard.standardised, zhatS = model.fittedValues
        var dzs = NDArray(zeros: [T, d])
        var dzhatS = NDArray(zeros: [T - lag, d])
        var dMean = [Double](repeating: 0, count: d), dSD = [Double](repeating: 0, count: d)
        // Through prediction = zhat_s * sd + mu.
        if let g {
            for r in 0..<(T - lag) { for i in 0..<d {
                let gi = Double(g.data[r * d + i])
                dzhatS.data[r * d + i] = gi * standard.sd[i]
                dSD[i] += gi * zhatS.data[r * d + i]
                dMean[i] += gi
            }}
        }
        // The residual in standardised units: mean (zhat_s - zs[p...])^2.
        var residualSS = 0.0
        let m = Double((T - lag) * d)
        for r in 0..<(T - lag) { for i in 0..<d {
            let e = zhatS.data[r * d + i] - zs.data[(r + lag) * d + i]
            residualSS += e * e
            let ge = 2 * weights.latentResidual * e / m
            dzhatS.data[r * d + i] += ge
            dzs.data[(r + lag) * d + i] -= ge
        }}
        // The collapse guard on each coordinate's spread.
        var floorLoss = 0.0
        for i in 0..<d where standard.sd[i] < weights.floor {
            let gap = weights.floor - standard.sd[i]
            floorLoss += weights.varianceFloor * gap * gap / Double(d)
            dSD[i] -= 2 * weights.varianceFloor * gap / Double(d)
        }
        // Through the lasso-VAR: both the lagged design and the targets come from zs.
        let pulled = try model.pullback(fittedGradient: dzhatS)
        for i in 0..<dzs.count { dzs.data[i] += pulled.traces.data[i] }
        let dz = standard.backward(dStandardised: dzs, dMean: dMean, dSD: dSD)
        return (weights.latentResidual * residualSS / m, floorLoss, residualSS / m, dz)
    }
}
