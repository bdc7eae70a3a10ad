import Foundation
import Testing
@testable import LariatModel

/// `lariat run` and the kernel train on the main thread, whose malloc arena
/// keeps freed activations for reuse (`AllocationRetention`). Swift Testing
/// runs tests on other threads, and glibc gives those their own arenas,
/// whose 64 MB heaps cannot hold a 67 MB activation: there every step would
/// pay for fresh mappings again, about 15% of it. `MALLOC_ARENA_MAX=1`
/// (set by the documented commands and scripts/test) makes every thread
/// share the main arena, as production does.
func warnAboutArenas() {
    if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] != "1" {
        print("warning: MALLOC_ARENA_MAX=1 is not set; this thread's malloc arena cannot keep the activations (see bench/training/README.md)")
    }
}

/// The training-step benchmark of bench/training/README.md. Prints, never
/// asserts timings; runs only with `LARIAT_BENCH=1` (CI skips it):
///
///     LARIAT_BENCH=1 swift test -c release --filter TrainingBenchmark
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LARIAT_BENCH"] == "1"))
struct TrainingBenchmark {
    static let (B, H, W, D) = (256, 64, 64, 16)

    /// Median and best seconds of `runs` calls after `warmup` untimed ones.
    func time(warmup: Int, runs: Int, _ body: () throws -> Void) rethrows -> (median: Double, best: Double) {
        for _ in 0..<warmup { try body() }
        var ts: [Double] = []
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        ts.sort()
        return (ts[ts.count / 2], ts[0])
    }

