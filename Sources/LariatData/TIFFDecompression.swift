/// Decoders for the lossless TIFF compressions Lariat reads: PackBits
/// (TIFF 6.0 section 9) and LZW (section 13, with the "early change" code
/// width switch that libtiff and tifffile use). Each fills exactly `count`
/// bytes and returns false when the data end early.
enum TIFFDecompression {
    static func packBits(_ input: [UInt8], into out: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        var i = 0, o = 0
        while o < count, i < input.count {
            let n = Int(Int8(bitPattern: input[i]))
            i += 1
            if n >= 0 {
                let len = min(n + 1, count - o, input.count - i)
                for k in 0..<len { out[o + k] = input[i + k] }
                i += n + 1
                o += len
            } else if n != -128 {
                guard i < input.count else { break }
                let len = min(1 - n, count - o)
                for k in 0..<len { out[o + k] = input[i] }
                i += 1
                o += len
            }
        }
        return o == count
    }

    static func lzw(_ input: [UInt8], into out: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        let clear = 256, end = 257
        var prefix = [Int](repeating: -1, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var first = [UInt8](repeating: 0, count: 4096)
        var length = [Int](repeating: 1, count: 4096)
        for c in 0..<256 { suffix[c] = UInt8(c); first[c] = UInt8(c) }
        var next = 258, width = 9, old = -1
        var bitPos = 0, o = 0
        let totalBits = input.count * 8

        // Writes the string of `code` at `o` (as much as fits).
        func emit(_ code: Int) {
            let len = length[code]
            var c = code
            var k = len - 1
            while c >= 0 {
                if o + k < count { out[o + k] = suffix[c] }
                c = prefix[c]
                k -= 1
            }
            o += len
        }

        while o < count, bitPos + width <= totalBits {
            // Codes are packed most significant bit first.
            var code = 0
            for _ in 0..<width {
                code = code << 1 | Int(input[bitPos >> 3] >> (7 - UInt8(bitPos & 7)) & 1)
                bitPos += 1
            }
            if code == end { break }
            if code == clear { next = 258; width = 9; old = -1; continue }
            if old < 0 {
                guard code < 256 else { return false }
                emit(code)
                old = code
                continue
            }
            // A code not yet in the table (the KwKwK case) is the previous
            // string plus its own first byte: add the entry, then emit it.
            let head: UInt8
            if code < next { head = first[code] } else if code == next, next < 4096 { head = first[old] } else { return false }
            if next < 4096 {
                prefix[next] = old
                suffix[next] = head
                first[next] = first[old]
                length[next] = length[old] + 1
                next += 1
            }
            emit(code)
            old = code
            if next >= (1 << width) - 1 && width < 12 { width += 1 }
        }
        return o >= count
    }
}
