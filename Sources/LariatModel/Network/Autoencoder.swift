/// The convolutional autoencoder of DESIGN.md "The model", on channels-last frames.
///
/// Encoder (the layer sizes of `shared/bench/torch_reference.py`):
///
///     x (N x H x W x 1), zero-padded to Hp x Wp (multiples of 16, centred)
///     -> Conv(1,16,3,s2,p1)+ReLU -> Conv(16,32,3,s2,p1)+ReLU -> Conv(32,32,3,s2,p1)+ReLU
///     -> Conv(32,Cl,3,s2,p1)            => map Hp/16 x Wp/16 x Cl
///     -> flatten (Cl = 1 when d equals the map's area) or Linear(area*Cl, d) (Cl = 8)  => z (N x d)
///
/// Decoder:
///
///     z -> [Linear(d, area*Cl)] -> reshape -> 4 x (ConvT(.,.,3,s2,p1,op1)+ReLU), channels 32,32,16,16
///     -> crop to H x W -> h (N x H x W x 16)
///     y = Conv(16,1,3,p1)(h) + Conv(8,1,3,p1, no bias)(s),  s = ReLU(Conv(1,8,3,p1)(static))
///
/// The skip connection (`skip: true`) carries only *static* content: `static`
/// is the sequence's mean image (normalised), never the frame being decoded,
/// so the prediction of frame t+1 depends on the VAR's latent and the static
/// features alone. Summing the two output convolutions equals PyTorch's
/// `Conv(24,1)(cat[h, s])`; since `s` is the same for every frame it is
/// computed once and broadcast. (A `static` batch of N frames is also
/// accepted, for the benchmark's stand-in that reads the current frame.)
public final class Autoencoder {
    public let frameHeight: Int, frameWidth: Int
    /// d, the length of each latent vector.
    public let latent: Int
    public let skip: Bool
    /// The padded frame size the convolutions see, and the latent map's size.
    public let paddedHeight: Int, paddedWidth: Int
    public let mapHeight: Int, mapWidth: Int, mapChannels: Int

    let encoderConvs: [Conv2D]
    let encoderLinear: Linear?
    let decoderLinear: Linear?
    let decoderConvs: [ConvTranspose2D]
    let output: Conv2D
    let staticConv: Conv2D?
    let staticOutput: Conv2D?

    /// The number of stride-2 stages; frames are padded to multiples of 2^depth.
    static let depth = 4
    static let staticChannels = 8

    /// A network for `frameHeight x frameWidth` frames and `latent`-dimensional
    /// codes, initialised from `seed` (PyTorch's default initialisation).
    public init(frameHeight: Int, frameWidth: Int, latent: Int, skip: Bool = true, seed: UInt64 = 0) throws {
        guard frameHeight >= 4, frameWidth >= 4 else {
            throw NetworkError("frames of \(frameHeight)x\(frameWidth) are too small for the autoencoder: it needs at least 4x4 pixels")
        }
        guard latent >= 1, latent <= 4096 else {
            throw NetworkError("latent must be between 1 and 4096, got \(latent)")
        }
        self.frameHeight = frameHeight; self.frameWidth = frameWidth
        self.latent = latent; self.skip = skip
        let f = 1 << Self.depth
        mapHeight = (frameHeight + f - 1) / f; mapWidth = (frameWidth + f - 1) / f
        paddedHeight = mapHeight * f; paddedWidth = mapWidth * f
        let area = mapHeight * mapWidth
        let direct = area == latent
        mapChannels = direct ? 1 : 8

        var rng = SeededRandom(seed: seed, stream: 0x4E_4554)   // "NET"
        let widths = [1, 16, 32, 32, mapChannels]
        encoderConvs = (0..<4).map { i in
            Conv2D(name: "encoder.conv\(i + 1)", inChannels: widths[i], outChannels: widths[i + 1],
                   kernel: 3, stride: 2, padding: 1, rng: &rng)
        }
        encoderLinear = direct ? nil : Linear(name: "encoder.linear", inFeatures: area * mapChannels, outFeatures: latent, rng: &rng)
        decoderLinear = direct ? nil : Linear(name: "decoder.linear", inFeatures: latent, outFeatures: area * mapChannels, rng: &rng)
        let decWidths = [mapChannels, 32, 32, 16, 16]
        decoderConvs = (0..<4).map { i in
            ConvTranspose2D(name: "decoder.convT\(i + 1)", inChannels: decWidths[i], outChannels: decWidths[i + 1],
                            kernel: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng)
        }
        let s = Self.staticChannels
        let outFanIn = (16 + (skip ? s : 0)) * 9
        output = Conv2D(name: "decoder.output", inChannels: 16, outChannels: 1, kernel: 3, padding: 1,
                        initFanIn: outFanIn, rng: &rng)
        staticConv = skip ? Conv2D(name: "skip.conv", inChannels: 1, outChannels: s, kernel: 3, padding: 1, rng: &rng) : nil
        staticOutput = skip ? Conv2D(name: "skip.output", inChannels: s, outChannels: 1, kernel: 3, padding: 1,
                                     bias: false, initFanIn: outFanIn, rng: &rng) : nil
    }

