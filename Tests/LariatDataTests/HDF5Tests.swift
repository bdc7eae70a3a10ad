import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// HDF5 files written by h5py, read through libhdf5 hyperslabs.
@Suite struct HDF5Tests {
    static func writeFiles() throws -> URL {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + """
        import h5py
        rng = np.random.default_rng(5)
        mov = rng.integers(0, 4000, size=(21, 17, 26)).astype(np.uint16)
        f32 = (rng.standard_normal((9, 12, 10)) * 50).astype(np.float32)
        with h5py.File('movie.h5', 'w') as f:
            f.create_dataset('mov', data=mov, chunks=(4, 17, 26))
        with h5py.File('several.hdf5', 'w') as f:
            g = f.create_group('acquisition')
            g.create_dataset('raw', data=mov.astype(np.int16) - 2000)
            f.create_dataset('f32', data=f32)
            f.create_dataset('mean', data=mov.mean(axis=0))
            f.create_dataset('traces', data=rng.standard_normal((30, 4)))
            f.create_dataset('label', data='not numbers')
        ref(mov, 'mov_full')
        ref(mov, 'mov_part', slice(5, 19), 4)
        ref(mov.astype(np.int16) - 2000, 'raw_part', slice(0, 7), 2)
        ref(f32, 'f32_full')
        np.save('mean.npy', mov.mean(axis=0))
        with h5py.File('several.hdf5', 'r') as f: np.save('traces.npy', f['traces'][10:20])
        """, in: dir)
        return dir
    }

    @Test func readsDatasetsValueForValue() throws {
        let dir = try Self.writeFiles()
        // A single 3-D dataset is found without naming it.
        try LoaderReference.expectMatch(dir, "movie.h5", reference: "mov_full")
        try LoaderReference.expectMatch(dir, "movie.h5", reference: "mov_part", frames: 5..<19, downsample: 4)
        try LoaderReference.expectMatch(dir, "several.hdf5", reference: "raw_part", frames: 0..<7, downsample: 2,
                                        dataset: "/acquisition/raw")
        try LoaderReference.expectMatch(dir, "several.hdf5", reference: "f32_full", dataset: "f32")
        // Arrays that are not movies pass through; frames slices rows.
        try LoaderReference.expectMatch(dir, "several.hdf5", reference: "mean", dataset: "mean")
        try LoaderReference.expectMatch(dir, "several.hdf5", reference: "traces", frames: 10..<20, dataset: "traces")
    }

    @Test func errorsNameTheFileAndListDatasets() throws {
        let dir = try Self.writeFiles()
        let p = dir.appendingPathComponent("several.hdf5").path
        LoaderReference.expectError(p, "has no dataset 'movie'; available: /acquisition/raw [21, 17, 26]", dataset: "movie")
        LoaderReference.expectError(p, "several datasets; choose one with dataset=")
        LoaderReference.expectError(p, "is not numeric", dataset: "label")
        LoaderReference.expectError(p, "downsample= needs a movie", downsample: 2, dataset: "traces")
        LoaderReference.expectError(p, "outside the movie: it has 21 frames", frames: 0..<22, dataset: "/acquisition/raw")
        LoaderReference.expectError(dir.appendingPathComponent("nope.h5").path, "no such file")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("movie.h5").path))
        let cut = dir.appendingPathComponent("cut.h5").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        do {
            _ = try MovieLoader.load(path: cut)
            Issue.record("a truncated HDF5 file loaded")
        } catch let e as DataFileError {
            #expect(e.description.hasPrefix(cut))
        }
    }
}
