import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// `.npy` movies streamed from disk, pass-through of other arrays, and the
/// loader's own checks (extension, options).
@Suite struct LoaderTests {
    static func writeFiles() throws -> URL {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + """
        rng = np.random.default_rng(7)
        mov = rng.integers(0, 60000, size=(13, 22, 29))
        kinds = {'f8': mov * 0.25, 'f4': (mov * 0.5).astype(np.float32), 'i2': (mov // 3 - 10000).astype(np.int16),
                 'u2': mov.astype(np.uint16), 'u1': (mov % 256).astype(np.uint8), 'i4': mov.astype(np.int32) - 30000,
                 'u8': mov.astype(np.uint64), 'big': mov.astype('>i4')}
        for name, a in kinds.items():
            np.save(name + '.npy', a)
            np.save(name + '_fortran.npy', np.asfortranarray(a))
            ref(a, name + '_full')
            ref(a, name + '_part', slice(2, 9), 3)
        np.save('traces.npy', rng.standard_normal((40, 3)))
        np.save('traces_fortran.npy', np.asfortranarray(np.load('traces.npy')))
        np.save('traces_rows.npy', np.load('traces.npy')[-10:])
        np.save('vector.npy', np.arange(7.0))
        np.save('vector_part.npy', np.arange(7.0)[2:5])
        """, in: dir)
        return dir
    }

    @Test func npyMoviesOfEveryDtypeAndOrder() throws {
        let dir = try Self.writeFiles()
        for name in ["f8", "f4", "i2", "u2", "u1", "i4", "u8", "big"] {
            for order in ["", "_fortran"] {
                let tolerance = name.hasPrefix("f") ? 1e-12 : 0
                try LoaderReference.expectMatch(dir, name + order + ".npy", reference: name + "_full")
                try LoaderReference.expectMatch(dir, name + order + ".npy", reference: name + "_part", frames: 2..<9,
                                                downsample: 3, tolerance: tolerance)
            }
        }
    }

    @Test func arraysThatAreNotMoviesPassThrough() throws {
        let dir = try Self.writeFiles()
        try LoaderReference.expectMatch(dir, "traces.npy", reference: "traces")
        try LoaderReference.expectMatch(dir, "traces_fortran.npy", reference: "traces")
        try LoaderReference.expectMatch(dir, "vector.npy", reference: "vector")
        try LoaderReference.expectMatch(dir, "vector.npy", reference: "vector_part", frames: 2..<5)
        let rows = try MovieLoader.load(path: dir.appendingPathComponent("traces_fortran.npy").path,
                                        frameStart: -10, frameEnd: nil)
        #expect(rows == (try NPY.read(path: dir.appendingPathComponent("traces_rows.npy").path)))
        LoaderReference.expectError(dir.appendingPathComponent("traces.npy").path, "downsample= needs a movie", downsample: 2)
    }

    @Test func optionsAndExtensionsAreChecked() throws {
        let dir = try Self.writeFiles()
        let p = dir.appendingPathComponent("u2.npy").path
        LoaderReference.expectError(p, "dataset= applies to HDF5 and NWB files", dataset: "mov")
        LoaderReference.expectError(p, "shape= applies to raw binaries", shape: [22, 29])
        LoaderReference.expectError(p, "downsample=0 must be", downsample: 0)
        LoaderReference.expectError(p, "empty range of frames", frameStart: 9, frameEnd: 2)
        LoaderReference.expectError(dir.appendingPathComponent("movie.avi").path, "unknown extension '.avi'")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: p))
        let cut = dir.appendingPathComponent("cut.npy").path
        try bytes.prefix(bytes.count - 1).write(to: URL(fileURLWithPath: cut))
        LoaderReference.expectError(cut, "truncated: shape [13, 22, 29] of uint16")
    }

    @Test func downsampleOneAndFullRangeIsTheFileItself() throws {
        let dir = try Self.writeFiles()
        let a = try MovieLoader.load(path: dir.appendingPathComponent("f8.npy").path)
        let b = try NPY.read(path: dir.appendingPathComponent("f8.npy").path)
        #expect(a == b)
    }
}
