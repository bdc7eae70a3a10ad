/// The convolutional autoencoder of DESIGN.md "The model", on channels-last
/// frames, assembled from an `Architecture` as three compositions of layers
/// (`Sequential`), whose gradients are their layers' pullbacks in reverse.
/// With `Architecture.standard` (the layer sizes of
/// `shared/bench/torch_reference.py`):
///
///     encoder: x (N x H x W x 1) -> zero-pad to Hp x Wp (multiples of 16, centred)
///       -> Conv(1,16,3,s2,p1)+ReLU -> Conv(16,32,3,s2,p1)+ReLU -> Conv(32,32,3,s2,p1)+ReLU
///       -> Conv(32,Cl,3,s2,p1)            => map Hp/16 x Wp/16 x Cl
///       -> flatten (Cl = 1 when d equals the map's area) or Linear(area*Cl, d) (Cl = 8)  => z (N x d)
///     decoder: z -> [Linear(d, area*Cl)] -> reshape -> 4 x (ConvT(.,.,3,s2,p1,op1)+ReLU), channels 32,32,16,16
///       -> crop to H x W -> Conv(16,1,3,p1)
///     skip:    y += Conv(8,1,3,p1, no bias)(ReLU(Conv(1,8,3,p1)(static)))
///
/// The skip connection (`skip: true`) carries only *static* content: `static`
/// is the sequence's mean image (normalised), never the frame being decoded,
/// so the prediction of frame t+1 depends on the VAR's latent and the static
/// features alone. Summing the two output convolutions equals PyTorch's
/// `Conv(24,1)(cat[h, s])`; since `s` is the same for every frame it is
/// computed once and broadcast (a batch of N static frames is also accepted).
public final class Autoencoder {
    public let frameHeight: Int, frameWidth: Int
    /// d, the length of each latent vector.
    public let latent: Int
    public let skip: Bool
    public let architecture: Architecture
    /// The padded frame size the convolutions see, and the latent map's size.
    public let paddedHeight: Int, paddedWidth: Int
    public let mapHeight: Int, mapWidth: Int, mapChannels: Int

    /// Frames (padded) to latents.
    public let encoder: Sequential
    /// Latents to frames, without the skip branch.
    public let decoder: Sequential
    /// The static image to its contribution to every frame (nil without the skip).
    public let staticBranch: Sequential?

    let encoderConvs: [Conv2D]
    let encoderLinear: Linear?
    let decoderLinear: Linear?
    let decoderConvs: [ConvTranspose2D]
    /// The convolutional decoder's output layer (nil with `.parts`).
    let output: Conv2D?
    /// The parts decoder (nil with `.convolutional`).
    public let spatialParts: SpatialParts?
    let staticConv: Conv2D?
    let staticOutput: Conv2D?

