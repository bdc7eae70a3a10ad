import Testing
import Foundation
@testable import LariatFigures

@Suite struct FrameGridTests {
    /// Four constant frames 0, 1, 2, 3 on a shared grey scale: the first is black, the last white.
    @Test func sharedScaleAndCaptions() throws {
        let frames = (0..<4).map { k in [Double](repeating: Double(k), count: 12 * 16) }
        let fig = try Figure.frames(frames, width: 16, height: 12, indices: [0, 5, 10, 15],
                                    options: FigureOptions(width: 480, height: 320))
        let d = try Decoded(fig.png)
        #expect(fig.kind == "frames" && fig.description == "frames: 4 frames of 12 x 16")
        let all = (x: 0..<d.width, y: 0..<d.height)
        let black = d.count(near: .black, tol: 3, x: all.x, y: all.y)
        let grey1 = d.count(near: Color(r: 85, g: 85, b: 85), tol: 3, x: all.x, y: all.y)
        let grey2 = d.count(near: Color(r: 170, g: 170, b: 170), tol: 3, x: all.x, y: all.y)
        // Each frame is drawn as a block of a few thousand pixels of its own grey.
        #expect(black > 2000 && grey1 > 2000 && grey2 > 2000)
        #expect(d.inkFraction > 0.3)
    }

    @Test func mismatchedFrameThrows() {
        #expect(throws: FigureError.self) { try Figure.frames([[1, 2, 3]], width: 2, height: 2) }
        #expect(throws: FigureError.self) { try Figure.frames([], width: 2, height: 2) }
    }

    @Test func writesExample() throws {
        let H = 48, W = 64
        let frames = (0..<6).map { t in demoFrame(t, W, H) }
        let fig = try Figure.frames(frames, width: W, height: H, indices: [0, 10, 20, 30, 40, 50],
                                    options: FigureOptions(width: 640, height: 400, title: "Movie frames"))
        try fig.write(to: outputPath("frames.png"))
        #expect(try Decoded(file: outputPath("frames.png")).height == 400)
    }
}

/// A small synthetic frame: a moving soma, a flickering cell and a textured background.
func demoFrame(_ t: Int, _ W: Int, _ H: Int) -> [Double] {
    var f = [Double](repeating: 0, count: H * W)
    for y in 0..<H {
        for x in 0..<W {
            let cx = 20.0 + 3 * Double(t), dx = Double(x) - cx, dy = Double(y) - 24
            let ex = Double(x) - 45, ey = Double(y) - 12
            let soma = exp(-(dx * dx + dy * dy) / 30)
            let cell = Double(t % 3) * 0.3 * exp(-(ex * ex + ey * ey) / 12)
            f[y * W + x] = 0.2 + soma + cell + 0.05 * sin(Double(x * y))
        }
    }
    return f
}

@Suite struct ImageTests {
    /// A left-to-right ramp in viridis: the left edge is dark purple, the right yellow.
    @Test func rampMapsThroughViridisWithColorBar() throws {
        let W = 40, H = 30
        let v = (0..<(W * H)).map { Double($0 % W) }
        let fig = try Figure.image(v, width: W, height: H, options: FigureOptions(width: 400, height: 300))
        let d = try Decoded(fig.png)
        #expect(fig.kind == "image" && fig.description == "image: 30 x 40")
        let y = d.height / 2
        let purple = try #require((0..<d.width).first { close(d.pixel($0, y), Color(hex: 0x440154), 12) })
        let yellow = try #require((0..<d.width).first { close(d.pixel($0, y), Color(hex: 0xfde725), 12) })
        #expect(yellow > purple + 100)
        // The colour bar also runs from yellow (top) to purple: yellow appears in two places.
        let yellowCols = Set((0..<d.width).filter { x in (0..<d.height).contains { close(d.pixel(x, $0), Color(hex: 0xfde725), 12) } })
        #expect(yellowCols.max()! > yellow + 20)
    }

    /// A hot spot overlaid on a flat grey mean image shows up warm only where the map is large.
    @Test func overlayIsTransparentWhereSmall() throws {
        let W = 32, H = 32
        let mean = [Double](repeating: 1, count: W * H)
        var map = [Double](repeating: 0, count: W * H)
        // 0.6 of the overlay's maximum (1, a single pixel far away): orange, mostly opaque.
        for y in 0..<8 { for x in 0..<8 { map[y * W + x] = 0.6 } }
        map[W * H - 1] = 1
        let fig = try Figure.image(mean, width: W, height: H, overlay: map, options: FigureOptions(width: 400, height: 360))
        let d = try Decoded(fig.png)
        var hot = 0, greyish = 0
        for y in 0..<d.height { for x in 0..<(d.width * 3 / 4) {
            let p = d.pixel(x, y)
            if Int(p.r) > Int(p.b) + 80 && Int(p.g) > Int(p.b) + 40 { hot += 1 }
            if p.r == p.g && p.g == p.b && p.r > 100 && p.r < 140 { greyish += 1 }
        } }
        // The 8x8 corner of 32x32 is 1/16 of the image; the rest is the uniform grey mean.
        #expect(hot > 400)
        #expect(greyish > hot * 5)
    }

