import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// suite2p's registered movie: a raw little-endian int16 `data.bin`.
@Suite struct Suite2pTests {
    static func writeFiles() throws -> URL {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + """
        rng = np.random.default_rng(6)
        mov = rng.integers(-3000, 30000, size=(25, 19, 22)).astype(np.int16)
        mov.astype('<i2').tofile('data.bin')
        ref(mov, 'full')
        ref(mov, 'part', slice(10, 25), 5)
        """, in: dir)
        return dir
    }

    @Test func readsRawInt16WithGivenOrInferredFrameCount() throws {
        let dir = try Self.writeFiles()
        try LoaderReference.expectMatch(dir, "data.bin", reference: "full", shape: [25, 19, 22])
        try LoaderReference.expectMatch(dir, "data.bin", reference: "full", shape: [19, 22])
        try LoaderReference.expectMatch(dir, "data.bin", reference: "part", frames: 10..<25, downsample: 5, shape: [19, 22])
    }

    @Test func wrongShapesAreRefused() throws {
        let dir = try Self.writeFiles()
        let p = dir.appendingPathComponent("data.bin").path
        LoaderReference.expectError(p, "has no header; give its shape")
        LoaderReference.expectError(p, "is not a whole number of 19 x 23 int16 frames", shape: [19, 23])
        LoaderReference.expectError(p, "truncated: shape [26, 19, 22]", shape: [26, 19, 22])
        LoaderReference.expectError(p, "wrong shape: [24, 19, 22]", shape: [24, 19, 22])
        LoaderReference.expectError(p, "shape= must be [H, W] or [T, H, W]", shape: [0, 19, 22])
    }
}