    /// A network for `frameHeight x frameWidth` frames and `latent`-dimensional
    /// codes with the given architecture, initialised from `seed` (PyTorch's
    /// default initialisation). `kernels` limits the fast paths and `tiles`
    /// forces their register tiles (tests; by default the running CPU's).
    public init(frameHeight: Int, frameWidth: Int, latent: Int, skip: Bool = true,
                architecture: Architecture = .standard, kernels: KernelChoice = .all,
                tiles: RegisterTiles = .detected, seed: UInt64 = 0) throws {
        try architecture.validate()
        let f = 1 << architecture.depth
        guard frameHeight >= 4, frameWidth >= 4 else {
            throw NetworkError("frames of \(frameHeight)x\(frameWidth) are too small for the autoencoder: it needs at least 4x4 pixels")
        }
        guard latent >= 1, latent <= 4096 else {
            throw NetworkError("latent must be between 1 and 4096, got \(latent)")
        }
        self.frameHeight = frameHeight; self.frameWidth = frameWidth
        self.latent = latent; self.skip = skip; self.architecture = architecture
        mapHeight = (frameHeight + f - 1) / f; mapWidth = (frameWidth + f - 1) / f
        paddedHeight = mapHeight * f; paddedWidth = mapWidth * f
        let area = mapHeight * mapWidth
        let direct = area == latent
        mapChannels = direct ? 1 : architecture.mapChannels

        let (k, act) = (architecture.kernel, architecture.activation)
        var rng = SeededRandom(seed: seed, stream: 0x4E_4554)   // "NET"
        let widths = [1] + architecture.channels + [mapChannels]
        // Each layer is built for the frame size it sees (its kernels may depend on it).
        let (encoderInput, decoderInput) = ((paddedHeight, paddedWidth), (mapHeight, mapWidth))
        let stages = architecture.depth
        encoderConvs = (0..<stages).map { i in
            Conv2D(name: "encoder.conv\(i + 1)", inChannels: widths[i], outChannels: widths[i + 1],
                   kernel: k, stride: 2, padding: k / 2, activation: i < stages - 1 ? act : .identity,
                   inputSize: (encoderInput.0 >> i, encoderInput.1 >> i), kernels: kernels, tiles: tiles, rng: &rng)
        }
        encoderLinear = direct ? nil : Linear(name: "encoder.linear", inFeatures: area * mapChannels, outFeatures: latent, rng: &rng)
        decoderLinear = direct || architecture.decoder != .convolutional ? nil : Linear(name: "decoder.linear", inFeatures: latent, outFeatures: area * mapChannels, rng: &rng)
        let decWidths = [mapChannels] + architecture.channels.reversed() + [architecture.channels[0]]
        let convolutionalDecoder = architecture.decoder == .convolutional
        decoderConvs = !convolutionalDecoder ? [] : (0..<stages).map { i in
            ConvTranspose2D(name: "decoder.convT\(i + 1)", inChannels: decWidths[i], outChannels: decWidths[i + 1],
                            kernel: k, stride: 2, padding: k / 2, outputPadding: 1, activation: act,
                            inputSize: (decoderInput.0 << i, decoderInput.1 << i), kernels: kernels, tiles: tiles, rng: &rng)
        }
        let s = architecture.skipChannels, hidden = architecture.channels[0]
        let outFanIn = (hidden + (skip ? s : 0)) * k * k
        // The output layer and the skip branch see frames of the movie's size.
        let frame = (height: frameHeight, width: frameWidth)
        output = !convolutionalDecoder ? nil : Conv2D(name: "decoder.output", inChannels: hidden, outChannels: 1, kernel: k,
                                                      padding: k / 2, initFanIn: outFanIn, inputSize: frame,
                                                      kernels: kernels, tiles: tiles, rng: &rng)
        staticConv = skip ? Conv2D(name: "skip.conv", inChannels: 1, outChannels: s, kernel: k, padding: k / 2,
                                   activation: act, inputSize: frame, kernels: kernels, tiles: tiles, rng: &rng) : nil
        staticOutput = skip ? Conv2D(name: "skip.output", inChannels: s, outChannels: 1, kernel: k, padding: k / 2,
                                     bias: false, initFanIn: outFanIn, inputSize: frame, kernels: kernels, tiles: tiles,
                                     rng: &rng) : nil

        // Registered layers after each hidden convolution, drawn from their
        // own stream so the convolutions start as without them.
        var insertedRNG = SeededRandom(seed: seed, stream: 0x4C4159)   // "LAY"
        func inserted(after layer: String, channels: Int) -> [any Layer] {
            architecture.insertedLayers.map { name in
                LayerRegistry.type(named: name)!.init(name: "\(layer).\(name)", channels: channels, rng: &insertedRNG)
            }
        }

        // The compositions. Padding and cropping are layers only where the
        // frame is not a multiple of 2^depth.
        let (top, left) = ((paddedHeight - frameHeight) / 2, (paddedWidth - frameWidth) / 2)
        let padded = paddedHeight != frameHeight || paddedWidth != frameWidth
        var enc: [any Layer] = padded ? [SpatialPad(height: paddedHeight, width: paddedWidth, top: top, left: left)] : []
        for (i, conv) in encoderConvs.enumerated() {
            enc.append(conv)
            if i < stages - 1 { enc += inserted(after: "encoder.conv\(i + 1)", channels: conv.outChannels) }
        }
        enc.append(encoderLinear ?? Reshape([latent]))
        let fusions = kernels.contains(.fusedDecoderTail) ? LayerFusionRegistry.registered : []
        encoder = Sequential(enc, fusions: fusions)
        if let output {
            spatialParts = nil
            var dec: [any Layer] = decoderLinear.map { [$0] } ?? []
            dec.append(Reshape([mapHeight, mapWidth, mapChannels]))
            for (i, conv) in decoderConvs.enumerated() {
                dec.append(conv)
                dec += inserted(after: "decoder.convT\(i + 1)", channels: conv.outChannels)
            }
            if padded { dec.append(SpatialCrop(height: frameHeight, width: frameWidth, top: top, left: left)) }
            dec.append(output)
            decoder = Sequential(dec, fusions: fusions)
        } else {
            // Drawn after the skip branch, so the encoder and skip start as with the convolutional decoder.
            let parts = SpatialParts(name: "decoder.parts", latent: latent, height: frameHeight, width: frameWidth, rng: &rng)
            spatialParts = parts
            decoder = Sequential([parts], fusions: fusions)
        }
        if let staticConv, let staticOutput {
            staticBranch = Sequential([staticConv, staticOutput], fusions: fusions)
        } else {
            staticBranch = nil
        }
    }

