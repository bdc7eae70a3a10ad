/// The random integers a mutation draws: a seeded stream of the test's own.
public protocol MutationRandom {
    mutating func int(in range: Range<Int>) -> Int
}

/// Random damage to a file's bytes, for the in-process fuzz tests (model
/// archives, suite2p pickles): 1 to 4 of bit flips, interesting 32-bit
/// integers, truncation, deletion of a run, a random byte.
public enum ByteMutation {
    public static func mutate<R: MutationRandom>(_ b: [UInt8], _ rng: inout R) -> [UInt8] {
        var out = b
        for _ in 0..<(1 + rng.int(in: 0..<4)) where !out.isEmpty {
            let at = rng.int(in: 0..<out.count)
            switch rng.int(in: 0..<5) {
            case 0: out[at] ^= UInt8(1) << UInt8(rng.int(in: 0..<8))
            case 1:
                let v: [UInt8] = [[0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0]][rng.int(in: 0..<4)]
                for k in 0..<min(4, out.count - at) { out[at + k] = v[k] }
            case 2: out.removeSubrange(at...)
            case 3: out.removeSubrange(at..<min(out.count, at + 1 + rng.int(in: 0..<64)))
            default: out[at] = UInt8(rng.int(in: 0..<256))
            }
        }
        return out
    }
}