    /// Every trainable parameter, in a fixed order (for Adam).
    public var parameters: [Parameter] {
        encoderParameters + decoderParameters
    }

    public var encoderParameters: [Parameter] {
        encoderConvs.flatMap(\.parameters) + (encoderLinear?.parameters ?? [])
    }

    /// The decoder's parameters, including the static skip branch.
    public var decoderParameters: [Parameter] {
        (decoderLinear?.parameters ?? []) + decoderConvs.flatMap(\.parameters) + output.parameters
            + (staticConv?.parameters ?? []) + (staticOutput?.parameters ?? [])
    }

    var padTop: Int { (paddedHeight - frameHeight) / 2 }
    var padLeft: Int { (paddedWidth - frameWidth) / 2 }

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

/// What the encoder's backward pass needs from its forward pass.
public struct EncoderTape {
    var input: Tensor                 // padded frames
    var activations: [Tensor]         // outputs of conv1...conv4 (after ReLU for 1...3)
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
        var h = padSpatial(x, height: paddedHeight, width: paddedWidth, top: padTop, left: padLeft)
        var tape = EncoderTape(input: h, activations: [])
        for (i, conv) in encoderConvs.enumerated() {
            try cancellation?.check()
            h = conv.forward(h, rectified: i < encoderConvs.count - 1)
            tape.activations.append(h)
        }
        let n = x.shape[0]
        let flat = h.reshaped([n, h.count / max(n, 1)])
        return (encoderLinear?.forward(flat) ?? flat, tape)
    }

    /// Backward through the encoder: adds parameter gradients for
    /// `dL/dz = dLatents` and returns `dL/dx` (`N x H x W x 1`) when asked
    /// (contribution maps need it; training does not).
    @discardableResult
    public func encoderBackward(_ dLatents: Tensor, tape: EncoderTape, inputGradient: Bool = false,
                                cancellation: Cancellation? = nil) throws -> Tensor? {
        let map = tape.activations.last!
        let n = map.shape[0]
        precondition(dLatents.shape == [n, latent], "encoderBackward: dz has shape \(dLatents.shape), expected [\(n), \(latent)]")
        var grad: Tensor
        if let encoderLinear {
            grad = encoderLinear.backward(dLatents, input: map.reshaped([n, map.count / n]))!.reshaped(map.shape)
        } else {
            grad = dLatents.reshaped(map.shape)
        }
        for i in stride(from: encoderConvs.count - 1, through: 0, by: -1) {
            try cancellation?.check()
            let input = i == 0 ? tape.input : tape.activations[i - 1]
            let rectified = i < encoderConvs.count - 1 ? tape.activations[i] : nil
            guard let g = encoderConvs[i].backward(grad, input: input, rectifiedOutput: rectified,
                                                   inputGradient: i > 0 || inputGradient) else { return nil }
            grad = g
        }
        return cropSpatial(grad, height: frameHeight, width: frameWidth, top: padTop, left: padLeft)
    }
}

// MARK: - Decoder

/// What the decoder's backward pass needs from its forward pass.
public struct DecoderTape {
    var latents: Tensor
    var map: Tensor                   // reshaped (and linearly mapped) latents
    var activations: [Tensor]         // ConvT outputs after ReLU (not the last one when FusedDecoderTail runs)
    var cropped: Tensor?              // last activation cropped to the frame; nil when FusedDecoderTail recomputes it
    var staticImage: Tensor?
    var staticFeatures: Tensor?       // ReLU(Conv(1,8)(static)); nil when FusedStaticBranch recomputes them
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

    /// Whether the last transposed convolution and the output layer run
    /// fused frame by frame (`FusedDecoderTail`): frames that need no cropping.
    func fusesDecoderTail(_ frames: Int) -> Bool {
        guard frameHeight == paddedHeight, frameWidth == paddedWidth, let last = decoderConvs.last else { return false }
        var shape = [frames, mapHeight, mapWidth, mapChannels]
        for conv in decoderConvs.dropLast() { shape = conv.outputShape(shape) }
        return FusedDecoderTail.applies(transposed: last, output: output, input: shape)
    }