    /// Every trainable parameter, in a fixed order (for Adam).
    public var parameters: [Parameter] {
        encoderParameters + decoderParameters
    }

    public var encoderParameters: [Parameter] { encoder.parameters }

    /// The decoder's parameters, including the static skip branch.
    public var decoderParameters: [Parameter] { decoder.parameters + (staticBranch?.parameters ?? []) }

    /// Frames as `N x H x W x 1`, accepting `N x H x W`.
    func asFrames(_ x: Tensor, _ what: String) throws -> Tensor {
        if x.rank == 3, x.shape[1] == frameHeight, x.shape[2] == frameWidth { return x.reshaped(x.shape + [1]) }
        guard x.rank == 4, x.shape[1] == frameHeight, x.shape[2] == frameWidth, x.shape[3] == 1 else {
            throw NetworkError("\(what) must be N x \(frameHeight) x \(frameWidth) frames, got shape \(x.shape)")
        }
        return x
    }
}

// MARK: - Encoder

/// What the encoder's backward pass needs from its forward pass: the
/// composition's pullback (holding each layer's saved input or output).
public struct EncoderTape {
    let pullback: Pullback
}

extension Autoencoder {
    /// `z = E(x)`: frames `N x H x W` (or `N x H x W x 1`) to latents `N x d`.
    public func encode(_ frames: Tensor, cancellation: Cancellation? = nil) throws -> Tensor {
        try encodeRecording(frames, cancellation: cancellation).latents
    }

    /// `encode`, also returning the tape for `encoderBackward`.
    public func encodeRecording(_ frames: Tensor, cancellation: Cancellation? = nil) throws
        -> (latents: Tensor, tape: EncoderTape) {
        let x = try asFrames(frames, "encode: frames")
        let (z, pullback) = try encoder.applied(to: x, cancellation: cancellation)
        return (z, EncoderTape(pullback: pullback))
    }

    /// Backward through the encoder: adds parameter gradients for
    /// `dL/dz = dLatents` and returns `dL/dx` (`N x H x W x 1`) when asked
    /// (contribution maps need it; training does not).
    @discardableResult
    public func encoderBackward(_ dLatents: Tensor, tape: EncoderTape, inputGradient: Bool = false,
                                cancellation: Cancellation? = nil) throws -> Tensor? {
        precondition(dLatents.rank == 2 && dLatents.shape[1] == latent,
                     "encoderBackward: dz has shape \(dLatents.shape), expected [N, \(latent)]")
        return try tape.pullback(dLatents, inputGradient)
    }
}

// MARK: - Decoder

/// What the decoder's backward pass needs from its forward pass.
public struct DecoderTape {
    let frames: Int
    let pullback: Pullback
    /// The skip branch's pullback and how many static frames it read.
    let staticPullback: Pullback?
    let staticFrames: Int
}

extension Autoencoder {
    /// `x = D(z, static)`: latents `N x d` to frames `N x H x W x 1`.
    /// `static` is the sequence's static image (its normalised mean image),
    /// `H x W`, `1 x H x W` or `1 x H x W x 1`; required when the network has
    /// the skip connection, ignored otherwise.
    public func decode(_ latents: Tensor, static staticImage: Tensor?, cancellation: Cancellation? = nil) throws -> Tensor {
        try decodeRecording(latents, static: staticImage, cancellation: cancellation).frames
    }

    /// Static images as `S x H x W x 1`.
    func asStatic(_ s: Tensor) throws -> Tensor {
        if s.rank == 2, s.shape == [frameHeight, frameWidth] { return s.reshaped([1, frameHeight, frameWidth, 1]) }
        return try asFrames(s, "decode: static image")
    }

