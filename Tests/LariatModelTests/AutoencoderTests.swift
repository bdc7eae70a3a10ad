import Testing
@testable import LariatModel

/// Compares the directional derivative of `loss` along a random direction
/// `v` in parameter `p` (central differences) with `<p.grad, v>`; returns
/// the smallest relative error over a ladder of steps. Errors are relative
/// to the larger of the two and of `|g| |v| / sqrt(n)`, the typical size of
/// a random projection, so a direction nearly orthogonal to the gradient
/// does not turn rounding into a large relative error (a wrong gradient
/// `g + e` still shows an error of about `|e| / |g|`). The direction is
/// scaled to the parameter's root-mean-square value. In float32 a deep ReLU
/// network has no single good step (large ones cross kinks, small ones
/// drown in rounding); a wrong gradient disagrees at every step.
func directionalError(_ p: Parameter, seed: UInt64, _ loss: () throws -> Double) rethrows -> Double {
    let rms = (p.value.sumOfSquares / Double(max(p.value.count, 1))).squareRoot()
    let v = randomTensor(p.value.shape, seed: seed, scale: rms > 0 ? rms : 0.1)
    let saved = p.value
    defer { p.value = saved }
    let analytic = dot(p.grad, v)
    let typical = (p.grad.sumOfSquares * v.sumOfSquares / Double(max(p.value.count, 1))).squareRoot()
    var best = Double.infinity
    for h: Float in [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5] {
        func shifted(_ s: Float) throws -> Double {
            var t = saved
            for i in 0..<t.count { t.data[i] += s * v.data[i] }
            p.value = t
            return try loss()
        }
        let fd = (try shifted(h) - shifted(-h)) / Double(2 * h)
        best = min(best, abs(fd - analytic) / max(abs(fd), abs(analytic), typical, 1e-9))
    }
    return best
}

/// The same ladder for the gradient with respect to an input tensor.
func directionalError(at x: Tensor, analytic: Tensor, seed: UInt64, _ loss: (Tensor) throws -> Double) rethrows -> Double {
    let v = randomTensor(x.shape, seed: seed)
    let a = dot(analytic, v)
    let typical = (analytic.sumOfSquares * v.sumOfSquares / Double(max(x.count, 1))).squareRoot()
    var best = Double.infinity
    for h: Float in [1e-2, 3e-3, 1e-3, 3e-4, 1e-4] {
        var xp = x, xm = x
        for i in 0..<x.count { xp.data[i] += h * v.data[i]; xm.data[i] -= h * v.data[i] }
        let fd = (try loss(xp) - loss(xm)) / Double(2 * h)
        best = min(best, abs(fd - a) / max(abs(fd), abs(a), typical, 1e-9))
    }
    return best
}

