import Testing
@testable import LariatModel

/// `ChannelNormalisation` against its formula and finite differences, alone
/// and inside the network, where it arrives only through `LayerRegistry`.
@Suite struct ChannelNormalisationTests {
    func layer(channels: Int) -> ChannelNormalisation {
        var rng = SeededRandom(seed: 1)
        let l = ChannelNormalisation(name: "n", channels: channels, rng: &rng)
        l.gain.value = randomTensor([channels], seed: 2)                   // away from the initial 1 and 0
        l.offset.value = randomTensor([channels], seed: 3)
        return l
    }

    @Test func eachPixelsChannelsAreStandardisedThenScaled() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 4, scale: 3)
        let l = layer(channels: 5)
        let y = try l(x)
        for r in 0..<(2 * 3 * 4) {
            let v = (0..<5).map { Double(x.data[r * 5 + $0]) }
            let mu = v.reduce(0, +) / 5
            let sigma = (v.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 5 + Double(ChannelNormalisation.epsilon)).squareRoot()
            for j in 0..<5 {
                let want = Double(l.gain.value.data[j]) * (v[j] - mu) / sigma + Double(l.offset.value.data[j])
                #expect(abs(Double(y.data[r * 5 + j]) - want) < 1e-5)
            }
        }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let x = randomTensor([3, 4, 4, 6], seed: 5)
        let r = randomTensor([3, 4, 4, 6], seed: 6)
        let l = layer(channels: 6)
        l.parameters.zeroGradients()
        let (_, pullback) = try l.applied(to: x)
        let dx = try pullback(r, true)!
        #expect(gradientError(at: x, analytic: dx, step: 1e-2) { dot(try! l($0), r) } < 1e-2)
        for (i, p) in l.parameters.enumerated() {
            #expect(directionalError(p, seed: UInt64(10 + i)) { dot(try! l(x), r) } < 1e-3, "\(p.name)")
        }
    }

    /// Named in the architecture, it runs after every hidden convolution;
    /// the composed network's gradients hold with no gradient code of its own.
    @Test func gradientsThroughTheComposedNetwork() throws {
        let arch = Architecture(channels: [6, 8], kernel: 3, skipChannels: 2, mapChannels: 2, insertedLayers: ["channel_norm"])
        try AutoencoderTests().check(height: 20, width: 18, latent: 6, skip: true, architecture: arch)
        let net = try Autoencoder(frameHeight: 20, frameWidth: 18, latent: 6, architecture: arch, seed: 0)
        #expect(net.parameters.filter { $0.name.hasSuffix(".channel_norm.gain") }.count == 5)
    }
}
