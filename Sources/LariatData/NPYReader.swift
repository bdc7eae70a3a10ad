/// Streams a `.npy` file from disk: the header, then only the rows of the
/// first axis asked for. C-order movies (T x H x W) are read frame by
/// frame; Fortran-order movies column slab by column slab (see
/// `MovieLoader`), so neither needs the whole file in memory.
final class NPYReader: FrameSource {
    let path: String
    let header: NPY.Header
    let type: SampleType
    private let file: RandomAccessFile
    var shape: [Int] { header.shape }
    var frameCount: Int { shape.first ?? 1 }
    var height: Int { shape.count > 1 ? shape[1] : 1 }
    /// The trailing axes flattened, so `height * width` is one row of the
    /// first axis for any rank (a rank-4 array's rows are H x (W * C)).
    var width: Int { shape.count > 2 ? shape.dropFirst(2).reduce(1, *) : 1 }
    private var swap: Bool { header.bigEndian == hostIsLittleEndian && type.size > 1 }

    init(path: String) throws {
        self.path = path
        file = try RandomAccessFile(path: path)
        let lead = try file.bytes(count: min(12, file.size), at: 0, what: "the header")
        var headerEnd = file.size
        if lead.count >= 10 {
            headerEnd = lead[6] == 1 ? 10 + (Int(lead[8]) | Int(lead[9]) << 8)
                : 12 + (0..<4).reduce(0) { $0 | Int(lead.count > 8 + $1 ? lead[8 + $1] : 0) << (8 * $1) }
        }
        let bytes = try file.bytes(count: min(headerEnd, file.size), at: 0, what: "the header")
        header = try NPY.parseHeader(Data(bytes), path: path)
        type = SampleType(npy: header.dtype)
        // The shape comes from the file: its product is checked for
        // overflow, and the data it describes must be in the file.
        guard let need = header.dataBytes.flatMap({ MemoryBudget.sum(header.dataOffset, $0) }), file.size >= need else {
            let size = header.dataBytes.map { "\(header.dataOffset + $0) bytes" } ?? "more bytes than can be counted"
            throw DataFileError(path: path, problem: "truncated: shape \(header.shape) of \(type) needs \(size), the file has \(file.size)")
        }
    }

    /// Frames of a C-order array (rank >= 1), as rows of the first axis.
    var sampleType: SampleType { type }

    func readFrames(_ range: Range<Int>, _ body: (Int, UnsafeRawPointer, SampleType) throws -> Void) throws {
        let rowCount = shape.dropFirst().reduce(1, *)
        let rowBytes = rowCount * type.size
        let buffer = FrameBuffer(bytes: rowBytes)
        file.adviseSequential()
        for (i, t) in range.enumerated() {
            try file.read(into: buffer.pointer, count: rowBytes, at: header.dataOffset + t * rowBytes, what: "frame \(t)")
            if swap { swapByteOrder(buffer.pointer, size: type.size, count: rowCount) }
            try body(i, buffer.pointer, type)
        }
    }

    /// Reads the contiguous run of `count` elements starting at element
    /// `start` (in file order), converted to Double.
    func readElements(start: Int, count: Int, buffer: FrameBuffer, into out: UnsafeMutablePointer<Double>) throws {
        buffer.reserve(count * type.size)
        try file.read(into: buffer.pointer, count: count * type.size, at: header.dataOffset + start * type.size,
                      what: "elements \(start)..<\(start + count)")
        if swap { swapByteOrder(buffer.pointer, size: type.size, count: count) }
        BlockMean.reduce(buffer.pointer, type: type, height: 1, width: count, factor: 1, into: out)
    }
}
import Foundation
