/// The element type of raw pixel data in a file, before conversion to Double.
enum SampleType: Equatable, CustomStringConvertible {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    var size: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }

    var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// The sample type of a numpy dtype code (`NPY.DType`); bool reads as uint8.
    init(npy d: NPY.DType) {
        switch d {
        case .f8: self = .float64
        case .f4: self = .float32
        case .i1: self = .int8
        case .u1, .b1: self = .uint8
        case .i2: self = .int16
        case .u2: self = .uint16
        case .i4: self = .int32
        case .u4: self = .uint32
        case .i8: self = .int64
        case .u8: self = .uint64
        }
    }
}

/// Reverses the byte order of `count` elements of `size` bytes in place.
func swapByteOrder(_ p: UnsafeMutableRawPointer, size: Int, count: Int) {
    switch size {
    case 2:
        let q = p.assumingMemoryBound(to: UInt16.self)
        for i in 0..<count { q[i] = q[i].byteSwapped }
    case 4:
        let q = p.assumingMemoryBound(to: UInt32.self)
        for i in 0..<count { q[i] = q[i].byteSwapped }
    case 8:
        let q = p.assumingMemoryBound(to: UInt64.self)
        for i in 0..<count { q[i] = q[i].byteSwapped }
    default:
        break
    }
}

/// True on little-endian hosts (x86-64, arm64): what file byte orders are compared with.
let hostIsLittleEndian = 1.littleEndian == 1