    /// The kernel each convolution runs (`ConvolutionKernels`), resolved when
    /// the network was built, in network order: encoder, decoder, skip branch,
    /// e.g. `("encoder.conv2", "StrideTwoConvolution")`. Layers run as one
    /// fused pair name the fusion.
    /// The architecture as built for this frame size (its latent map's
    /// channels are one when the map's area is the latent count).
    public var architectureDescription: String { architecture.description(mapChannels: mapChannels) }

    public var convolutionKernels: [(layer: String, kernel: String)] {
        ([encoder, decoder] + (staticBranch.map { [$0] } ?? [])).flatMap { sequence in
            sequence.plan.flatMap { layer -> [(layer: String, kernel: String)] in
                switch layer {
                case let c as Conv2D: [(c.name, c.kernelName)]
                case let t as ConvTranspose2D: [(t.name, t.kernelName)]
                case let f as FusedDecoderTail.Fused:
                    [(f.transposed.name, "FusedDecoderTail"), (f.output.name, "FusedDecoderTail")]
                default: []
                }
            }
        }
    }

    /// Whether the decoder's last transposed convolution and its output layer
    /// run fused (`FusedDecoderTail`).
    var fusesDecoderTail: Bool {
        decoder.plan.contains { $0 is FusedDecoderTail.Fused }
    }

    /// `decode`, also returning the tape for `decoderBackward`.
    public func decodeRecording(_ latents: Tensor, static staticImage: Tensor?, cancellation: Cancellation? = nil) throws
        -> (frames: Tensor, tape: DecoderTape) {
        guard latents.rank == 2, latents.shape[1] == latent else {
            throw NetworkError("decode: latents must be N x \(latent), got shape \(latents.shape)")
        }
        let n = latents.shape[0]
        var (y, pullback) = try decoder.applied(to: latents, cancellation: cancellation)
        var staticPullback: Pullback? = nil
        var staticFrames = 0
        if let staticBranch {
            guard let staticImage else { throw NetworkError("decode: this network has a skip connection and needs the static (mean) image") }
            let s = try asStatic(staticImage)
            guard s.shape[0] == 1 || s.shape[0] == n else {
                throw NetworkError("decode: \(s.shape[0]) static images for \(n) latents (give 1)")
            }
            try cancellation?.check()
            let (contribution, branchPullback) = try staticBranch.applied(to: s, cancellation: cancellation)
            addBroadcast(contribution, into: &y)
            staticPullback = branchPullback
            staticFrames = s.shape[0]
        }
        return (y, DecoderTape(frames: n, pullback: pullback, staticPullback: staticPullback, staticFrames: staticFrames))
    }

    /// Backward through the decoder: adds parameter gradients (decoder and
    /// skip branch) for `dL/dx = dFrames` and returns `dL/dz` (`N x d`).
    public func decoderBackward(_ dFrames: Tensor, tape: DecoderTape, cancellation: Cancellation? = nil) throws -> Tensor {
        let n = tape.frames
        let dy = dFrames.reshaped([n, frameHeight, frameWidth, 1])
        if let staticPullback = tape.staticPullback {
            // The static contribution is broadcast over the frames: its gradient is their sum.
            _ = try staticPullback(tape.staticFrames == 1 && n > 1 ? sumFrames(dy) : dy, false)
        }
        try cancellation?.check()
        return try tape.pullback(dy, true)!.reshaped([n, latent])
    }
}

/// `y[n] += s[0]` for every frame (or `y[n] += s[n]` when `s` has as many frames).
func addBroadcast(_ s: Tensor, into y: inout Tensor) {
    let per = s.count / s.shape[0]
    let frames = y.shape[0]
    precondition(y.count == frames * per)
    s.data.withUnsafeBufferPointer { sp in
        y.data.withUnsafeMutableBufferPointer { yp in
            for f in 0..<frames {
                let src = s.shape[0] == 1 ? 0 : f * per
                for i in 0..<per { yp[f * per + i] += sp[src + i] }
            }
        }
    }
}

/// The sum over the batch axis, kept as one frame (sequential: deterministic).
func sumFrames(_ x: Tensor) -> Tensor {
    let per = x.count / x.shape[0]
    var out = Tensor(zeros: [1] + Array(x.shape.dropFirst()))
    x.data.withUnsafeBufferPointer { xp in
        out.data.withUnsafeMutableBufferPointer { op in
            for f in 0..<x.shape[0] { for i in 0..<per { op[i] += xp[f * per + i] } }
        }
    }
    return out
}
