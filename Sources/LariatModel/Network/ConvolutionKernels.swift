/// The registry of convolution kernels: for each operation (`Conv2D`,
/// `ConvTranspose2D`) one generic implementation, the definition (im2col +
/// sgemm, sgemm + col2im), and fast paths registered as specialisations of
/// it that say which layers they accept (`ConvolutionShape`: kernel size,
/// stride, padding, channel counts, register tiles and, when the layer is
/// built for one, its frame size). A layer resolves its implementation once,
/// when it is built (`Conv2D.implementation`), as PyTorch's dispatcher and
/// XNNPACK's operator setup do: `forward` and `backward` call the resolved
/// kernel and never branch on which one runs.
///
/// A new fast path is a type conforming to `Conv2DKernel` (or
/// `ConvTranspose2DKernel`) in its own file, plus one line in the list below;
/// tests compare it with the generic kernel (outputs and every gradient).
/// Fast paths spanning two layers are `LayerFusion`s (`LayerFusionRegistry`).
enum ConvolutionKernels {
    /// `Conv2D`'s fast paths, in order of preference: a layer takes the first
    /// that its `KernelChoice` allows and that accepts its shape.
    static let conv2D: [any Conv2DKernel.Type] = [
        StrideTwoConvolution.Conv2DPath.self,
        SingleChannelConvolution.Conv2DPath.self,
        DirectConvolution.VectorConv2DPath.self,
        DirectConvolution.Conv2DPath.self,
    ]

    /// `ConvTranspose2D`'s fast paths, in order of preference.
    static let convTranspose2D: [any ConvTranspose2DKernel.Type] = [
        StrideTwoConvolution.ConvTranspose2DPath.self,
        SubPixelTransposedConvolution.ConvTranspose2DPath.self,
    ]

    /// The kernel a `Conv2D` of `shape` runs: the first allowed fast path that
    /// accepts it, else im2col + sgemm.
    static func conv2D(for shape: ConvolutionShape, allowed: KernelChoice) -> any Conv2DKernel.Type {
        conv2D.first { allowed.contains($0.choice) && $0.accepts(shape) } ?? Conv2D.Im2colPath.self
    }

    /// The kernel a `ConvTranspose2D` of `shape` runs: the first allowed fast
    /// path that accepts it, else sgemm + col2im.
    static func convTranspose2D(for shape: ConvolutionShape, allowed: KernelChoice) -> any ConvTranspose2DKernel.Type {
        convTranspose2D.first { allowed.contains($0.choice) && $0.accepts(shape) } ?? ConvTranspose2D.Col2imPath.self
    }
}

/// What a kernel may ask of a convolution layer before accepting it: its
/// geometry, channels, register tiles and, when the layer was built for one
/// frame size (the autoencoder's layers are), the input frames' size.
public struct ConvolutionShape: Hashable, Sendable, CustomStringConvertible {
    public var inChannels: Int, outChannels: Int
    public var kernel: Int, stride: Int, padding: Int
    /// A transposed convolution's extra rows and columns (0 for `Conv2D`).
    public var outputPadding: Int
    /// The input frames' height and width, when the layer is built for one
    /// size (its `forward` then accepts only that size); nil: any size.
    public var inputHeight: Int?, inputWidth: Int?
    /// The register tiles of the CPU (or forced by a test).
    public var tiles: RegisterTiles

    /// Whether the input frame size is known and both sides are even.
    var hasEvenInput: Bool {
        guard let inputHeight, let inputWidth else { return false }
        return inputHeight > 0 && inputWidth > 0 && inputHeight % 2 == 0 && inputWidth % 2 == 0
    }

    /// E.g. `16->32, 3x3 s2 p1, on 32x32, avx2 tiles`.
    public var description: String {
        let frames = inputHeight.map { "\($0)x\(inputWidth!)" } ?? "any frame size"
        let op = outputPadding == 0 ? "" : " op\(outputPadding)"
        return "\(inChannels)->\(outChannels), \(kernel)x\(kernel) s\(stride) p\(padding)\(op), on \(frames), \(tiles) tiles"
    }
}

/// One implementation of `Conv2D`'s forward and backward passes (see its
/// formula), registered in `ConvolutionKernels.conv2D` with the shapes it
/// accepts. `forward` computes `y = conv(x)` (rectified when asked);
/// `backward` adds the parameter gradients and returns `dL/dx` when wanted,
/// as `Conv2D.forward` and `Conv2D.backward` document.
protocol Conv2DKernel {
    /// The name a model summary and the benchmarks print.
    static var name: String { get }
    /// The option that allows it (`KernelChoice`).
    static var choice: KernelChoice { get }
    /// Whether it computes a layer of this shape.
    static func accepts(_ shape: ConvolutionShape) -> Bool
    static func forward(_ layer: Conv2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor
    static func backward(_ layer: Conv2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                         rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor?
}

/// One implementation of `ConvTranspose2D`'s forward and backward passes,
/// registered in `ConvolutionKernels.convTranspose2D`; as `Conv2DKernel`.
protocol ConvTranspose2DKernel {
    static var name: String { get }
    static var choice: KernelChoice { get }
    static func accepts(_ shape: ConvolutionShape) -> Bool
    static func forward(_ layer: ConvTranspose2D, _ x: Tensor, _ g: ConvGeometry, rectified: Bool) -> Tensor
    static func backward(_ layer: ConvTranspose2D, _ dy: Tensor, input x: Tensor, _ g: ConvGeometry,
                         rectifiedOutput: Tensor?, inputGradient: Bool) -> Tensor?
}
