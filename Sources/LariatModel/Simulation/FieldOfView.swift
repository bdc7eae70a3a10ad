import Foundation

/// The static part of a simulated recording: where the neurons are, what
/// they look like, and the non-sparse background they sit in (neuropil
/// texture under uneven illumination, bright somata that never fire, dark
/// blood vessels). Drawn from the unit's seed only, so every session and
/// the rewired network share it.
struct FieldOfView {
    /// A footprint kept sparsely: flat pixel indices and weights (peak 1).
    struct Footprint {
        var pixels: [Int]
        var weights: [Double]
        var center: (y: Double, x: Double)
    }

    let size: Int
    var footprints: [Footprint]
    /// Resting brightness of each active neuron, and its gain per unit calcium.
    var resting: [Double]
    var gain: [Double]
    /// The static background image (H x W, row-major), in photon units.
    var background: [Double]

    /// `check` is called between units of work of well under a second
    /// (it throws to cancel): placing many cells in a crowded field is
    /// quadratic in their number.
    init(size: Int, neurons: Int, rng: inout SeededRandom, check: () throws -> Void = {}) throws {
        self.size = size
        let margin = 3.0
        // Place active neurons and then inactive somata with a minimum
        // spacing, relaxed when the field is too crowded to honour it.
        var centers: [(Double, Double)] = []
        func place(spacing: Double) -> (Double, Double) {
            var best = (0.0, 0.0), bestDistance = -1.0
            for attempt in 0..<200 {
                let c = (rng.uniform(margin, Double(size) - margin), rng.uniform(margin, Double(size) - margin))
                let d = centers.map { hypot($0.0 - c.0, $0.1 - c.1) }.min() ?? .infinity
                if d >= spacing { return c }
                if d > bestDistance { best = c; bestDistance = d }
                _ = attempt
            }
            return best
        }
        footprints = []
        resting = []
        gain = []
        for _ in 0..<neurons {
            try check()
            let c = place(spacing: 5)
            centers.append(c)
            footprints.append(FieldOfView.blob(at: c, size: size, rng: &rng))
            resting.append(rng.uniform(30, 60))
            gain.append(rng.uniform(60, 120))
        }

        // Neuropil: white noise blurred to a texture of ~3 px grain, under a
        // vignetted illumination.
        let n = size * size
        var texture = (0..<n).map { _ in rng.normal() }
        try check()
        texture = FieldOfView.blur(texture, size: size, sigma: 2.5)
        try check()
        let mean = texture.reduce(0, +) / Double(n)
        let sd = (texture.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        let half = Double(size - 1) / 2
        var bg = [Double](repeating: 0, count: n)
        for y in 0..<size {
            for x in 0..<size {
                let r2 = (pow(Double(y) - half, 2) + pow(Double(x) - half, 2)) / (half * half)
                bg[y * size + x] = 100 * (1 - 0.2 * min(r2, 2)) * (1 + 0.15 * (texture[y * size + x] - mean) / max(sd, 1e-12))
            }
        }
        // Bright somata that are not active cells: static, as bright as a firing cell.
        let somata = max(2, neurons / 3)
        for _ in 0..<somata {
            try check()
            let c = place(spacing: 4)
            centers.append(c)
            let blob = FieldOfView.blob(at: c, size: size, rng: &rng)
            let brightness = rng.uniform(80, 150)
            for (p, w) in zip(blob.pixels, blob.weights) { bg[p] += brightness * w }
        }
        // Vessels: smooth random curves entering from an edge, darkening
        // what lies under them.
        let vessels = 1 + size / 40
        for _ in 0..<vessels {
            try check()
            let width = rng.uniform(1.0, 2.2)
            var distance = [Double](repeating: .infinity, count: n)
            var y = rng.uniform(0, Double(size)), x = 0.0
            var angle = rng.uniform(-0.6, 0.6)
            if rng.bernoulli(0.5) { swap(&y, &x); angle += .pi / 2 }
            var steps = 0
            while y >= -1, y <= Double(size), x >= -1, x <= Double(size), steps < 8 * size {
                let reach = Int((3 * width).rounded(.up))
                for py in max(0, Int(y) - reach)...min(size - 1, max(0, Int(y) + reach)) {
                    for px in max(0, Int(x) - reach)...min(size - 1, max(0, Int(x) + reach)) {
                        let d = hypot(Double(py) - y, Double(px) - x)
                        if d < distance[py * size + px] { distance[py * size + px] = d }
                    }
                }
                y += 0.5 * sin(angle); x += 0.5 * cos(angle)
                angle += rng.normal(0, 0.04)
                steps += 1
            }
            for p in 0..<n where distance[p].isFinite {
                bg[p] *= 1 - 0.6 * exp(-0.5 * pow(distance[p] / width, 2))
            }
        }
        background = bg
    }

    /// An elliptical Gaussian soma, some with a dimmer nucleus, peak 1,
    /// cut at three standard deviations.
    static func blob(at c: (Double, Double), size: Int, rng: inout SeededRandom) -> Footprint {
        let major = rng.uniform(1.4, 2.3)
        let minor = major * rng.uniform(0.65, 1.0)
        let theta = rng.uniform(0, .pi)
        let nucleus = rng.bernoulli(0.4) ? rng.uniform(0.3, 0.6) : 0
        let (ct, st) = (cos(theta), sin(theta))
        let reach = Int((3 * major).rounded(.up))
        var pixels: [Int] = [], weights: [Double] = []
        for y in max(0, Int(c.0) - reach)...min(size - 1, Int(c.0) + reach) {
            for x in max(0, Int(c.1) - reach)...min(size - 1, Int(c.1) + reach) {
                let dy = Double(y) - c.0, dx = Double(x) - c.1
                let u = (ct * dx + st * dy) / major, v = (-st * dx + ct * dy) / minor
                let q = u * u + v * v
                guard q <= 9 else { continue }
                let w = exp(-0.5 * q) * (1 - nucleus * exp(-0.5 * q / 0.16))
                pixels.append(y * size + x)
                weights.append(w)
            }
        }
        let peak = weights.max() ?? 1
        if peak > 0 { weights = weights.map { $0 / peak } }
        return Footprint(pixels: pixels, weights: weights, center: c)
    }

    /// A separable Gaussian blur with reflecting edges.
    static func blur(_ image: [Double], size: Int, sigma: Double) -> [Double] {
        let r = Int((3 * sigma).rounded(.up))
        let kernel = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        func reflect(_ i: Int) -> Int {
            var i = i
            while i < 0 || i >= size { i = i < 0 ? -i - 1 : 2 * size - i - 1 }
            return i
        }
        var tmp = [Double](repeating: 0, count: image.count)
        var out = tmp
        for y in 0..<size {
            for x in 0..<size {
                var s = 0.0
                for k in -r...r { s += kernel[k + r] * image[y * size + reflect(x + k)] }
                tmp[y * size + x] = s / total
            }
        }
        for y in 0..<size {
            for x in 0..<size {
                var s = 0.0
                for k in -r...r { s += kernel[k + r] * tmp[reflect(y + k) * size + x] }
                out[y * size + x] = s / total
            }
        }
        return out
    }
}