    /// `decode`, also returning the tape for `decoderBackward`.
    public func decodeRecording(_ latents: Tensor, static staticImage: Tensor?, cancellation: Cancellation? = nil) throws
        -> (frames: Tensor, tape: DecoderTape) {
        guard latents.rank == 2, latents.shape[1] == latent else {
            throw NetworkError("decode: latents must be N x \(latent), got shape \(latents.shape)")
        }
        let n = latents.shape[0]
        let mapShape = [n, mapHeight, mapWidth, mapChannels]
        let map = (decoderLinear?.forward(latents) ?? latents).reshaped(mapShape)
        var h = map
        var activations: [Tensor] = []
        let fusedTail = fusesDecoderTail(n)
        for conv in fusedTail ? decoderConvs.dropLast() : decoderConvs[...] {
            try cancellation?.check()
            h = conv.forward(h, rectified: true)
            activations.append(h)
        }
        try cancellation?.check()
        var y: Tensor
        let cropped: Tensor?
        if fusedTail {
            // The last activation is recomputed by the backward pass, never stored.
            y = FusedDecoderTail.forward(h, transposed: decoderConvs.last!, output: output)
            cropped = nil
        } else {
            let c = cropSpatial(h, height: frameHeight, width: frameWidth, top: padTop, left: padLeft)
            y = output.forward(c)
            cropped = c
        }
        var tape = DecoderTape(latents: latents, map: map, activations: activations, cropped: cropped)
        if skip, let staticConv, let staticOutput {
            guard let staticImage else { throw NetworkError("decode: this network has a skip connection and needs the static (mean) image") }
            let s = try asStatic(staticImage)
            guard s.shape[0] == 1 || s.shape[0] == n else {
                throw NetworkError("decode: \(s.shape[0]) static images for \(n) latents (give 1)")
            }
            tape.staticImage = s
            if FusedStaticBranch.applies(conv: staticConv, output: staticOutput, staticShape: s.shape) {
                addBroadcast(FusedStaticBranch.forward(s, conv: staticConv, output: staticOutput), into: &y)
            } else {
                let features = staticConv.forward(s, rectified: true)
                addBroadcast(staticOutput.forward(features), into: &y)
                tape.staticFeatures = features
            }
        }
        return (y, tape)
    }

    /// Backward through the decoder: adds parameter gradients (decoder and
    /// skip branch) for `dL/dx = dFrames` and returns `dL/dz` (`N x d`).
    public func decoderBackward(_ dFrames: Tensor, tape: DecoderTape, cancellation: Cancellation? = nil) throws -> Tensor {
        let n = tape.latents.shape[0]
        let dy = dFrames.reshaped([n, frameHeight, frameWidth, 1])
        if let staticConv, let staticOutput, let s = tape.staticImage {
            let dys = s.shape[0] == 1 && n > 1 ? sumFrames(dy) : dy
            if let features = tape.staticFeatures {
                let dFeatures = staticOutput.backward(dys, input: features)!
                staticConv.backward(dFeatures, input: s, rectifiedOutput: features, inputGradient: false)
            } else {
                FusedStaticBranch.backward(dys, static: s, conv: staticConv, output: staticOutput)   // features recomputed
            }
        }
        try cancellation?.check()
        var grad: Tensor
        var last = decoderConvs.count - 1
        // The forward pass's choice, from its tape (not decided again: the
        // switch a test flips could change in between).
        if let cropped = tape.cropped {
            grad = output.backward(dy, input: cropped)!
            grad = padSpatial(grad, height: paddedHeight, width: paddedWidth, top: padTop, left: padLeft)
        } else {
            grad = FusedDecoderTail.backward(dy, input: last == 0 ? tape.map : tape.activations[last - 1],
                                             transposed: decoderConvs[last], output: output)
            last -= 1
        }
        for i in stride(from: last, through: 0, by: -1) {
            try cancellation?.check()
            grad = decoderConvs[i].backward(grad, input: i == 0 ? tape.map : tape.activations[i - 1],
                                            rectifiedOutput: tape.activations[i])!
        }
        if let decoderLinear {
            return decoderLinear.backward(grad.reshaped([n, grad.count / n]), input: tape.latents)!
        }
        return grad.reshaped([n, latent])
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
