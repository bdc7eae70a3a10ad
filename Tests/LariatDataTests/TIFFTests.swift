import Foundation
import LariatTestSupport
import Testing
@testable import LariatData

/// TIFF files written by tifffile in the test venv, read by our own reader
/// and compared with numpy's slicing and block mean of the same array.
@Suite struct TIFFTests {
    /// One movie (16 x 23 x 31: odd sizes so block means drop a remainder)
    /// written in every layout tifffile produces; references for the whole
    /// movie and for frames 3:11 with a 3 x 3 block mean.
    static let layouts = [
        "plain_u16", "plain_i16", "plain_u8", "plain_i8", "plain_u32", "plain_i32", "plain_f32", "plain_f64",
        "imagej_u16", "imagej_f32", "imagej_truncated", "truncated", "bigtiff_u16", "bigtiff_f32",
        "bigendian_i16", "bigendian_bigtiff_f32", "strips", "tiles", "packbits", "packbits_predictor", "lzw", "lzw_predictor", "lzw_u8", "zlib_u16", "zlib_predictor_i16", "zlib_tiles_f32", "zlib_bigendian_u8", "zlib_stored_u16", "scanimage_like",
    ]

    static func writeFiles() throws -> URL {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + LoaderReference.codecs + "\n" + """
        import tifffile
        rng = np.random.default_rng(4)
        base = rng.integers(0, 250, size=(16, 23, 31))
        movies = {
            'u16': (base * 250).astype(np.uint16), 'i16': (base * 100 - 12000).astype(np.int16),
            'u8': base.astype(np.uint8), 'i8': (base - 125).astype(np.int8),
            'u32': (base * 1000003).astype(np.uint32), 'i32': (base * 100003 - 12500000).astype(np.int32),
            'f32': (rng.standard_normal((16, 23, 31)) * 100).astype(np.float32),
            'f64': rng.standard_normal((16, 23, 31)) * 1e3,
        }
        files = {}
        for d in ['u16', 'i16', 'u8', 'i8', 'u32', 'i32', 'f32', 'f64']:
            files['plain_' + d] = (movies[d], {})
        files['imagej_u16'] = (movies['u16'], dict(imagej=True))
        files['imagej_f32'] = (movies['f32'], dict(imagej=True))
        files['imagej_truncated'] = (movies['u16'], dict(imagej=True, truncate=True))
        files['truncated'] = (movies['i16'], dict(truncate=True))
        files['bigtiff_u16'] = (movies['u16'], dict(bigtiff=True))
        files['bigtiff_f32'] = (movies['f32'], dict(bigtiff=True))
        files['bigendian_i16'] = (movies['i16'], dict(byteorder='>'))
        files['bigendian_bigtiff_f32'] = (movies['f32'], dict(byteorder='>', bigtiff=True))
        files['strips'] = (movies['u16'], dict(rowsperstrip=5))
        files['tiles'] = (movies['u16'], dict(tile=(16, 16)))
        files['packbits'] = (movies['u8'], dict(compression='packbits'))
        files['packbits_predictor'] = (movies['u16'], dict(compression='packbits', predictor=2))
        files['lzw'] = (movies['i16'], dict(compression='lzw'))
        files['lzw_predictor'] = (movies['u16'], dict(compression='lzw', predictor=2, byteorder='>'))
        files['lzw_u8'] = (np.repeat(movies['u8'], 3, axis=2)[:, :, :80], dict(compression='lzw', rowsperstrip=7))
        files['zlib_u16'] = (movies['u16'], dict(compression='zlib'))
        files['zlib_stored_u16'] = (movies['u16'], dict(compression='zlib', compressionargs={'level': 0}))
        files['zlib_predictor_i16'] = (movies['i16'], dict(compression='zlib', predictor=2, compressionargs={'level': 9}))
        files['zlib_tiles_f32'] = (movies['f32'], dict(compression='zlib', tile=(16, 16)))
        files['zlib_bigendian_u8'] = (movies['u8'], dict(compression='zlib', compressionargs={'level': 1}, byteorder='>', rowsperstrip=4))
        for name, (a, kw) in files.items():
            tifffile.imwrite(name + '.tif', a, **kw)
            ref(a, name + '_full')
            ref(a, name + '_part', slice(3, 11), 3)
        # ScanImage-like: BigTIFF, int16, one page per frame, each with its own description.
        with tifffile.TiffWriter('scanimage_like.tif', bigtiff=True) as w:
            for i, f in enumerate(movies['i16']):
                w.write(f, description='frameNumbers = %d\\nacquisitionNumbers = 1' % (i + 1), contiguous=False)
        ref(movies['i16'], 'scanimage_like_full')
        ref(movies['i16'], 'scanimage_like_part', slice(3, 11), 3)
        # Check what the writer made of the special layouts.
        with tifffile.TiffFile('imagej_truncated.tif') as t: assert len(t.pages) == 1, len(t.pages)
        with tifffile.TiffFile('tiles.tif') as t: assert t.pages[0].is_tiled
        with tifffile.TiffFile('packbits.tif') as t: assert t.pages[0].compression == 32773
        assert np.array_equal(tifffile.imread('packbits_predictor.tif'), movies['u16'])
        with tifffile.TiffFile('lzw_predictor.tif') as t: assert t.pages[0].compression == 5 and t.pages[0].predictor == 2
        with tifffile.TiffFile('bigendian_i16.tif') as t: assert t.byteorder == '>'
        # A JPEG-compressed file, made by relabelling an uncompressed one.
        import struct
        tifffile.imwrite('jpeg.tif', movies['u8'][0])
        with tifffile.TiffFile('jpeg.tif') as t:
            pos = t.pages[0].tags['Compression'].valueoffset
        with open('jpeg.tif', 'r+b') as f:
            f.seek(pos); f.write(struct.pack('<H', 7))
        tifffile.imwrite('rgb.tif', np.zeros((4, 5, 3), np.uint8), photometric='rgb')
        tifffile.imwrite('single.tif', movies['u16'][0])
        ref(movies['u16'][:1], 'single_full')
        """, in: dir)
        return dir
    }

    @Test func readsEveryLayoutValueForValue() throws {
        let dir = try Self.writeFiles()
        for name in Self.layouts {
            let float = name.contains("f32") || name.contains("f64")
            try LoaderReference.expectMatch(dir, name + ".tif", reference: name + "_full")
            try LoaderReference.expectMatch(dir, name + ".tif", reference: name + "_part", frames: 3..<11,
                                            downsample: 3, tolerance: float ? 1e-12 : 0)
        }
        try LoaderReference.expectMatch(dir, "single.tif", reference: "single_full")
    }

    /// The PackBits example of TIFF 6.0, section 9.
    @Test func packBitsSpecificationExample() {
        let packed: [UInt8] = [0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7, 0xAA]
        let expected: [UInt8] = [0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22,
                                 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA]
        var out = [UInt8](repeating: 0, count: expected.count)
        #expect(TIFFDecompression.packBits(packed, into: &out, count: out.count))
        #expect(out == expected)
        #expect(!TIFFDecompression.packBits(Array(packed.prefix(8)), into: &out, count: out.count))
    }

    @Test func refusesWhatItCannotReadWithAClearMessage() throws {
        let dir = try Self.writeFiles()
        let path = { dir.appendingPathComponent($0).path }
        LoaderReference.expectError(path("jpeg.tif"), "compression JPEG (7) is not supported; save uncompressed")
        LoaderReference.expectError(path("rgb.tif"), "3 interleaved samples per pixel")
        LoaderReference.expectError(path("plain_u16.tif"), "outside the movie: it has 16 frames", frames: 10..<17)
        LoaderReference.expectError(path("plain_u16.tif"), "empty range", frameStart: 5, frameEnd: 5)
        LoaderReference.expectError(path("plain_u16.tif"), "larger than the 23 x 31 frame", downsample: 24)
        LoaderReference.expectError(path("missing.tif"), "no such file")
        // A file cut short in the middle of its pixel data.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("plain_u16.tif")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("cut.tif")))
        LoaderReference.expectError(path("cut.tif"), "truncated")
        let ij = try Data(contentsOf: URL(fileURLWithPath: path("imagej_truncated.tif")))
        try ij.prefix(ij.count - 100).write(to: URL(fileURLWithPath: path("ij_cut.tif")))
        LoaderReference.expectError(path("ij_cut.tif"), "truncated")
        try Data("not a tiff at all".utf8).write(to: URL(fileURLWithPath: path("text.tif")))
        LoaderReference.expectError(path("text.tif"), "not a TIFF file")
    }

    /// tifffile stores a movie of 3 or 4 frames as one page of planar
    /// samples; those planes are the frames.
    @Test func shortMoviesStoredAsPlanarSamples() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + """
        import tifffile
        rng = np.random.default_rng(8)
        a3 = rng.integers(0, 65535, size=(3, 12, 14)).astype(np.uint16)
        a4 = rng.standard_normal((4, 10, 9)).astype(np.float32)
        tifffile.imwrite('a3.tif', a3)
        tifffile.imwrite('a4.tif', a4, tile=(16, 16))
        for name, a in [('a3', a3), ('a4', a4)]:
            with tifffile.TiffFile(name + '.tif') as t:
                assert len(t.pages) == 1 and t.pages[0].planarconfig == 2, (len(t.pages), t.pages[0].planarconfig)
            ref(a, name + '_full')
            ref(a, name + '_part', slice(1, 3), 2)
        """, in: dir)
        for name in ["a3", "a4"] {
            try LoaderReference.expectMatch(dir, name + ".tif", reference: name + "_full")
            try LoaderReference.expectMatch(dir, name + ".tif", reference: name + "_part", frames: 1..<3, downsample: 2,
                                            tolerance: 1e-12)
        }
    }

    /// `frames=a:b` reads only those pages: a page whose pixels point past
    /// the end of the file stops only a range that includes it.
    @Test func framesReadsOnlyTheFramesAsked() throws {
        let dir = try PythonReference.temporaryDirectory()
        try PythonReference.run(LoaderReference.prelude + """
        import tifffile, struct
        a = np.random.default_rng(9).integers(0, 999, size=(8, 6, 7)).astype(np.uint16)
        with tifffile.TiffWriter('m.tif') as w:
            for f in a:
                w.write(f, contiguous=False)
        with tifffile.TiffFile('m.tif') as t:
            assert len(t.pages) == 8
            pos = t.pages[7].tags['StripOffsets'].valueoffset
        with open('m.tif', 'r+b') as f:
            f.seek(pos); f.write(struct.pack('<I', 10 ** 8))
        ref(a, 'first7', slice(0, 7))
        """, in: dir)
        try LoaderReference.expectMatch(dir, "m.tif", reference: "first7", frames: 0..<7)
        LoaderReference.expectError(dir.appendingPathComponent("m.tif").path, "truncated: strip 0 of page 7", frames: 0..<8)
    }

    @Test func negativeAndOpenFrameBoundsFollowPython() throws {
        let dir = try Self.writeFiles()
        let p = dir.appendingPathComponent("plain_u16.tif").path
        let all = try MovieLoader.load(path: p)
        let tail = try MovieLoader.load(path: p, frameStart: -4, frameEnd: nil)
        #expect(tail.shape == [4, 23, 31])
        #expect(tail.data == Array(all.data[(12 * 23 * 31)...]))
    }
}
