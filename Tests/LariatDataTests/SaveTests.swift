import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// What `save` writes, read back by numpy and tifffile, and by our loader.
@Suite struct SaveTests {
    @Test func tifffileAndNumpyReadWhatWeSave() throws {
        let dir = try PythonReference.temporaryDirectory()
        let movie = NDArray(shape: [3, 5, 7], data: (0..<105).map { Double($0 * 600) })
        let floats = NDArray(shape: [2, 4, 3], data: (0..<24).map { Double($0) * 0.25 - 2 })
        let matrix = NDArray(shape: [2, 3], data: [1, -2.5, 3e-7, .pi, 0, 1e20])
        let vector = NDArray(shape: [4], data: [0.1, 2, -3, 4.75])
        try ArraySaver.save(movie, path: dir.appendingPathComponent("u16.tif").path)
        try ArraySaver.save(floats, path: dir.appendingPathComponent("f32.tiff").path)
        try ArraySaver.save(matrix, path: dir.appendingPathComponent("m.csv").path)
        try ArraySaver.save(vector, path: dir.appendingPathComponent("v.csv").path)
        try ArraySaver.save(matrix, path: dir.appendingPathComponent("m.npy").path)
        try TIFFWriter.write(floats, path: dir.appendingPathComponent("big.tif").path, type: .float32, bigTIFF: true)
        try TIFFWriter.write(movie, path: dir.appendingPathComponent("f32.tif").path, type: .float32)
        let out = try PythonReference.run("""
        import numpy as np, tifffile
        a = tifffile.imread('u16.tif'); assert a.dtype == np.uint16 and a.shape == (3, 5, 7), (a.dtype, a.shape)
        assert np.array_equal(a, np.arange(105).reshape(3, 5, 7) * 600), a.ravel().tolist()
        with tifffile.TiffFile('u16.tif') as t: assert len(t.pages) == 3
        b = tifffile.imread('f32.tiff'); assert b.dtype == np.float32 and b.shape == (2, 4, 3)
        assert np.array_equal(b, np.arange(24).reshape(2, 4, 3) * 0.25 - 2)
        with tifffile.TiffFile('big.tif') as t: assert t.is_bigtiff and len(t.pages) == 2
        assert np.array_equal(tifffile.imread('big.tif'), b)
        c = tifffile.imread('f32.tif'); assert c.dtype == np.float32 and np.array_equal(c, a)
        m = np.loadtxt('m.csv', delimiter=','); assert m.shape == (2, 3)
        print(repr(m.ravel().tolist()))
        print(repr(np.loadtxt('v.csv').tolist()))
        assert np.array_equal(np.load('m.npy'), m)
        """, in: dir)
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines == ["[1.0, -2.5, 3e-07, 3.141592653589793, 0.0, 1e+20]", "[0.1, 2.0, -3.0, 4.75]"])
        // Our loader reads our files back exactly.
        #expect(try MovieLoader.load(path: dir.appendingPathComponent("u16.tif").path) == movie)
        #expect(try MovieLoader.load(path: dir.appendingPathComponent("f32.tiff").path) == floats)
    }

    @Test func badTargetsNameTheFile() throws {
        let dir = try PythonReference.temporaryDirectory()
        let movie = NDArray(zeros: [2, 3, 3])
        for (name, problem, value) in [("m.csv", "CSV holds a vector or a matrix", movie),
                                       ("m.xlsx", "unknown extension '.xlsx'", movie),
                                       ("v.tif", "a TIFF holds an image", NDArray(zeros: [4])),
                                       ("no/such/folder/m.tif", "cannot create", movie)] {
            let path = dir.appendingPathComponent(name).path
            do {
                try ArraySaver.save(value, path: path)
                Issue.record("saving \(name) should fail")
            } catch let e as DataFileError {
                #expect(e.description.hasPrefix(path) && e.description.contains(problem), "\(e)")
            }
        }
    }
}
