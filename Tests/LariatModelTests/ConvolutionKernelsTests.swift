import Testing
@testable import LariatModel

/// The registry of convolution kernels (`ConvolutionKernels`): which kernel
/// each layer resolves when it is built. That every fast path computes what
/// the generic op computes is tested in ConvTests, RegisterTilesTests and
/// AutoencoderTests; here, that the right one is chosen and the others are not.
@Suite struct ConvolutionKernelsTests {
    func kernels(_ net: Autoencoder) -> [String: String] {
        Dictionary(uniqueKeysWithValues: net.convolutionKernels.map { ($0.layer, $0.kernel) })
    }

    @Test func defaultArchitectureTakesItsFastPaths() throws {
        // The training benchmark's network: 64 x 64 frames, d = 16 (a one-channel 4 x 4 latent map).
        let net = try Autoencoder(frameHeight: 64, frameWidth: 64, latent: 16, seed: 0)
        #expect(kernels(net) == [
            "encoder.conv1": "SingleChannelConvolution",
            "encoder.conv2": "StrideTwoConvolution",
            "encoder.conv3": "StrideTwoConvolution",
            "encoder.conv4": "im2col + sgemm",                    // 32 -> 1 channel at stride 2: no fast path
            "decoder.convT1": "SubPixelTransposedConvolution",   // 1 -> 32 channels
            "decoder.convT2": "StrideTwoConvolution",
            "decoder.convT3": "StrideTwoConvolution",
            "decoder.convT4": "FusedDecoderTail",
            "decoder.output": "FusedDecoderTail",
            "skip.conv": "SingleChannelConvolution",
            "skip.output": "DirectConvolution (vector)",
        ])
        // The fused pair's layers on their own, as the fusion's parts.
        #expect(net.decoderConvs[3].implementation == StrideTwoConvolution.ConvTranspose2DPath.self)
        #expect(net.output!.implementation == DirectConvolution.VectorConv2DPath.self)
        // Each layer was built for the frames it sees, with the running CPU's tiles.
        #expect(net.encoderConvs.map { $0.shape.inputHeight } == [64, 32, 16, 8])
        #expect(net.decoderConvs.map { $0.shape.inputWidth } == [4, 8, 16, 32])
        #expect(net.encoderConvs.allSatisfy { $0.shape.tiles == .detected })
    }

    @Test func croppedFramesAndAnEightChannelMap() throws {
        // 40 x 36 frames are padded to 48 x 48 and cropped before the output
        // layer, which then runs alone; d = 8 on a 3 x 3 map needs 8 channels.
        let net = try Autoencoder(frameHeight: 40, frameWidth: 36, latent: 8, seed: 0)
        let k = kernels(net)
        #expect(k["encoder.conv4"] == "im2col + sgemm")
        #expect(k["decoder.convT1"] == "SubPixelTransposedConvolution")   // 8 -> 32 channels
        #expect(k["decoder.convT4"] == "StrideTwoConvolution")
        #expect(k["decoder.output"] == "DirectConvolution (vector)")
        #expect(net.output!.shape.inputHeight == 40 && net.output!.shape.inputWidth == 36)
        #expect(!net.fusesDecoderTail)
    }

    @Test func genericChoiceResolvesEveryLayerToTheDefinition() throws {
        let net = try Autoencoder(frameHeight: 64, frameWidth: 64, latent: 16, kernels: .generic, seed: 0)
        for (layer, kernel) in net.convolutionKernels {
            #expect(kernel == (layer.contains("convT") ? "sgemm + col2im" : "im2col + sgemm"), "\(layer)")
        }
    }

    @Test func nonDefaultArchitectureFallsBackWhereNoFastPathFits() throws {
        // Widths 8-16-16 and 5 x 5 kernels: the stride-2 and sub-pixel kernels
        // are written for 3 x 3 and decline; the single-channel and the general
        // direct kernel accept any kernel size.
        let architecture = Architecture(channels: [8, 16, 16], kernel: 5)
        let net = try Autoencoder(frameHeight: 32, frameWidth: 32, latent: 8, architecture: architecture, seed: 0)
        #expect(kernels(net) == [
            "encoder.conv1": "SingleChannelConvolution",
            "encoder.conv2": "im2col + sgemm",
            "encoder.conv3": "im2col + sgemm",
            "encoder.conv4": "im2col + sgemm",
            "decoder.convT1": "sgemm + col2im",
            "decoder.convT2": "sgemm + col2im",
            "decoder.convT3": "sgemm + col2im",
            "decoder.convT4": "sgemm + col2im",
            "decoder.output": "DirectConvolution",
            "skip.conv": "SingleChannelConvolution",
            "skip.output": "DirectConvolution",
        ])
    }

    @Test func unsupportedShapesResolveToTheGenericOp() {
        var rng = SeededRandom(seed: 1)
        func conv(_ cin: Int, _ cout: Int, kernel: Int = 3, stride: Int = 2, input: (Int, Int)? = (8, 8),
                  kernels: KernelChoice = .all) -> String {
            Conv2D(name: "c", inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: kernel / 2,
                   inputSize: input.map { (height: $0.0, width: $0.1) }, kernels: kernels, rng: &rng).kernelName
        }
        func convT(_ cin: Int, _ cout: Int, kernel: Int = 3, outputPadding: Int = 1, kernels: KernelChoice = .all) -> String {
            ConvTranspose2D(name: "t", inChannels: cin, outChannels: cout, kernel: kernel, stride: 2, padding: kernel / 2,
                            outputPadding: outputPadding, kernels: kernels, rng: &rng).kernelName
        }
        #expect(conv(16, 32) == "StrideTwoConvolution")
        #expect(conv(16, 32, input: nil) == "im2col + sgemm")                // frame size unknown
        #expect(conv(16, 32, input: (7, 8)) == "im2col + sgemm")             // odd frames
        #expect(conv(16, 24) == "im2col + sgemm")                            // 24 channels
        #expect(conv(16, 32, kernel: 5) == "im2col + sgemm")
        #expect(conv(16, 32, kernels: KernelChoice.all.subtracting(.strideTwo)) == "im2col + sgemm")
        #expect(conv(1, 12) == "im2col + sgemm")                             // not a multiple of 8
        #expect(conv(1, 16, kernel: 7) == "SingleChannelConvolution")
        #expect(conv(16, 1, stride: 1) == "DirectConvolution (vector)")
        #expect(conv(12, 1, stride: 1) == "DirectConvolution")
        #expect(conv(16, 1, kernel: 5, stride: 1) == "DirectConvolution")
        #expect(conv(16, 1) == "im2col + sgemm")                             // stride 2
        #expect(conv(16, 1, stride: 1, kernels: .generic) == "im2col + sgemm")
        #expect(convT(32, 16) == "StrideTwoConvolution")
        #expect(convT(8, 16) == "SubPixelTransposedConvolution")
        #expect(convT(32, 16, kernels: [.subPixel]) == "SubPixelTransposedConvolution")
        #expect(convT(32, 16, outputPadding: 0) == "sgemm + col2im")
        #expect(convT(32, 16, kernel: 5) == "sgemm + col2im")
        #expect(convT(32, 16, kernels: .generic) == "sgemm + col2im")
    }

    @Test func everyRegisteredKernelHasItsOwnOption() {
        // A fast path is allowed by one KernelChoice bit, so tests can leave it out.
        var choices: [KernelChoice] = []
        for kernel in ConvolutionKernels.conv2D { choices.append(kernel.choice) }
        for kernel in ConvolutionKernels.convTranspose2D { choices.append(kernel.choice) }
        for choice in choices {
            #expect(choice.rawValue.nonzeroBitCount == 1 && KernelChoice.all.contains(choice))
        }
        #expect(Conv2D.Im2colPath.choice == .generic && ConvTranspose2D.Col2imPath.choice == .generic)
    }

    @Test func nonDefaultArchitectureFastPathsAgreeWithTheGenericNetwork() throws {
        // The 5 x 5 network's fast paths (single-channel, general direct)
        // against the same weights through the generic ops: output, dx and every gradient.
        let architecture = Architecture(channels: [8, 16, 16], kernel: 5)
        let fast = try Autoencoder(frameHeight: 32, frameWidth: 32, latent: 8, architecture: architecture, seed: 3)
        let generic = try Autoencoder(frameHeight: 32, frameWidth: 32, latent: 8, architecture: architecture,
                                      kernels: .generic, seed: 3)
        let x = randomTensor([3, 32, 32, 1], seed: 4), s = randomTensor([32, 32], seed: 5)
        func run(_ net: Autoencoder) throws -> (Tensor, Tensor, [Tensor]) {
            net.parameters.zeroGradients()
            let (z, et) = try net.encodeRecording(x)
            let (y, dt) = try net.decodeRecording(z, static: s)
            let dz = try net.decoderBackward(randomTensor(y.shape, seed: 6), tape: dt)
            let dx = try net.encoderBackward(dz, tape: et, inputGradient: true)!
            return (y, dx, net.parameters.map(\.grad))
        }
        let (y, dx, g) = try run(fast)
        let (yRef, dxRef, gRef) = try run(generic)
        func close(_ a: Tensor, _ b: Tensor) -> Bool {
            let scale = max(b.data.map(abs).max() ?? 0, 1e-6)
            return a.shape == b.shape && zip(a.data, b.data).allSatisfy { abs($0 - $1) <= 1e-3 * scale }
        }
        #expect(close(y, yRef))
        #expect(close(dx, dxRef))
        for (a, b) in zip(g, gRef) { #expect(close(a, b)) }
    }
}
