import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

@Suite struct NPYTests {
    @Test func readsWhatNumpyWrites() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run("""
        import numpy as np
        a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 3
        np.save('f8.npy', a)
        np.save('f4.npy', a.astype(np.float32))
        np.save('i2.npy', (a * 10).astype(np.int16))
        np.save('u2.npy', (a * 10 + 100).astype(np.uint16))
        np.save('fortran.npy', np.asfortranarray(a))
        np.save('big.npy', a.astype('>f8'))
        np.save('vec.npy', np.array([1.5, 2.5]))
        """, in: dir)
        let expected = (0..<24).map { Double($0) * 0.5 - 3 }
        for name in ["f8", "f4", "fortran", "big"] {
            let a = try NPY.read(path: dir.appendingPathComponent("\(name).npy").path)
            #expect(a.shape == [2, 3, 4], "\(name)")
            #expect(a.data == expected, "\(name)")
        }
        let i2 = try NPY.read(path: dir.appendingPathComponent("i2.npy").path)
        #expect(i2.data == expected.map { Double(Int16($0 * 10)) })
        let u2 = try NPY.read(path: dir.appendingPathComponent("u2.npy").path)
        #expect(u2.data == expected.map { Double(UInt16($0 * 10 + 100)) })
        let v = try NPY.read(path: dir.appendingPathComponent("vec.npy").path)
        #expect(v.shape == [2] && v.data == [1.5, 2.5])
    }

    @Test func numpyReadsWhatWeWrite() throws {
        let dir = try PythonReference.temporaryDirectory()
        let a = NDArray(shape: [3, 2], data: [1, -2.5, 3e-300, .pi, 0, 7])
        try NPY.write(a, path: dir.appendingPathComponent("ours.npy").path)
        let out = try PythonReference.run("""
        import numpy as np
        a = np.load('ours.npy')
        assert a.dtype == np.float64 and a.shape == (3, 2), (a.dtype, a.shape)
        print(repr(a.ravel().tolist()))
        """, in: dir)
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "[1.0, -2.5, 3e-300, 3.141592653589793, 0.0, 7.0]")
    }

    @Test func truncatedFileNamesTheProblem() throws {
        let dir = try PythonReference.temporaryDirectory()
        let path = dir.appendingPathComponent("t.npy").path
        try NPY.write(NDArray(zeros: [10, 10]), path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: path))
        #expect(throws: NPY.FormatError.self) { try NPY.read(path: path) }
        do { _ = try NPY.read(path: path) } catch let e as NPY.FormatError {
            #expect(e.description.contains("truncated") && e.description.contains(path))
        }
    }
}
