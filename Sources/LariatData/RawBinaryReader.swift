/// A headerless binary movie of little-endian int16 frames, as suite2p
/// writes its registered `data.bin`: the shape comes from the caller
/// (`shape=[T, H, W]`, or `[H, W]` with T inferred from the file size;
/// suite2p's ops give H and W as `Ly` and `Lx`).
final class RawBinaryReader: FrameSource {
    let path: String
    let frameCount: Int
    let height: Int
    let width: Int
    private let file: RandomAccessFile
    private static let sampleBytes = 2

    init(path: String, shape: [Int]?) throws {
        self.path = path
        func fail(_ s: String) -> DataFileError { DataFileError(path: path, problem: s) }
        guard let shape else {
            throw fail("a raw binary (suite2p data.bin) has no header; give its shape, e.g. shape=[512, 512] (Ly, Lx) or shape=[T, Ly, Lx]")
        }
        guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw fail("shape= must be [H, W] or [T, H, W] with positive sizes, got \(shape)")
        }
        file = try RandomAccessFile(path: path)
        (height, width) = (shape[shape.count - 2], shape[shape.count - 1])
        guard let frameBytes = MemoryBudget.product([height, width, RawBinaryReader.sampleBytes]) else {
            throw fail("shape= \(shape) is too large: its frames have more pixels than can be counted")
        }
        if shape.count == 3 {
            guard let need = MemoryBudget.product(shape[0], frameBytes) else {
                throw fail("shape= \(shape) is too large: more bytes than can be counted, the file has \(file.size)")
            }
            guard file.size >= need else {
                throw fail("truncated: shape \(shape) of int16 needs \(need) bytes, the file has \(file.size)")
            }
            guard file.size == need else {
                throw fail("wrong shape: \(shape) of int16 is \(need) bytes, the file has \(file.size) (\(Double(file.size) / Double(frameBytes)) frames of \(height) x \(width))")
            }
            frameCount = shape[0]
        } else {
            guard file.size % frameBytes == 0 else {
                throw fail("wrong shape: \(file.size) bytes is not a whole number of \(height) x \(width) int16 frames (\(frameBytes) bytes each)")
            }
            frameCount = file.size / frameBytes
            guard frameCount > 0 else { throw fail("is empty") }
        }
    }

    var sampleType: SampleType { .int16 }

    func readFrames(_ range: Range<Int>, _ body: (Int, UnsafeRawPointer, SampleType) throws -> Void) throws {
        let frameBytes = height * width * RawBinaryReader.sampleBytes
        let buffer = FrameBuffer(bytes: frameBytes)
        file.adviseSequential()
        for (i, t) in range.enumerated() {
            try file.read(into: buffer.pointer, count: frameBytes, at: t * frameBytes, what: "frame \(t)")
            if !hostIsLittleEndian { swapByteOrder(buffer.pointer, size: 2, count: height * width) }
            try body(i, buffer.pointer, .int16)
        }
    }
}
