import Foundation
import Testing
@testable import LariatData

/// Shared by the loader tests: numpy's own slicing and block mean, written
/// by the test venv as float64 `.npy` references, compared value for value.
enum LoaderReference {
    /// Python that defines `ref(a, name, frames, k)`: saves numpy's
    /// `a[frames][:, :H//k*k, :W//k*k]` block mean as `<name>.npy`.
    static let prelude = """
    import numpy as np
    def ref(a, name, frames=slice(None), k=1):
        m = np.asarray(a)[frames].astype(np.float64)
        t, h, w = m.shape
        m = m[:, :h // k * k, :w // k * k].reshape(t, h // k, k, w // k, k).mean(axis=(2, 4))
        np.save(name + '.npy', m)

    """

    /// Python that lets tifffile write PackBits and LZW strips without
    /// imagecodecs: small encoders after TIFF 6.0 sections 9 and 13
    /// (tifffile itself decodes PackBits, so those files are checked by it).
    static let codecs = """
    import tifffile._imagecodecs as _ic
    def _packbits(b, *args, **kw):
        b = bytes(b); out = bytearray(); i = 0
        while i < len(b):
            j = i
            while j < len(b) and j - i < 128 and b[j] == b[i]: j += 1
            if j - i >= 2:
                out += bytes([(257 - (j - i)) & 0xff, b[i]]); i = j
            else:
                j = i + 1
                while j < len(b) and j - i < 128 and not (j + 1 < len(b) and b[j] == b[j + 1]): j += 1
                out += bytes([j - i - 1]) + b[i:j]; i = j
        return bytes(out)
    def _lzw(b, *args, **kw):
        # TIFF LZW as libtiff encodes it: 9..12-bit codes, MSB first, a wider code once
        # the next free entry passes the current width (the decoder, one entry behind,
        # switches "early"), a clear code at the start and when the table fills.
        b = bytes(b); codes = [256]; table = {bytes([i]): i for i in range(256)}; nxt = 258; width = 9
        bits = []
        def put(c):
            bits.append((c, width))
        put(256)
        w = b''
        for ch in b:
            wc = w + bytes([ch])
            if wc in table: w = wc; continue
            put(table[w]); table[wc] = nxt; nxt += 1
            if nxt >= (1 << width) and width < 12: width += 1
            if nxt == 4094:
                put(256); table = {bytes([i]): i for i in range(256)}; nxt = 258; width = 9
            w = bytes([ch])
        if w: put(table[w]); nxt += 1
        if nxt >= (1 << width) and width < 12: width += 1
        put(257)
        acc = 0; n = 0; out = bytearray()
        for c, wd in bits:
            acc = (acc << wd) | c; n += wd
            while n >= 8: out.append((acc >> (n - 8)) & 0xff); n -= 8
        if n: out.append((acc << (8 - n)) & 0xff)
        return bytes(out)
    _ic.packbits_encode = _packbits
    _ic.lzw_encode = _lzw
    import tifffile as _tf
    _tf.TIFF.COMPRESSORS._codecs[5] = _lzw
    _tf.TIFF.COMPRESSORS._codecs[32773] = _packbits
    """

    /// Loads `file` with the options and expects it equal to `reference.npy`
    /// (exactly, or within `tolerance` relative for float data whose
    /// summation order differs from numpy's).
    static func expectMatch(_ dir: URL, _ file: String, reference: String, frames: Range<Int>? = nil,
                            downsample: Int = 1, dataset: String? = nil, shape: [Int]? = nil,
                            tolerance: Double = 0, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try MovieLoader.load(path: dir.appendingPathComponent(file).path, frames: frames,
                                       downsample: downsample, dataset: dataset, shape: shape)
        let want = try NPY.read(path: dir.appendingPathComponent(reference + ".npy").path)
        #expect(got.shape == want.shape, "\(file) vs \(reference)", sourceLocation: sourceLocation)
        guard got.shape == want.shape else { return }
        var worst = 0.0
        for (a, b) in zip(got.data, want.data) {
            worst = max(worst, tolerance == 0 ? abs(a - b) : abs(a - b) / max(abs(b), 1))
        }
        #expect(worst <= tolerance, "\(file) vs \(reference): largest difference \(worst)", sourceLocation: sourceLocation)
    }

    /// Expects loading to throw a `DataFileError` whose message names the
    /// file and contains `problem`.
    static func expectError(_ path: String, _ problem: String, frames: Range<Int>? = nil, downsample: Int = 1,
                            dataset: String? = nil, shape: [Int]? = nil, frameStart: Int? = nil, frameEnd: Int? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let r = frames
            _ = try MovieLoader.load(path: path, frameStart: r?.lowerBound ?? frameStart, frameEnd: r?.upperBound ?? frameEnd,
                                     downsample: downsample, dataset: dataset, shape: shape)
            Issue.record("\(path): expected an error containing '\(problem)'", sourceLocation: sourceLocation)
        } catch let e as DataFileError {
            #expect(e.description.hasPrefix(path), "\(e)", sourceLocation: sourceLocation)
            #expect(e.description.contains(problem), "\(e) should contain '\(problem)'", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(path): unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
