import Foundation

/// A small, fast, deterministic random number generator: xoshiro256**
/// (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// 2021) seeded through SplitMix64, with Box-Muller normals.
///
/// The same `seed` and `stream` give the same sequence on every platform
/// and every run; different streams of one seed are independent for all
/// practical purposes. Simulations, network initialisation and resampling
/// draw from it so results are reproducible from a number.
///
/// ```swift
/// var rng = SeededRandom(seed: 7)
/// let u = rng.uniform()          // [0, 1)
/// let z = rng.normal()           // N(0, 1)
/// var noise = SeededRandom(seed: 7, stream: 3)   // an independent stream
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    /// A second normal from the last Box-Muller pair, used by the next call.
    private var spareNormal: Double?

    /// A generator for `seed`; `stream` selects an independent sequence of
    /// the same seed (e.g. one per purpose: field of view, noise, session).
    public init(seed: UInt64, stream: UInt64 = 0) {
        // SplitMix64 expands the (seed, stream) pair into the 256-bit state;
        // it never yields the all-zero state xoshiro must avoid.
        var x = seed &+ stream &* 0xD1B5_4A32_D192_ED03
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
        spareNormal = nil
    }

    /// A generator seeded from a signed integer (as scripts pass seeds).
    public init(seed: Int, stream: UInt64 = 0) {
        self.init(seed: UInt64(bitPattern: Int64(seed)), stream: stream)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * uniform()
    }

    /// A uniform integer in `range` (unbiased, by rejection).
    public mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "SeededRandom.int: empty range")
        let n = UInt64(range.count)
        let limit = UInt64.max - UInt64.max % n
        var r = next()
        while r >= limit { r = next() }
        return range.lowerBound + Int(r % n)
    }

    /// True with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// A standard normal (Box-Muller; the pair's second value is kept for the next call).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * sin(theta)
        return r * cos(theta)
    }

    /// A normal with mean `mu` and standard deviation `sigma`.
    public mutating func normal(_ mu: Double, _ sigma: Double) -> Double { mu + sigma * normal() }

    /// A Poisson count with mean `lambda` (Knuth's product method below 30,
    /// a rounded normal approximation above, where it is accurate to a few percent in the tails).
    public mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda < 30 {
            let limit = exp(-lambda)
            var k = 0
            var p = uniform()
            while p > limit { k += 1; p *= uniform() }
            return k
        }
        return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded()))
    }

    /// A random permutation of 0..<n (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, int(in: 0..<(i + 1)))
        }
        return p
    }
}