    /// The reference: float32 GEMM at 1024^3.
    final class GEMM {
        let n = 1024
        let a: [Float], b: [Float]
        var c: [Float]
        var flops: Double { 2 * Double(n * n * n) }
        init() {
            a = randomTensor([n, n], seed: 1).data; b = randomTensor([n, n], seed: 2).data
            c = [Float](repeating: 0, count: n * n)
        }
        func run() { sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c, ldc: n) }
    }
    /// This machine's float32 GEMM rate at 1024^3, in GFLOP/s (median, best).
    func sgemmRate() -> (median: Double, best: Double) {
        let gemm = GEMM()
        let t = time(warmup: 3, runs: 20) { gemm.run() }
        return (gemm.flops / t.median * 1e-9, gemm.flops / t.best * 1e-9)
    }

    /// The step's FLOP rate as a fraction of sgemm's, each step paired with
    /// the sgemm runs just before it: on a shared machine interference lasts
    /// longer than a step, so a pair sees the same machine where two medians
    /// taken seconds apart need not. Returns the median and the range of the
    /// per-step fractions and the median of the pairs' sgemm rates (GFLOP/s).
    func pairedFraction(flops: Double, runs: Int, _ body: () throws -> Void) rethrows
        -> (median: Double, low: Double, high: Double, sgemm: Double) {
        let gemm = GEMM()
        try body()
        var fractions: [Double] = [], rates: [Double] = []
        for _ in 0..<runs {
            let reference = time(warmup: 1, runs: 3) { gemm.run() }
            let step = try time(warmup: 0, runs: 1, body)
            let rate = gemm.flops / reference.median
            rates.append(rate * 1e-9)
            fractions.append(flops / step.median / rate)
        }
        fractions.sort(); rates.sort()
        return (fractions[runs / 2], fractions[0], fractions[runs - 1], rates[runs / 2])
    }

    /// Peak resident memory of this process (VmHWM), in MB.
    func peakMemoryMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return .nan }
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? .nan
    }

    /// Multiply-adds of the network's layers for one decode or encode of `n` frames.
    func macs(_ net: Autoencoder, frames n: Int) -> (encoder: Int, encoderFirst: Int, decoder: Int, skip: Int, skipFirst: Int) {
        var shape = [n, net.paddedHeight, net.paddedWidth, 1]
        var enc = 0
        for c in net.encoderConvs { enc += c.multiplyAdds(input: shape); shape = c.outputShape(shape) }
        let first = net.encoderConvs[0].multiplyAdds(input: [n, net.paddedHeight, net.paddedWidth, 1])
        var dec = 0
        shape = [n, net.mapHeight, net.mapWidth, net.mapChannels]
        for c in net.decoderConvs { dec += c.multiplyAdds(input: shape); shape = c.outputShape(shape) }
        dec += net.output!.multiplyAdds(input: [n, net.frameHeight, net.frameWidth, net.output!.inChannels])
        let skipFirst = net.staticConv!.multiplyAdds(input: [n, net.frameHeight, net.frameWidth, 1])
        let skip = skipFirst + net.staticOutput!.multiplyAdds(input: [n, net.frameHeight, net.frameWidth,
                                                                      net.staticOutput!.inChannels])
        return (enc, first, dec, skip, skipFirst)
    }

    @Test func trainingStep() throws {
        let (B, H, W, D) = Self.self.B == 0 ? (0, 0, 0, 0) : (Self.B, Self.H, Self.W, Self.D)
        warnAboutArenas()
        AllocationRetention.retainLargeBlocks()                           // as the lariat executable does
        print("OpenBLAS \(OpenBLAS.coreName) threads: \(OpenBLAS.threadCount), cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        // The machine is shared: sgemm is measured before and after the steps
        // and the faster of the two is the reference (the conservative ratio).
        let gemmBefore = sgemmRate()

        var rng = SeededRandom(seed: 1234)
        let movie = NDArray(shape: [B, H, W], data: (0..<(B * H * W)).map { _ in rng.uniform() })
        // LARIAT_TILES=avx2|avx512 forces the kernels' register tiles (to
        // compare the families on one machine); by default the CPU's.
        let tiles = ProcessInfo.processInfo.environment["LARIAT_TILES"].flatMap(RegisterTiles.init(rawValue:)) ?? .detected
        print("register tiles: \(tiles) (detected \(RegisterTiles.detected); CPU AVX-512 F: \(RegisterTiles.cpuHasAVX512), "
              + "LariatModel compiled with AVX-512: \(RegisterTiles.compiledWithAVX512))")
        // LARIAT_BENCH_CHANNELS=8,16,16 and LARIAT_BENCH_KERNEL=5 time another
        // architecture (bench/training/torch_architecture.py is PyTorch's).
        let env = ProcessInfo.processInfo.environment
        var architecture = Architecture.standard
        if let c = env["LARIAT_BENCH_CHANNELS"] { architecture.channels = c.split(separator: ",").compactMap { Int($0) } }
        if let k = env["LARIAT_BENCH_KERNEL"].flatMap(Int.init) { architecture.kernel = k }
        let trainer = try AutoencoderTrainer(movie: movie, latent: D, skip: true, architecture: architecture,
                                             options: TrainingOptions(epochs: 1, window: B, seed: 0), tiles: tiles)
        let net = trainer.network
        let params = net.parameters
        print("input \(trainer.movie.shape) float32 (channels-last), params: \(params.valueCount)")
        print("architecture: \(net.architecture)")
        print("kernels: " + net.convolutionKernels.map { "\($0.layer) \($0.kernel)" }.joined(separator: ", "))

        // FLOPs of the production step: forward, then weight and input
        // gradients (no input gradient for layers that read the data). The
        // static skip branch runs once per decode on the mean image; the
        // PyTorch stand-in runs it on every frame (its FLOPs are counted
        // beside it by torch_reference.py), so Lariat's count is the smaller.
        let m = macs(net, frames: B), m1 = macs(net, frames: B - 1), s1 = macs(net, frames: 1)
        let skipMACs = 3 * s1.skip - s1.skipFirst
        let aeMACs = 3 * (m.encoder + m.decoder) - m.encoderFirst + skipMACs
        let fullMACs = aeMACs + 3 * m1.decoder + skipMACs
        let aeFlops = 2 * Double(aeMACs), fullFlops = 2 * Double(fullMACs)

        // The autoencoder alone (reconstruction loss, the production static skip).
        func aeStep() throws {
            params.zeroGradients()
            _ = try trainer.reconstructionGradients(window: 0..<B)
            trainer.optimizer.update(params)
        }
        let ae = try time(warmup: 2, runs: 10, aeStep)
        // The full production step: three losses through the lasso-VAR(1)
        // (LARS, lambda 0.02 on standardised latents) instead of the
        // reference's ridge stand-in.
        var last = 0.0
        func fullStep() throws {
            params.zeroGradients()
            let l = try trainer.jointGradients(window: 0..<B, lag: 1, penalty: .value(0.02))
            trainer.optimizer.update(params)
            last = l.total
        }
        let full = try time(warmup: 2, runs: 10, fullStep)
        let fullLoss = last
        // Read before the paired runs, whose sgemm matrices (12 MB) are not the step's.
        let peakMemory = peakMemoryMB()
        let pairedAE = try pairedFraction(flops: aeFlops, runs: 10, aeStep)
        let pairedFull = try pairedFraction(flops: fullFlops, runs: 10, fullStep)
        let gemmAfter = sgemmRate()
        let reference = gemmBefore.median >= gemmAfter.median ? gemmBefore : gemmAfter
        print(String(format: "cblas_sgemm 1024^3 f32: median %.1f GFLOP/s before, %.1f after the steps (best %.1f); reference %.1f",
                     gemmBefore.median, gemmAfter.median, max(gemmBefore.best, gemmAfter.best), reference.median))
        // On a shared machine the medians of the steps and of sgemm can see
        // different interference; the best step against the best sgemm is
        // printed beside the median-based fraction.
        let gemmBest = max(gemmBefore.best, gemmAfter.best)
        func line(_ name: String, _ t: (median: Double, best: Double), _ flops: Double) -> String {
            String(format: "%@: median %.1f ms  min %.1f ms  %.2f GFLOP  %.1f GFLOP/s = %.0f%% of sgemm (best/best %.0f%%)",
                   name, t.median * 1e3, t.best * 1e3, flops * 1e-9, flops / t.median * 1e-9,
                   100 * flops / t.median * 1e-9 / reference.median, 100 * flops / t.best * 1e-9 / gemmBest)
        }
        print(line("AE-only step (recon loss)         ", ae, aeFlops))
        print(line("full step (AE + lasso VAR(1), 3 losses)", full, fullFlops) + String(format: "  (loss %.5f)", fullLoss))
        for (name, p) in [("AE-only step", pairedAE), ("full step", pairedFull)] {
            print(String(format: "%@ paired with sgemm just before each step (10 pairs, sgemm median %.1f GFLOP/s): median %.0f%% of sgemm, range %.0f-%.0f%%",
                         name, p.sgemm, 100 * p.median, 100 * p.low, 100 * p.high))
        }
        print(String(format: "peak memory (VmHWM): %.0f MB", peakMemory))
        print("PyTorch on this machine: bash bench/training/run.sh --torch /path/to/torch-venv/bin/python (DESIGN.md quotes ~2000 ms full, ~1000 ms AE-only)")
    }
}

