import Foundation
import Testing
@testable import LariatModel

/// Every register-tile family of the hand-written kernels (`RegisterTiles`)
/// against the generic operations (im2col + sgemm, sgemm + col2im) and
/// against each other, on whatever CPU runs the tests: both families
/// compile for any x86-64-v3 CPU (on one without AVX-512 a sixteen-float
/// vector is two registers), and a layer takes the family it is given.
/// Shapes cross the tiles' edges (widths that are not multiples of 4, 8
/// or 16 pixels).
@Suite struct RegisterTilesTests {
    /// Forward output, input gradient and every parameter gradient of one layer.
    struct Run: Equatable { var y: Tensor, dx: Tensor?, grads: [Tensor] }

    func run(_ layer: any Layer, _ x: Tensor, seed: UInt64, inputGradient: Bool = true) throws -> Run {
        layer.parameters.zeroGradients()
        let (y, pullback) = try layer.applied(to: x)
        let dx = try pullback(randomTensor(y.shape, seed: seed), inputGradient)
        return Run(y: y, dx: dx, grads: layer.parameters.map(\.grad))
    }

    func expectClose(_ a: Run, _ b: Run, _ what: String) {
        func close(_ p: Tensor, _ q: Tensor) -> Bool {
            p.shape == q.shape && zip(p.data, q.data).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
        }
        #expect(close(a.y, b.y), "\(what): output")
        if let dx = a.dx, let ref = b.dx { #expect(close(dx, ref), "\(what): input gradient") }
        for (i, (g, ref)) in zip(a.grads, b.grads).enumerated() {
            #expect(zip(g.data, ref.data).allSatisfy { abs($0 - $1) <= 1e-3 * max(1, abs($1)) }, "\(what): gradient \(i)")
        }
    }

    /// The layer built by `make` with each tile family, and with the generic
    /// operations: the families agree bit for bit, and with the generic op.
    func check(_ what: String, input x: Tensor, inputGradient: Bool = true,
               _ make: (KernelChoice, RegisterTiles) -> any Layer) throws {
        let generic = try run(make(.generic, .avx2), x, seed: 7, inputGradient: inputGradient)
        var runs: [RegisterTiles: Run] = [:]
        for tiles in RegisterTiles.allCases {
            runs[tiles] = try run(make(.all, tiles), x, seed: 7, inputGradient: inputGradient)
            expectClose(runs[tiles]!, generic, "\(what), \(tiles) tiles")
        }
        #expect(runs[.avx2] == runs[.avx512], "\(what): the tile families differ")
    }

    @Test(arguments: [(16, 32, 8, 8), (32, 32, 6, 10), (32, 16, 2, 18), (16, 16, 4, 26), (16, 16, 10, 2)])
    func strideTwoConvolution(cin: Int, cout: Int, height: Int, width: Int) throws {
        let x = randomTensor([3, height, width, cin], seed: 1)
        try check("Conv(\(cin),\(cout)) s2 on \(height)x\(width)", input: x) { kernels, tiles in
            var rng = SeededRandom(seed: 2)
            let layer = Conv2D(name: "c", inChannels: cin, outChannels: cout, kernel: 3, stride: 2, padding: 1,
                               activation: .relu, inputSize: (height, width), kernels: kernels, tiles: tiles, rng: &rng)
            #expect((layer.implementation == StrideTwoConvolution.Conv2DPath.self) == (kernels == .all))
            return layer
        }
    }

    @Test(arguments: [(16, 16, 4, 4), (32, 16, 3, 5), (32, 32, 1, 6), (16, 32, 5, 1), (16, 16, 2, 13)])
    func strideTwoTransposedConvolution(cin: Int, cout: Int, height: Int, width: Int) throws {
        let x = randomTensor([3, height, width, cin], seed: 3)
        try check("ConvT(\(cin),\(cout)) s2 on \(height)x\(width)", input: x) { kernels, tiles in
            var rng = SeededRandom(seed: 4)
            return ConvTranspose2D(name: "t", inChannels: cin, outChannels: cout, kernel: 3, stride: 2, padding: 1,
                                   outputPadding: 1, activation: .relu, kernels: kernels, tiles: tiles, rng: &rng)
        }
    }

    @Test(arguments: [(16, 7), (16, 21), (8, 21), (8, 40), (16, 5)])
    func outputConvolution(channels: Int, width: Int) throws {
        let x = randomTensor([3, 6, width, channels], seed: 5)
        try check("Conv(\(channels),1) on 6x\(width)", input: x) { kernels, tiles in
            var rng = SeededRandom(seed: 6)
            return Conv2D(name: "o", inChannels: channels, outChannels: 1, kernel: 3, padding: 1,
                          kernels: kernels, tiles: tiles, rng: &rng)
        }
    }

    @Test(arguments: [(8, 1, 1), (16, 2, 1), (16, 1, 1), (8, 2, 1)])
    func singleChannelConvolution(cout: Int, stride: Int, padding: Int) throws {
        let x = randomTensor([4, 12, 11, 1], seed: 8)
        try check("Conv(1,\(cout)) s\(stride)", input: x, inputGradient: false) { kernels, tiles in
            var rng = SeededRandom(seed: 9)
            return Conv2D(name: "s", inChannels: 1, outChannels: cout, kernel: 3, stride: stride, padding: padding,
                          activation: .relu, kernels: kernels, tiles: tiles, rng: &rng)
        }
    }

    @Test func wholeNetworkIsTheSameWithEitherTiles() throws {
        // The default network (the fused decoder tail at 32 x 48, the
        // layer-by-layer path at 40 x 36) with each family: output, dz, dx
        // and every gradient bit for bit.
        for (h, w) in [(32, 48), (40, 36)] {
            let x = randomTensor([3, h, w, 1], seed: 11), s = randomTensor([h, w], seed: 12)
            func run(_ tiles: RegisterTiles) throws -> (Tensor, Tensor, Tensor, [Tensor]) {
                let net = try Autoencoder(frameHeight: h, frameWidth: w, latent: 6, tiles: tiles, seed: 13)
                net.parameters.zeroGradients()
                let (z, et) = try net.encodeRecording(x)
                let (y, dt) = try net.decodeRecording(z, static: s)
                let dz = try net.decoderBackward(randomTensor(y.shape, seed: 14), tape: dt)
                let dx = try net.encoderBackward(dz, tape: et, inputGradient: true)!
                return (y, dz, dx, net.parameters.map(\.grad))
            }
            let a = try run(.avx2), b = try run(.avx512)
            #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2, "\(h)x\(w): outputs or input gradients differ")
            #expect(a.3 == b.3, "\(h)x\(w): parameter gradients differ")
        }
    }

    @Test func detectedTilesFollowTheCPUAndTheBuild() throws {
        // `.avx512` only where both the CPU (CPUID, XCR0) and the compiled
        // code have AVX-512; the CPU's answer agrees with the kernel's flags.
        #expect(RegisterTiles.detected == (RegisterTiles.cpuHasAVX512 && RegisterTiles.compiledWithAVX512 ? .avx512 : .avx2))
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            #expect(RegisterTiles.cpuHasAVX512 == flags.split(separator: " ").contains("avx512f"))
        }
        var rng = SeededRandom(seed: 1)
        #expect(Conv2D(name: "c", inChannels: 1, outChannels: 8, kernel: 3, rng: &rng).tiles == .detected)
    }
}
