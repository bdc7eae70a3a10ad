/// Layers applied one after another: `y = f_n(... f_2(f_1(x)))`.
///
/// Its pullback runs the layers' pullbacks in reverse (the chain rule), so
/// the encoder, the decoder and the skip branch are compositions with no
/// gradient code of their own. When it is built, adjacent layers are offered
/// to the registered fusions (`LayerFusionRegistry.registered`): a pair one of them
/// accepts runs as one fused layer with the same arithmetic (e.g.
/// `FusedDecoderTail`), so a composition takes the fast path without
/// knowing it exists; `plan` lists what runs.
public final class Sequential: Layer {
    public let layers: [any Layer]
    /// The fusions this composition may use (tests pass `[]` for the plain layers).
    public let fusions: [any LayerFusion.Type]

    /// The layers that run, after fusion (decided once, here).
    public let plan: [any Layer]

    public init(_ layers: [any Layer], fusions: [any LayerFusion.Type] = LayerFusionRegistry.registered) {
        self.layers = layers
        self.fusions = fusions
        var planned: [any Layer] = []
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, let fused = fusions.lazy.compactMap({ $0.fuse(layers[i], layers[i + 1]) }).first {
                planned.append(fused)
                i += 2
            } else {
                planned.append(layers[i])
                i += 1
            }
        }
        plan = planned
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func outputShape(_ input: [Int]) -> [Int] {
        layers.reduce(input) { $1.outputShape($0) }
    }

    public func applied(to x: Tensor) throws -> (output: Tensor, pullback: Pullback) {
        try applied(to: x, cancellation: nil)
    }

    /// `applied(to:)`, checking `cancellation` between layers (forward and back).
    public func applied(to x: Tensor, cancellation: Cancellation?) throws -> (output: Tensor, pullback: Pullback) {
        let plan = plan
        var h = x
        var pullbacks: [Pullback] = []
        pullbacks.reserveCapacity(plan.count)
        for layer in plan {
            try cancellation?.check()
            let (y, pullback) = try layer.applied(to: h)
            pullbacks.append(pullback)
            h = y
        }
        // A layer's input gradient is needed when a layer before it has
        // parameters, or when the caller wants dL/dx.
        var upstreamParameters = [Bool](repeating: false, count: plan.count)
        for i in plan.indices.dropFirst() {
            upstreamParameters[i] = upstreamParameters[i - 1] || !plan[i - 1].parameters.isEmpty
        }
        let pullback: Pullback = { dy, inputGradient in
            var g: Tensor? = dy
            for i in plan.indices.reversed() {
                try cancellation?.check()
                guard let incoming = g else { return nil }
                g = try pullbacks[i](incoming, inputGradient || upstreamParameters[i])
            }
            return inputGradient ? g : nil
        }
        return (h, pullback)
    }
}

/// A fast path spanning two adjacent layers, registered here and offered
/// every adjacent pair by `Sequential` when it is built: `fuse` returns the
/// fused layer when it accepts the pair (as built: their kernels, shapes
/// and the machine's tiles), else nil.
public protocol LayerFusion {
    static func fuse(_ first: any Layer, _ second: any Layer) -> (any Layer)?
}

/// The registry of fusions: a new one is added to this list and nowhere else.
public enum LayerFusionRegistry {
    /// Every fusion a `Sequential` tries by default, in order.
    public static var registered: [any LayerFusion.Type] { [FusedDecoderTail.self] }
}
