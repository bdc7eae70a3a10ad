/// Which registered fast paths a layer may take. Each fast path is a
/// specialisation of a generic operation (im2col + sgemm for a convolution,
/// sgemm + col2im for a transposed one) registered in `ConvolutionKernels`
/// with the shapes it accepts; a layer resolves, when it is built, the
/// first accepted one among those its choice allows, else the generic
/// operation. Tests pass `.generic` (or a subset) to compare a fast path
/// with the definition; production layers take `.all`.
public struct KernelChoice: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `StrideTwoConvolution`: 16/32-channel stride-2 layers (k3, p1; op1 transposed), convolutions on even frames of a known size.
    public static let strideTwo = KernelChoice(rawValue: 1 << 0)
    /// `SingleChannelConvolution`: convolutions reading one channel (forward and weight gradient).
    public static let singleChannel = KernelChoice(rawValue: 1 << 1)
    /// `DirectConvolution`: convolutions to one channel at stride 1.
    public static let directOutput = KernelChoice(rawValue: 1 << 2)
    /// `SubPixelTransposedConvolution`: k3 s2 p1 op1 transposed convolutions as four sub-pixel GEMMs.
    public static let subPixel = KernelChoice(rawValue: 1 << 3)
    /// `FusedDecoderTail`: a 16-channel stride-2 transposed convolution and a one-channel output run frame by frame.
    public static let fusedDecoderTail = KernelChoice(rawValue: 1 << 4)

    public static let all: KernelChoice = [.strideTwo, .singleChannel, .directOutput, .subPixel, .fusedDecoderTail]
    /// The generic operations only: the reference every fast path is tested against.
    public static let generic: KernelChoice = []
}
