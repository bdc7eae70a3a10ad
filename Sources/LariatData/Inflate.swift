/// A small zlib / DEFLATE decoder (RFC 1950, RFC 1951) for Deflate-compressed
/// TIFF strips and tiles (compression 8 and 32946, which tifffile writes
/// with `compression='zlib'`). Canonical Huffman codes of up to 9 bits are
/// decoded by a table lookup on the next 9 input bits; longer ones bit by
/// bit, counting codes per length (the approach of Mark Adler's puff.c).
struct Inflate {
    private let input: [UInt8]
    private var position = 0
    private var bitBuffer = 0
    private var bitCount = 0

    /// A canonical Huffman code: how many codes of each length, and the
    /// symbols in code order.
    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]
        /// For each value of the next `fastBits` input bits: `symbol << 4 | length`
        /// of the code they start with, or 0 when that code is longer.
        var fast = [Int32](repeating: 0, count: 1 << Inflate.fastBits)

        /// Builds the code from code lengths; false if over-subscribed.
        init?(lengths: [Int]) {
            symbols = [Int](repeating: 0, count: lengths.count)
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1..<16 {
                left <<= 1
                left -= counts[len]
                if left < 0 { return nil }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
            // Canonical codes in order of (length, symbol); DEFLATE sends
            // them most significant bit first, so the table is indexed by
            // the bit-reversed code.
            var code = 0, index = 0
            for len in 1..<16 {
                for _ in 0..<counts[len] {
                    if len <= Inflate.fastBits {
                        var reversed = 0
                        for b in 0..<len where code & (1 << b) != 0 { reversed |= 1 << (len - 1 - b) }
                        for fill in stride(from: reversed, to: 1 << Inflate.fastBits, by: 1 << len) {
                            fast[fill] = Int32(symbols[index] << 4 | len)
                        }
                    }
                    code += 1
                    index += 1
                }
                code <<= 1
            }
        }
    }

    private struct Malformed: Error {}
    static let fastBits = 9

    private init(_ input: [UInt8], start: Int) {
        self.input = input
        position = start
    }

    private mutating func bits(_ n: Int) throws -> Int {
        while bitCount < n {
            guard position < input.count else { throw Malformed() }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let v = bitBuffer & ((1 << n) - 1)
        bitBuffer >>= n
        bitCount -= n
        return v
    }

    private mutating func decode(_ h: Huffman) throws -> Int {
        while bitCount < Self.fastBits, position < input.count {
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let e = Int(h.fast[bitBuffer & ((1 << Self.fastBits) - 1)])
        if e != 0, e & 15 <= bitCount {
            bitBuffer >>= e & 15
            bitCount -= e & 15
            return e >> 4
        }
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            code |= try bits(1)
            let count = h.counts[len]
            if code - count < first { return h.symbols[index + code - first] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Malformed()
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                     67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                        11, 11, 12, 12, 13, 13]
    private static let fixed: (Huffman, Huffman) = {
        var l = [Int](repeating: 8, count: 288)
        for i in 144..<256 { l[i] = 9 }
        for i in 256..<280 { l[i] = 7 }
        return (Huffman(lengths: l)!, Huffman(lengths: [Int](repeating: 5, count: 30))!)
    }()
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Decompresses zlib-wrapped (or, failing the header check, raw)
    /// DEFLATE data into exactly `count` bytes of `out`. Returns false when
    /// the data are malformed or end before `count` bytes.
    static func zlib(_ input: [UInt8], into out: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        var start = 0
        if input.count >= 2, input[0] & 0x0F == 8, (Int(input[0]) << 8 | Int(input[1])) % 31 == 0 {
            start = input[1] & 0x20 != 0 ? 6 : 2  // skip a preset dictionary id (never used by TIFF writers)
        }
        var s = Inflate(input, start: start)
        return (try? s.run(into: out, count: count)) == count
    }

    /// Decompresses raw DEFLATE data (no zlib wrapper: ZIP's method 8) into
    /// exactly `count` bytes of `out`; false when malformed or short.
    static func raw(_ input: [UInt8], into out: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        var s = Inflate(input, start: 0)
        return (try? s.run(into: out, count: count)) == count
    }

    private mutating func run(into out: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var o = 0
        var last = 0
        repeat {
            last = try bits(1)
            switch try bits(2) {
            case 0:
                bitBuffer = 0; bitCount = 0
                guard position + 4 <= input.count else { throw Malformed() }
                let len = Int(input[position]) | Int(input[position + 1]) << 8
                let nlen = Int(input[position + 2]) | Int(input[position + 3]) << 8
                guard len == ~nlen & 0xFFFF, position + 4 + len <= input.count else { throw Malformed() }
                position += 4
                let n = min(len, count - o)
                for k in 0..<n { out[o + k] = input[position + k] }
                o += n
                position += len
            case 1:
                try codes(Self.fixed.0, Self.fixed.1, out, count, &o)
            case 2:
                let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
                guard nlen <= 286, ndist <= 30 else { throw Malformed() }
                var lengths = [Int](repeating: 0, count: 19)
                for i in 0..<ncode { lengths[Self.codeLengthOrder[i]] = try bits(3) }
                guard let lencode = Huffman(lengths: lengths) else { throw Malformed() }
                var all = [Int]()
                all.reserveCapacity(nlen + ndist)
                while all.count < nlen + ndist {
                    let symbol = try decode(lencode)
                    switch symbol {
                    case 0..<16: all.append(symbol)
                    case 16:
                        guard let prev = all.last else { throw Malformed() }
                        all += [Int](repeating: prev, count: 3 + (try bits(2)))
                    case 17: all += [Int](repeating: 0, count: 3 + (try bits(3)))
                    default: all += [Int](repeating: 0, count: 11 + (try bits(7)))
                    }
                }
                guard all.count == nlen + ndist, all[256] != 0,
                      let lit = Huffman(lengths: Array(all[0..<nlen])),
                      let dist = Huffman(lengths: Array(all[nlen...])) else { throw Malformed() }
                try codes(lit, dist, out, count, &o)
            default:
                throw Malformed()
            }
        } while last == 0 && o < count
        return o
    }

    /// Literals and back-references until the end-of-block symbol (or until `count` bytes are out).
    private mutating func codes(_ lit: Huffman, _ dist: Huffman, _ out: UnsafeMutablePointer<UInt8>,
                                _ count: Int, _ o: inout Int) throws {
        while true {
            let symbol = try decode(lit)
            if symbol < 256 {
                guard o < count else { return }
                out[o] = UInt8(symbol)
                o += 1
            } else if symbol == 256 {
                return
            } else {
                let l = symbol - 257
                guard l < 29 else { throw Malformed() }
                let length = Self.lengthBase[l] + (try bits(Self.lengthExtra[l]))
                let d = try decode(dist)
                guard d < 30 else { throw Malformed() }
                let distance = Self.distanceBase[d] + (try bits(Self.distanceExtra[d]))
                guard distance <= o else { throw Malformed() }
                let n = min(length, count - o)
                for k in 0..<n { out[o + k] = out[o + k - distance] }
                o += n
                if o >= count { return }
            }
        }
    }
}
