/// A layer type an `Architecture` can insert by name
/// (`fit(..., layers=["tanh"])`): built for the feature maps after a hidden
/// convolution (`N x H x W x channels`), with the shape it is given.
///
/// A new layer type is a class conforming to this protocol, in its own
/// file, plus one line in `LayerRegistry.registered`; the architecture,
/// the autoencoder, `fit` and its errors find it there.
public protocol RegisteredLayer: Layer {
    /// The name an architecture lists it by, e.g. "tanh".
    static var registryName: String { get }
    /// A layer for `channels`-channel feature maps; `name` prefixes its
    /// parameters' names, and `rng` draws any random initial values.
    init(name: String, channels: Int, rng: inout SeededRandom)
}

/// The layer types an architecture may insert after its hidden
/// convolutions (`Architecture.insertedLayers`).
public enum LayerRegistry {
    /// Every insertable layer type; a new one is added to this list and nowhere else.
    public static let registered: [any RegisteredLayer.Type] = [
        Tanh.self,
        ChannelNormalisation.self,
    ]

    /// The type registered under `name`, if any.
    public static func type(named name: String) -> (any RegisteredLayer.Type)? {
        registered.first { $0.registryName == name }
    }

    /// The registered names, quoted, for messages: `"tanh", "channel_norm"`.
    public static var quotedNames: String { registered.map { "\"\($0.registryName)\"" }.joined(separator: ", ") }
}
