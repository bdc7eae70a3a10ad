import Foundation

/// Each cell's fluorescence trace from its mask (DESIGN.md "Cells and networks"):
///
///     F_i(t) = sum_p w_ip x_t(p) / sum_p w_ip
///
/// for masks `w` (n x H x W, non-negative weights: footprints, ROI masks or
/// detected cells). With `neuropil = r > 0`, suite2p's correction
/// `F_i - r * Fneu_i`, where `Fneu_i` is the mean over the cell's neuropil
/// ring: pixels outside every mask whose distance from cell i's mask is
/// more than `innerRadius` and at most `innerRadius + ringWidth` (suite2p:
/// `inner_neuropil_radius = 2`, coefficient 0.7).
public enum CellTraces {
    /// Pixels between the mask and the ring (suite2p's inner_neuropil_radius).
    public static let innerRadius = 2.0

    /// The masks as `(pixel, weight)` lists, checked against the frame size.
    static func maskLists(_ masks: NDArray, height: Int, width: Int) throws -> [[(Int, Double)]] {
        guard masks.rank == 3, masks.shape[1] == height, masks.shape[2] == width else {
            throw NetworkError("masks must be n x \(height) x \(width) (one per cell, the movie's frame size), got shape \(masks.shape)")
        }
        let pixels = height * width
        return try (0..<masks.shape[0]).map { i in
            var list: [(Int, Double)] = []
            for p in 0..<pixels {
                let w = masks.data[i * pixels + p]
                guard w.isFinite, w >= 0 else {
                    throw NetworkError("mask \(i) has a negative or non-finite weight (\(w)) at row \(p / width), column \(p % width)")
                }
                if w > 0 { list.append((p, w)) }
            }
            guard !list.isEmpty else { throw NetworkError("mask \(i) is empty (no pixel has a positive weight)") }
            return list
        }
    }

    /// The neuropil ring of each mask (equal weights), `ringWidth` pixels wide.
    static func neuropilRings(_ cells: [[(Int, Double)]], height: Int, width: Int, ringWidth: Double) -> [[Int]] {
        var inAnyMask = [Bool](repeating: false, count: height * width)
        for cell in cells { for (p, _) in cell { inAnyMask[p] = true } }
        let outer = innerRadius + ringWidth
        return cells.map { cell in
            let rows = cell.map { $0.0 / width }, cols = cell.map { $0.0 % width }
            let reach = Int(outer.rounded(.up))
            let r0 = max(0, rows.min()! - reach), r1 = min(height - 1, rows.max()! + reach)
            let c0 = max(0, cols.min()! - reach), c1 = min(width - 1, cols.max()! + reach)
            var ring: [Int] = []
            for r in r0...r1 { for c in c0...c1 where !inAnyMask[r * width + c] {
                var best = Double.infinity
                for (rr, cc) in zip(rows, cols) {
                    let dr = Double(r - rr), dc = Double(c - cc)
                    best = min(best, dr * dr + dc * dc)
                }
                if best > innerRadius * innerRadius, best <= outer * outer { ring.append(r * width + c) }
            }}
            return ring
        }
    }

    /// `T x n` traces of `movie` (T x H x W) for `masks` (n x H x W).
    /// - Parameter neuropil: the coefficient r of `F - r Fneu` (0: none).
    public static func traces(_ movie: NDArray, masks: NDArray, neuropil: Double = 0, ringWidth: Double = 5,
                              cancellation: Cancellation? = nil) throws -> NDArray {
        guard movie.rank == 3 else { throw NetworkError("the movie must be T x H x W, got shape \(movie.shape)") }
        let (T, H, W) = (movie.shape[0], movie.shape[1], movie.shape[2])
        guard neuropil >= 0, neuropil.isFinite else { throw NetworkError("neuropil must be >= 0, got \(neuropil)", option: "neuropil") }
        let cells = try maskLists(masks, height: H, width: W)
        let rings = neuropil > 0 ? neuropilRings(cells, height: H, width: W, ringWidth: ringWidth) : []
        if let empty = rings.firstIndex(where: \.isEmpty) {
            throw NetworkError("cell \(empty) has no neuropil pixels around it (every pixel nearby is in a mask); use neuropil=0", option: "neuropil")
        }
        let out = traces(movie, cells: cells, rings: rings, neuropil: neuropil, cancellation: cancellation)
        try cancellation?.check()
        return NDArray(shape: [T, cells.count], data: out)
    }

    /// `T x n` traces of a movie held as float32, integers or on disk,
    /// read a window at a time.
    public static func traces(_ movie: Movie, masks: NDArray, neuropil: Double = 0, ringWidth: Double = 5,
                              cancellation: Cancellation? = nil) throws -> NDArray {
        let (H, W) = (movie.height, movie.width)
        guard neuropil >= 0, neuropil.isFinite else { throw NetworkError("neuropil must be >= 0, got \(neuropil)", option: "neuropil") }
        let cells = try maskLists(masks, height: H, width: W)
        let rings = neuropil > 0 ? neuropilRings(cells, height: H, width: W, ringWidth: ringWidth) : []
        if let empty = rings.firstIndex(where: \.isEmpty) {
            throw NetworkError("cell \(empty) has no neuropil pixels around it (every pixel nearby is in a mask); use neuropil=0", option: "neuropil")
        }
        let n = cells.count, pixels = movie.frameSize
        let totals = cells.map { $0.reduce(0) { $0 + $1.1 } }
        var out = [Double](repeating: 0, count: movie.frameCount * n)
        try out.withUnsafeMutableBufferPointer { o in
            try movie.forEachWindow(movie.streamingWindow) { r, values in
                try cancellation?.check()
                for t in r {
                    frameTraces(values.baseAddress! + (t - r.lowerBound) * pixels, cells: cells, totals: totals, rings: rings,
                                neuropil: neuropil, into: o.baseAddress! + t * n)
                }
            }
        }
        return NDArray(shape: [movie.frameCount, n], data: out)
    }

    /// The traces (T x n, row-major) of checked mask lists; with `neuropil > 0`
    /// one ring per cell. Stops early (a partial result) once cancelled.
    static func traces(_ movie: NDArray, cells: [[(Int, Double)]], rings: [[Int]] = [], neuropil: Double = 0,
                       cancellation: Cancellation? = nil) -> [Double] {
        let (T, pixels, n) = (movie.shape[0], movie.shape[1] * movie.shape[2], cells.count)
        let totals = cells.map { $0.reduce(0) { $0 + $1.1 } }
        var out = [Double](repeating: 0, count: T * n)
        movie.data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for t in 0..<T {
                    if t % 1024 == 1023, cancellation?.isCancelled == true { return }
                    frameTraces(x.baseAddress! + t * pixels, cells: cells, totals: totals, rings: rings, neuropil: neuropil,
                                into: o.baseAddress! + t * n)
                }
            }
        }
        return out
    }

    /// One frame's n trace values: each mask's weighted mean, minus
    /// `neuropil` times its ring's mean.
    @inline(__always)
    static func frameTraces<F: BinaryFloatingPoint>(_ frame: UnsafePointer<F>, cells: [[(Int, Double)]], totals: [Double],
                                                    rings: [[Int]], neuropil: Double, into out: UnsafeMutablePointer<Double>) {
        for i in 0..<cells.count {
            var f = 0.0
            for (p, w) in cells[i] { f += w * Double(frame[p]) }
            f /= totals[i]
            if neuropil > 0 {
                var g = 0.0
                for p in rings[i] { g += Double(frame[p]) }
                f -= neuropil * g / Double(rings[i].count)
            }
            out[i] = f
        }
    }
}