    @Test func writesExample() throws {
        let W = 64, H = 48
        let mean = demoFrame(1, W, H)
        var contrib = [Double](repeating: 0, count: W * H)
        for y in 0..<H { for x in 0..<W {
            let dx = Double(x) - 45, dy = Double(y) - 12
            contrib[y * W + x] = exp(-(dx * dx + dy * dy) / 20)
        } }
        let fig = try Figure.image(mean, width: W, height: H, overlay: contrib, colorbarLabel: "contribution",
                                   options: FigureOptions(width: 560, height: 400, title: "Contribution map on the mean image"))
        try fig.write(to: outputPath("image.png"))
        #expect(fig.description == "image: 48 x 64, with overlay")
    }
}

@Suite struct HistogramTests {
    /// Values in [0, 1) and a marker at 2: every bar lies left of the red marker line.
    @Test func markerLineRightOfBars() throws {
        var g = SplitMix(seed: 1)
        let v = (0..<1000).map { _ in g.uniform() }
        let fig = try Figure.hist(v, bins: 20, marker: 2, markerLabel: "observed",
                                  options: FigureOptions(width: 480, height: 360, xLabel: "statistic"))
        let d = try Decoded(fig.png)
        #expect(fig.description == "hist: 1000 values, 20 bins")
        let y = d.height * 2 / 3
        let blue = (0..<d.width).filter { close(d.pixel($0, y), Color(hex: 0x3182bd), 45) }
        let red = (0..<d.width).filter { close(d.pixel($0, y), Color.tab10[3], 40) }
        #expect(blue.count > 100)
        // The dashed line may have a gap on this row; look at a few rows.
        let redAny = (y - 8...y + 8).flatMap { yy in (0..<d.width).filter { close(d.pixel($0, yy), Color.tab10[3], 40) } }
        #expect(!redAny.isEmpty)
        #expect((redAny.min() ?? 0) > blue.max()!)
        _ = red
    }

    @Test func writesExample() throws {
        var g = SplitMix(seed: 7)
        let null = (0..<2000).map { _ in (0..<6).map { _ in g.uniform() }.reduce(0, +) / 6 }
        let fig = try Figure.hist(null, marker: 0.78, markerLabel: "observed = 0.78",
                                  options: FigureOptions(width: 560, height: 400, title: "Null distribution (block permutation)",
                                                         xLabel: "statistic"))
        try fig.write(to: outputPath("hist.png"))
        #expect(throws: FigureError.self) { try Figure.hist([]) }
        #expect(throws: FigureError.self) { try Figure.hist([1, 2], bins: 0) }
    }
}

@Suite struct LassoPathTests {
    /// One coefficient growing from 0 (lambda = 1) to 1 (lambda = 0.01): with lambda
    /// decreasing to the right, the line starts low on the left and ends high on the right.
    @Test func lambdaDecreasesToTheRight() throws {
        let fig = try Figure.lassoPath(lambdas: [1, 0.1, 0.01], coefficients: [[0], [0.5], [1]],
                                       options: FigureOptions(width: 480, height: 360))
        let d = try Decoded(fig.png)
        #expect(fig.kind == "lasso_path" && fig.description == "lasso_path: 1 features, 3 kinks")
        let cols = (0..<d.width).filter { x in (0..<d.height).contains { close(d.pixel(x, $0), Color.tab10[0], 20) } }
        let left = try #require(cols.min()), right = try #require(cols.max())
        func rowOf(_ x: Int) -> Int? { (0..<d.height).first { close(d.pixel(x, $0), Color.tab10[0], 20) } }
        let yl = try #require(rowOf(left + 2)), yr = try #require(rowOf(right - 2))
        #expect(yl > yr + 150)  // larger pixel y = lower on the page
    }

    @Test func writesExampleAndHandlesLambdaZero() throws {
        let lambdas = [1.0, 0.6, 0.3, 0.12, 0.05, 0.01, 0.0]
        let coefs: [[Double]] = [[0, 0, 0, 0], [0.2, 0, 0, 0], [0.45, -0.15, 0, 0], [0.6, -0.3, 0.1, 0],
                                 [0.7, -0.35, 0.15, -0.05], [0.75, -0.4, 0.12, -0.1], [0.78, -0.42, 0.1, -0.12]]
        let fig = try Figure.lassoPath(lambdas: lambdas, coefficients: coefs, featureLabels: ["x0", "x1", "x2", "x3"],
                                       options: FigureOptions(width: 560, height: 400, title: "Lasso path"))
        try fig.write(to: outputPath("lasso_path.png"))
        #expect(throws: FigureError.self) { try Figure.lassoPath(lambdas: [0], coefficients: [[1]]) }
        #expect(throws: FigureError.self) { try Figure.lassoPath(lambdas: [1, 0.5], coefficients: [[1]]) }
    }
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