/// Where a training step's time goes: each layer's forward and backward at
/// the benchmark's shapes (256 frames of 64x64), median of 5 after 1 warm-up,
/// with each family of register tiles (`RegisterTiles`), beside this
/// machine's sgemm measured in the same run.
///
///     LARIAT_BENCH=1 swift test -c release --filter LayerProfile
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LARIAT_BENCH"] == "1"))
struct LayerProfile {
    func ms(_ body: () -> Void) -> Double {
        body()
        var ts: [Double] = []
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6)
        }
        return ts.sorted()[2]
    }

    @Test func layers() throws {
        warnAboutArenas()
        let n = 256
        AllocationRetention.retainLargeBlocks()                           // as the lariat executable does
        let gemm = TrainingBenchmark().sgemmRate().median * 1e9           // FLOP/s
        print(String(format: "cblas_sgemm 1024^3 f32: median %.1f GFLOP/s; register tiles detected: %@",
                     gemm * 1e-9, RegisterTiles.detected.rawValue))
        let nets = try RegisterTiles.allCases.map {
            try Autoencoder(frameHeight: 64, frameWidth: 64, latent: 16, skip: true, tiles: $0, seed: 0)
        }
        // name, GFLOP forward, then per family (forward ms, backward ms); backward counts 2x the forward's FLOPs
        // (1x for layers without an input gradient).
        var rows: [(String, Double, Double, [(Double, Double)])] = []
        func profile(_ name: String, input: Tensor, macs: Int, backwardFactor: Double = 2,
                     _ pass: (Autoencoder) -> (forward: (Tensor) -> Tensor, backward: (Tensor, Tensor) -> Void)) {
            var times: [(Double, Double)] = []
            for net in nets {
                let (forward, backward) = pass(net)
                let y = forward(input)
                let dy = randomTensor(y.shape, seed: 7)
                times.append((ms { _ = forward(input) }, ms { backward(dy, input) }))
            }
            rows.append((name, Double(macs) * 2e-9, backwardFactor, times))
        }
        let net = nets[0]
        var x = randomTensor([n, 64, 64, 1], seed: 1)
        for (i, c) in net.encoderConvs.enumerated() {
            profile("encoder.conv\(i + 1) \(x.shape.dropFirst())", input: x, macs: c.multiplyAdds(input: x.shape),
                    backwardFactor: i > 0 ? 2 : 1) { net in
                let c = net.encoderConvs[i]
                return ({ c.forward($0, rectified: i < 3) }, { dy, x in _ = c.backward(dy, input: x, inputGradient: i > 0) })
            }
            x = c.forward(x)
        }
        var h = randomTensor([n, 4, 4, 1], seed: 2)
        for (i, c) in net.decoderConvs.enumerated() {
            profile("decoder.convT\(i + 1) \(h.shape.dropFirst())", input: h, macs: c.multiplyAdds(input: h.shape)) { net in
                let c = net.decoderConvs[i]
                return ({ c.forward($0, rectified: true) }, { dy, x in _ = c.backward(dy, input: x) })
            }
            h = c.forward(h)
        }
        profile("decoder.output \(h.shape.dropFirst())", input: h, macs: net.output!.multiplyAdds(input: h.shape)) { net in
            ({ net.output!.forward($0) }, { dy, x in _ = net.output!.backward(dy, input: x) })
        }
        let frame = randomTensor([n, 64, 64, 1], seed: 3)
        profile("skip.conv \(frame.shape.dropFirst())", input: frame, macs: net.staticConv!.multiplyAdds(input: frame.shape),
                backwardFactor: 1) { net in
            ({ net.staticConv!.forward($0, rectified: true) }, { dy, x in _ = net.staticConv!.backward(dy, input: x, inputGradient: false) })
        }
        profile("ReLU \(h.shape.dropFirst())", input: h, macs: 0) { _ in
            ({ ReLU.forward($0) }, { dy, y in var d = dy; ReLU.backwardInPlace(&d, output: y) })
        }
        let families = RegisterTiles.allCases.map(\.rawValue).joined(separator: " | ")
        print("layer                                    GFLOP fwd   per family (\(families)): fwd ms  bwd ms  (fwd+bwd GFLOP/s, % of sgemm)")
        var totals = [(Double, Double)](repeating: (0, 0), count: nets.count)
        for (name, g, factor, times) in rows {
            var line = String(format: "%-40@ %5.2f", name as NSString, g)
            for (k, (f, b)) in times.enumerated() {
                let rate = g * (1 + factor) / (f + b) * 1e12        // FLOP/s
                line += String(format: "   | %7.1f %7.1f (%5.1f, %3.0f%%)", f, b, rate * 1e-9, 100 * rate / gemm)
                totals[k].0 += f; totals[k].1 += b
            }
            print(line)
        }
        for (tiles, t) in zip(RegisterTiles.allCases, totals) {
            print(String(format: "total with %@ tiles: fwd %.1f ms bwd %.1f ms", tiles.rawValue, t.0, t.1))
        }
    }
}
