/// The autoencoder's shape as data (`fit(..., channels=, kernel=, skip_channels=, map_channels=, activation=)`).
///
/// The encoder is `channels.count + 1` stride-2 convolutions of `kernel x
/// kernel` (padding `kernel / 2`): 1 -> channels[0] -> ... -> channels.last
/// -> mapChannels, each but the last followed by `activation`; the map is
/// flattened, and a linear layer maps it to d (unless d equals the map's
/// area, when the map has one channel and is the latent vector). The decoder
/// mirrors it with transposed convolutions (mapChannels -> channels reversed
/// -> channels[0]) and a `kernel x kernel` output convolution to one
/// channel; the static skip branch is Conv(1, skipChannels) + activation,
/// then Conv(skipChannels, 1) added to the output. `insertedLayers` names
/// registered layer types (`LayerRegistry`) applied, in order, after every
/// hidden convolution of the encoder and decoder. `standard` is the network
/// of `shared/bench/torch_reference.py`, Lariat's default.
public struct Architecture: Sendable, Equatable, CustomStringConvertible {
    /// Encoder widths before the latent map; the decoder mirrors them.
    public var channels: [Int]
    /// Every convolution's kernel size (odd).
    public var kernel: Int
    /// Feature channels of the static skip branch.
    public var skipChannels: Int
    /// Channels of the latent map when a linear layer maps it to d.
    public var mapChannels: Int
    /// The nonlinearity after every hidden convolution.
    public var activation: Activation
    /// How latents become frames.
    public var decoder: Decoder
    /// Registered layer types (`LayerRegistry`) applied, in order, after
    /// every hidden convolution and its activation; none by default.
    public var insertedLayers: [String]

    public enum Decoder: String, Sendable, Equatable, CaseIterable {
        /// Transposed convolutions mirroring the encoder (the paper's autoencoder).
        case convolutional
        /// One non-negative spatial part per latent (`SpatialParts`), started from the movie's cells.
        case parts
    }

    public init(channels: [Int] = [16, 32, 32], kernel: Int = 3, skipChannels: Int = 8, mapChannels: Int = 8,
                activation: Activation = .relu, decoder: Decoder = .convolutional, insertedLayers: [String] = []) {
        self.channels = channels; self.kernel = kernel; self.skipChannels = skipChannels
        self.mapChannels = mapChannels; self.activation = activation; self.decoder = decoder
        self.insertedLayers = insertedLayers
    }

    public static let standard = Architecture()

    /// The number of stride-2 stages: frames are padded to multiples of `2^depth`.
    public var depth: Int { channels.count + 1 }

    /// Checks every field; the message names the field and its allowed range.
    public func validate() throws {
        guard (1...6).contains(channels.count) else {
            throw NetworkError("channels must list 1 to 6 encoder widths, got \(channels.count)", option: "channels")
        }
        if let bad = channels.first(where: { !(1...256).contains($0) }) {
            throw NetworkError("every channel width must be in 1...256, got \(bad)", option: "channels")
        }
        guard kernel % 2 == 1, (1...9).contains(kernel) else {
            throw NetworkError("kernel must be odd and in 1...9, got \(kernel)", option: "kernel")
        }
        guard (1...64).contains(skipChannels) else { throw NetworkError("skip_channels must be in 1...64, got \(skipChannels)", option: "skip_channels") }
        guard (1...64).contains(mapChannels) else { throw NetworkError("map_channels must be in 1...64, got \(mapChannels)", option: "map_channels") }
        guard activation != .identity else { throw NetworkError("activation must be \"relu\" or \"tanh\"", option: "activation") }
        guard insertedLayers.count <= 4 else { throw NetworkError("layers may list at most 4 layer types, got \(insertedLayers.count)", option: "layers") }
        if let unknown = insertedLayers.first(where: { LayerRegistry.type(named: $0) == nil }) {
            throw NetworkError("layers: no layer type \"\(unknown)\"; the registered ones are \(LayerRegistry.quotedNames)", option: "layers")
        }
    }

    /// One line, e.g. `encoder 1-16-32-32-8 (3x3, stride 2), decoder 8-32-32-16-16-1, skip 1-8-1, relu`.
    public var description: String { description(mapChannels: mapChannels) }

    /// The description with the latent map's channels the network uses
    /// (one when the map's area equals the latent count: `Autoencoder`).
    public func description(mapChannels: Int) -> String {
        let enc = ([1] + channels + [mapChannels]).map(String.init).joined(separator: "-")
        let dec = decoder == .parts ? "spatial parts (one per latent)"
            : ([mapChannels] + channels.reversed() + [channels[0], 1]).map(String.init).joined(separator: "-")
        let inserted = insertedLayers.isEmpty ? "" : ", then \(insertedLayers.joined(separator: ", ")) after each hidden convolution"
        return "encoder \(enc) (\(kernel)x\(kernel), stride 2), decoder \(dec), skip 1-\(skipChannels)-1, \(activation.rawValue)\(inserted)"
    }
}