@Suite struct AutoencoderTests {
    /// Checks the encoder with `sum(E(x) * rz)` and the decoder with
    /// `sum(D(z, s) * r)`, every parameter and the input of each; the two
    /// are tested apart so neither's gradient is drowned by the other's scale.
    func check(height: Int, width: Int, latent: Int, skip: Bool, architecture: Architecture = .standard) throws {
        let net = try Autoencoder(frameHeight: height, frameWidth: width, latent: latent, skip: skip,
                                  architecture: architecture, seed: 5)
        let x = randomTensor([3, height, width, 1], seed: 6)
        let s = randomTensor([height, width], seed: 7)
        let r = randomTensor([3, height, width, 1], seed: 8)
        let rz = randomTensor([3, latent], seed: 9)

        net.parameters.zeroGradients()
        let (z, encTape) = try net.encodeRecording(x)
        #expect(z.shape == [3, latent])
        let dx = try net.encoderBackward(rz, tape: encTape, inputGradient: true)!
        #expect(dx.shape == x.shape)
        for (i, p) in net.encoderParameters.enumerated() {
            let err = try directionalError(p, seed: UInt64(100 + i)) { dot(try net.encode(x), rz) }
            #expect(err < 3e-2, "\(p.name): relative error \(err)")
        }
        #expect(try directionalError(at: x, analytic: dx, seed: 10) { dot(try net.encode($0), rz) } < 3e-2)

        let zd = randomTensor([3, latent], seed: 11)
        let (y, decTape) = try net.decodeRecording(zd, static: s)
        #expect(y.shape == [3, height, width, 1])
        let dz = try net.decoderBackward(r, tape: decTape)
        for (i, p) in net.decoderParameters.enumerated() {
            let err = try directionalError(p, seed: UInt64(200 + i)) { dot(try net.decode(zd, static: s), r) }
            #expect(err < 3e-2, "\(p.name): relative error \(err)")
        }
        #expect(try directionalError(at: zd, analytic: dz, seed: 12) { dot(try net.decode($0, static: s), r) } < 3e-2)
        // Encoder parameters got no gradient from the decoder pass.
        #expect(net.encoderParameters.allSatisfy { p in p.grad == (try! { () -> Tensor in
            let fresh = try Autoencoder(frameHeight: height, frameWidth: width, latent: latent, skip: skip,
                                        architecture: architecture, seed: 5)
            fresh.parameters.zeroGradients()
            let (_, t) = try fresh.encodeRecording(x)
            try fresh.encoderBackward(rz, tape: t, inputGradient: true)   // the same kernels as above
            return fresh.encoderParameters.first { $0.name == p.name }!.grad
        }()) })
    }

    @Test func gradientsWithSkipAndLinearBottleneck() throws {
        try check(height: 20, width: 18, latent: 6, skip: true)
    }

    @Test func gradientsWithoutSkipDirectBottleneck() throws {
        // 32 x 16 frames give a 2 x 1 map, flattened directly to d = 2.
        try check(height: 32, width: 16, latent: 2, skip: false)
    }

    @Test func gradientsThroughANonDefaultArchitecture() throws {
        // Other widths, a 5x5 kernel, three stages and another map: the
        // composition's pullback, with no gradient code of its own.
        let arch = Architecture(channels: [8, 12], kernel: 5, skipChannels: 4, mapChannels: 3)
        try check(height: 20, width: 18, latent: 6, skip: true, architecture: arch)
    }

    @Test func gradientsThroughTanhAndOneStage() throws {
        let arch = Architecture(channels: [6], kernel: 3, skipChannels: 2, mapChannels: 2, activation: .tanh)
        try check(height: 12, width: 10, latent: 5, skip: true, architecture: arch)
    }

    @Test func gradientsThroughThePartsDecoder() throws {
        // One non-negative spatial part per latent (theta squared), beside the static skip.
        try check(height: 20, width: 18, latent: 6, skip: true, architecture: Architecture(decoder: .parts))
    }

    @Test func partsStartFromTheMoviesCells() throws {
        var o = SimulationOptions(); o.neurons = 5; o.frames = 600; o.size = 24; o.seed = 4
        let sim = try Simulator.simulate(o)
        let trainer = try AutoencoderTrainer(movie: sim.movie, latent: 8, skip: true, architecture: Architecture(decoder: .parts),
                                             options: TrainingOptions(epochs: 1, window: 32, seed: 0))
        let parts = try #require(trainer.network.spatialParts).parts
        #expect(parts.data.allSatisfy { $0 >= 0 })
        // Every true cell has a part that overlaps it (IoU of the pixels above a fifth of each peak).
        let P = 24 * 24
        for i in 0..<5 {
            let truth = sim.footprints.data[(i * P)..<((i + 1) * P)]
            let best = (0..<8).map { k in
                CellTests.overlap(truth, ArraySlice(parts.data[(k * P)..<((k + 1) * P)].map(Double.init)))
            }.max()!
            #expect(best >= 0.4, "cell \(i): best overlap \(best)")
        }
        #expect(trainer.network.decoderConvs.isEmpty && trainer.network.output == nil)
        #expect(Architecture(decoder: .parts).description.contains("spatial parts"))
    }

    @Test func nonDefaultArchitectureShapes() throws {
        let arch = Architecture(channels: [8, 16, 16, 16], kernel: 5, skipChannels: 4, mapChannels: 2)
        let net = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 16, architecture: arch, seed: 0)
        #expect(net.paddedHeight == 64 && net.mapHeight == 2 && net.mapChannels == 2)
        #expect(net.encoderConvs.count == 5 && net.decoderConvs.count == 5)
        #expect(net.encoderConvs.allSatisfy { $0.kernel == 5 && $0.padding == 2 })
        let y = try net.decode(try net.encode(randomTensor([2, 40, 40], seed: 1)), static: Tensor(zeros: [40, 40]))
        #expect(y.shape == [2, 40, 40, 1])
        #expect(arch.description == "encoder 1-8-16-16-16-2 (5x5, stride 2), decoder 2-16-16-16-8-8-1, skip 1-4-1, relu")
    }

    @Test func architectureErrorsNameTheField() throws {
        for (arch, field) in [(Architecture(channels: []), "channels"), (Architecture(kernel: 4), "kernel"),
                              (Architecture(channels: [16, 0]), "channel width"), (Architecture(skipChannels: 0), "skip_channels")] {
            #expect { try Autoencoder(frameHeight: 24, frameWidth: 24, latent: 4, architecture: arch) } throws: { error in
                (error as? NetworkError)?.description.contains(field) == true
            }
        }
    }

    /// A registered layer type named in the architecture runs after every
    /// hidden convolution, and the composition's gradients stay right with
    /// no gradient code of its own.
    @Test func gradientsThroughInsertedRegisteredLayers() throws {
        let arch = Architecture(channels: [6, 8], kernel: 3, skipChannels: 2, mapChannels: 2, insertedLayers: ["tanh"])
        try check(height: 20, width: 18, latent: 6, skip: true, architecture: arch)
        let net = try Autoencoder(frameHeight: 20, frameWidth: 18, latent: 6, architecture: arch, seed: 0)
        #expect(net.encoder.layers.filter { $0 is Tanh }.count == 2)          // after conv1 and conv2, not the map's
        #expect(net.decoder.layers.filter { $0 is Tanh }.count == 3)          // after every transposed convolution
        #expect(arch.description.hasSuffix("relu, then tanh after each hidden convolution"))
        // The convolutions start as without the inserted layers (their own random stream).
        let plain = try Autoencoder(frameHeight: 20, frameWidth: 18, latent: 6,
                                    architecture: Architecture(channels: [6, 8], kernel: 3, skipChannels: 2, mapChannels: 2), seed: 0)
        #expect(net.parameters.map(\.value) == plain.parameters.map(\.value))
    }

    @Test func unknownLayerTypesAreNamedWithTheRegisteredOnes() throws {
        #expect { try Architecture(insertedLayers: ["tahn"]).validate() } throws: { error in
            guard let e = error as? NetworkError else { return false }
            return e.option == "layers" && e.description.contains("\"tahn\"") && e.description.contains("\"tanh\"")
        }
    }

    @Test func fastPathsAgreeWithTheGenericNetwork() throws {
        // The whole network with every registered fast path against the same
        // weights through the generic operations only (im2col + sgemm,
        // sgemm + col2im), for the output, dz, dx and every gradient.
        for (h, w) in [(32, 32), (40, 36)] {
            let fast = try Autoencoder(frameHeight: h, frameWidth: w, latent: 8, seed: 3)
            let generic = try Autoencoder(frameHeight: h, frameWidth: w, latent: 8, kernels: .generic, seed: 3)
            let x = randomTensor([4, h, w, 1], seed: 4), s = randomTensor([h, w], seed: 5)
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

    @Test func architectureFollowsTheReferenceAt64() throws {
        let net = try Autoencoder(frameHeight: 64, frameWidth: 64, latent: 16, skip: true, seed: 0)
        #expect(net.mapHeight == 4 && net.mapChannels == 1 && net.encoderLinear == nil)
        // torch_reference.py's ConvAE: encoder 160 + 4640 + 9248 + 289, skip 80,
        // decoder 320 + 9248 + 4624 + 2320, output Conv(24,1) 217 = 31_146.
        // Ours splits the output into Conv(16,1) + Conv(8,1, no bias): the same count.
        #expect(net.parameters.valueCount == 31_146)
        let z = try net.encode(randomTensor([2, 64, 64], seed: 1))
        #expect(z.shape == [2, 16])
    }

    @Test func sizesThatAreNotPowersOfTwo() throws {
        let net = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 16, skip: true, seed: 0)
        #expect(net.paddedHeight == 48 && net.mapHeight == 3 && net.encoderLinear != nil)
        let y = try net.decode(try net.encode(randomTensor([2, 40, 40], seed: 1)), static: Tensor(zeros: [40, 40]))
        #expect(y.shape == [2, 40, 40, 1])
    }

    @Test func sameSeedSameWeightsOtherSeedOther() throws {
        let a = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 8, seed: 3)
        let b = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 8, seed: 3)
        let c = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 8, seed: 4)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        #expect(a.parameters.map(\.value) != c.parameters.map(\.value))
    }

    @Test func decodedFrameDependsOnlyOnItsLatentAndTheStaticImage() throws {
        // No path from other frames (or the frame itself) into a decoded
        // frame: changing latent 1 leaves frame 0 unchanged.
        let net = try Autoencoder(frameHeight: 24, frameWidth: 24, latent: 4, seed: 1)
        let s = randomTensor([24, 24], seed: 2)
        var z = randomTensor([2, 4], seed: 3)
        let y1 = try net.decode(z, static: s)
        z.data[5] += 1
        let y2 = try net.decode(z, static: s)
        #expect(y1.frames(0..<1) == y2.frames(0..<1))
        #expect(y1.frames(1..<2) != y2.frames(1..<2))
        // ...and the static image does reach the output.
        let y3 = try net.decode(z, static: randomTensor([24, 24], seed: 4))
        #expect(y3 != y2)
    }

    @Test func clearErrorsForWrongShapes() throws {
        #expect(throws: NetworkError.self) { try Autoencoder(frameHeight: 2, frameWidth: 40, latent: 8) }
        #expect(throws: NetworkError.self) { try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 0) }
        let net = try Autoencoder(frameHeight: 24, frameWidth: 24, latent: 4)
        #expect(throws: NetworkError.self) { try net.encode(Tensor(zeros: [2, 20, 24])) }
        #expect(throws: NetworkError.self) { try net.decode(Tensor(zeros: [2, 4]), static: nil) }
    }

    @Test func cancellationStopsBetweenLayers() throws {
        let net = try Autoencoder(frameHeight: 24, frameWidth: 24, latent: 4)
        let c = Cancellation()
        c.cancel()
        #expect(throws: CancelledError.self) { try net.encode(Tensor(zeros: [2, 24, 24]), cancellation: c) }
    }

    @Test func fusedDecoderTailIsBitIdenticalToTheLayers() throws {
        // Frames that need no cropping run the last transposed convolution
        // and the output layer frame by frame; the same network without
        // that fusion (same seed, same weights) is the reference, for the
        // output, dz and every gradient.
        for skip in [true, false] {
            let net = try Autoencoder(frameHeight: 32, frameWidth: 48, latent: 6, skip: skip, seed: 9)
            let plain = try Autoencoder(frameHeight: 32, frameWidth: 48, latent: 6, skip: skip,
                                        kernels: KernelChoice.all.subtracting(.fusedDecoderTail), seed: 9)
            #expect(net.fusesDecoderTail)
            #expect(!plain.fusesDecoderTail)
            let z = randomTensor([3, 6], seed: 10)
            let s = randomTensor([32, 48], seed: 11)
            func run(_ net: Autoencoder) throws -> (Tensor, Tensor, [Tensor]) {
                net.parameters.zeroGradients()
                let (y, tape) = try net.decodeRecording(z, static: s)
                let dz = try net.decoderBackward(randomTensor(y.shape, seed: 12), tape: tape)
                return (y, dz, net.parameters.map(\.grad))
            }
            let (y, dz, grads) = try run(net)
            let (yRef, dzRef, gradsRef) = try run(plain)
            #expect(y == yRef)
            #expect(dz == dzRef)
            #expect(grads == gradsRef)
        }
        let cropped = try Autoencoder(frameHeight: 40, frameWidth: 40, latent: 6, seed: 9)
        #expect(!cropped.fusesDecoderTail)   // 40 x 40 is decoded at 48 x 48 and cropped
    }
}
