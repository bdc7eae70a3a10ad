/// Converts one frame of raw samples to Double and takes its k x k block
/// mean in the same pass: `out[i, j] = mean(x[i*k ..< i*k+k, j*k ..< j*k+k])`
/// for `i < H / k`, `j < W / k`; a remainder row or column is dropped, as
/// numpy's `x[:H//k*k, :W//k*k].reshape(H//k, k, W//k, k).mean(axis=(1, 3))`.
/// Each block's sum is divided by `k*k` (not multiplied by its inverse) so
/// integer data give numpy's values exactly.
enum BlockMean {
    /// `raw` holds `height * width` samples in host byte order, row-major.
    static func reduce(_ raw: UnsafeRawPointer, type: SampleType, height: Int, width: Int,
                       factor k: Int, into out: UnsafeMutablePointer<Double>) {
        switch type {
        case .uint8: run(raw.assumingMemoryBound(to: UInt8.self), height, width, k, out)
        case .int8: run(raw.assumingMemoryBound(to: Int8.self), height, width, k, out)
        case .uint16: run(raw.assumingMemoryBound(to: UInt16.self), height, width, k, out)
        case .int16: run(raw.assumingMemoryBound(to: Int16.self), height, width, k, out)
        case .uint32: run(raw.assumingMemoryBound(to: UInt32.self), height, width, k, out)
        case .int32: run(raw.assumingMemoryBound(to: Int32.self), height, width, k, out)
        case .uint64: run(raw.assumingMemoryBound(to: UInt64.self), height, width, k, out)
        case .int64: run(raw.assumingMemoryBound(to: Int64.self), height, width, k, out)
        case .float32: run(raw.assumingMemoryBound(to: Float.self), height, width, k, out)
        case .float64: run(raw.assumingMemoryBound(to: Double.self), height, width, k, out)
        }
    }

    @inline(__always)
    private static func run<S: RawSample>(_ x: UnsafePointer<S>, _ h: Int, _ w: Int, _ k: Int,
                                          _ out: UnsafeMutablePointer<Double>) {
        if k == 1 {
            for i in 0..<(h * w) { out[i] = x[i].rawSampleValue }
            return
        }
        let (ho, wo) = (h / k, w / k)
        let n = Double(k * k)
        for i in 0..<ho {
            let o = out + i * wo
            for j in 0..<wo { o[j] = 0 }
            for dy in 0..<k {
                let row = x + (i * k + dy) * w
                if k == 2 {
                    for j in 0..<wo { o[j] += row[2 * j].rawSampleValue + row[2 * j + 1].rawSampleValue }
                } else if k == 4 {
                    for j in 0..<wo {
                        let r = row + 4 * j
                        o[j] += (r[0].rawSampleValue + r[1].rawSampleValue) + (r[2].rawSampleValue + r[3].rawSampleValue)
                    }
                } else {
                    for j in 0..<wo {
                        var s = 0.0
                        for dx in 0..<k { s += row[j * k + dx].rawSampleValue }
                        o[j] += s
                    }
                }
            }
            for j in 0..<wo { o[j] /= n }
        }
    }
}

/// A raw sample type that converts to Double.
protocol RawSample { var rawSampleValue: Double { get } }
extension UInt8: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Int8: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension UInt16: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Int16: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension UInt32: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Int32: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension UInt64: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Int64: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Float: RawSample { @inline(__always) var rawSampleValue: Double { Double(self) } }
extension Double: RawSample { @inline(__always) var rawSampleValue: Double { self } }
