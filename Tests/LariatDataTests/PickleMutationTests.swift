import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// Mutated suite2p pickles (stat.npy, ops.npy), read in-process: every one
/// is refused with an error or read, none crashes the process (LariatData
/// keeps bounds checks, so a missed guard traps here) and none takes long.
/// Fixed seed; the mutations are `ByteMutation`s, as ArchiveMutationTests'.
@Suite struct PickleMutationTests {
    /// SplitMix64 (Steele, Lea and Flood 2014): a seeded stream for the mutations.
    struct Stream: MutationRandom {
        var state: UInt64
        mutating func int(in range: Range<Int>) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return range.lowerBound + Int(z % UInt64(range.count))
        }
    }

    @Test func mutatedSuite2pPicklesAreReadOrRefusedNeverCrash() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run("""
        import numpy as np
        stat = [{"ypix": np.arange(i, i + 5, dtype=np.int32), "xpix": np.arange(5, dtype=np.int32),
                 "lam": np.linspace(0, 1, 5, dtype=np.float32), "med": [i, 2], "radius": np.float64(2.5),
                 "npix": np.int64(5), "name": f"roi{i}"} for i in range(6)]
        np.save("stat.npy", np.array(stat, dtype=object), allow_pickle=True)
        np.save("ops.npy", {"Ly": 16, "Lx": 12, "fs": 30.0, "filelist": ["a.tif"]}, allow_pickle=True)
        """, in: dir)
        for name in ["stat.npy", "ops.npy"] {
            let original = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            let path = dir.appendingPathComponent("m-" + name).path
            var rng = Stream(state: 7)
            var outcomes = [0, 0]
            for _ in 0..<500 {
                try Data(ByteMutation.mutate(original, &rng)).write(to: URL(fileURLWithPath: path))
                do { _ = try Suite2pFolder.objectArray(path: path); outcomes[0] += 1 } catch is DataFileError { outcomes[1] += 1 }
            }
            #expect(outcomes[1] > 0 && outcomes[0] + outcomes[1] == 500, "\(name): read \(outcomes[0]), refused \(outcomes[1])")
        }
    }
}
