import Testing
import Foundation
@testable import LariatFigures

@Suite struct LinePlotTests {
    @Test func lossCurvesRenderWithLegendAndLogAxis() throws {
        let n = 500
        let train = (0..<n).map { (i: Int) -> Double in 2.0 * exp(-Double(i) / 80) + 0.05 + 0.02 * sin(Double(i) / 3) }
        let test = (0..<n).map { (i: Int) -> Double in 2.2 * exp(-Double(i) / 90) + 0.09 }
        let fig = try Figure.plot([Series(train, label: "train"), Series(test, label: "held out")],
                                  options: FigureOptions(title: "Training loss", xLabel: "epoch",
                                                         yLabel: "loss", yLog: true))
        let path = outputPath("plot.png")
        try fig.write(to: path)
        let d = try Decoded(file: path)
        #expect(d.width == 640 && d.height == 480)
        #expect(fig.kind == "plot")
        #expect(fig.description == "plot: 2 series, 1000 points")
        #expect(d.inkFraction > 0.02 && d.inkFraction < 0.5)
        #expect(d.count(near: Color.tab10[0], x: 0..<d.width, y: 0..<d.height) > 300)
        #expect(d.count(near: Color.tab10[1], x: 0..<d.width, y: 0..<d.height) > 300)
    }
}

@Suite struct LineMappingTests {
    /// Two horizontal lines at y = 1 and y = 3 on fixed limits 0...4: the bottom spine is
    /// y = 0, so the pixel gap between the lines is twice the gap from the axis to the first.
    @Test func horizontalLinesSitWhereTheDataSays() throws {
        let xs = (0...50).map(Double.init)
        let fig = try Figure.plot([Series(xs.map { _ in 1 }, x: xs), Series(xs.map { _ in 3 }, x: xs)],
                                  options: FigureOptions(width: 400, height: 300, yLimits: 0...4))
        let d = try Decoded(fig.png)
        #expect(d.width == 400 && d.height == 300)
        let x = d.width / 2
        func centre(_ c: Color) -> Double? {
            let rows = (0..<d.height).filter { close(d.pixel(x, $0), c, 60) }
            return rows.isEmpty ? nil : Double(rows.reduce(0, +)) / Double(rows.count) + 0.5
        }
        let blue = try #require(centre(Color.tab10[0]))
        let orange = try #require(centre(Color.tab10[1]))
        // The bottom spine: the lowest dark row in this column.
        let spine = try #require((0..<d.height).reversed().first { d.pixel(x, $0).r < 100 && d.pixel(x, $0).b < 100 })
        let axis = Double(spine)
        #expect(abs((axis - blue) * 2 - (blue - orange)) < 2.0, "axis \(axis) blue \(blue) orange \(orange)")
        // The line's core pixel is exactly the series colour (full coverage).
        #expect(close(d.pixel(x, Int(blue)), Color.tab10[0], 4))
    }

    @Test func nonFiniteValuesLeaveGaps() throws {
        var y = (0..<100).map { _ in 1.0 }
        for i in 40..<60 { y[i] = .nan }
        let fig = try Figure.plot(y, options: FigureOptions(width: 400, height: 300, yLimits: 0...2))
        let d = try Decoded(fig.png)
        let row = (0..<d.height).first { close(d.pixel(100, $0), Color.tab10[0], 10) }
        let r = try #require(row)
        // The middle of the plot (x index 50) is blank on that row.
        #expect(!close(d.pixel(d.width / 2 + 10, r), Color.tab10[0], 60))
    }

    @Test func badInputThrowsClearErrors() {
        #expect(throws: FigureError.invalidArgument("plot needs at least one series")) { try Figure.plot([Series]()) }
        #expect(throws: FigureError.invalidArgument("series 0: x has 2 values but y has 3")) {
            try Figure.plot([1, 2, 3], x: [1, 2])
        }
        #expect(throws: FigureError.self) { try Figure.plot([-1, -2], options: FigureOptions(yLog: true)) }
        #expect(throws: FigureError.self) { try Figure.plot([1, 2], options: FigureOptions(width: 10)) }
        #expect(throws: FigureError.self) { try Figure.plot([1, 2], options: FigureOptions(scale: 0)) }
        #expect(throws: FigureError.self) { try Figure.plot([Double.nan]) }
    }

    @Test func scaleMultipliesPixelSize() throws {
        let fig = try Figure.plot([1, 3, 2], options: FigureOptions(width: 300, height: 200, scale: 2))
        let d = try Decoded(fig.png)
        #expect(fig.width == 600 && fig.height == 400 && d.width == 600 && d.height == 400)
    }

    /// Not a gate: prints the time to render and encode an 800x600 plot of 4 x 1000 points.
    @Test func benchmarkPrintsRenderTime() throws {
        let xs = (0..<1000).map { Double($0) * 0.01 }
        let series = (0..<4).map { k in Series(xs.map { (x: Double) -> Double in sin(x * 3 + Double(k)) }, x: xs) }
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = ContinuousClock.now
            _ = try Figure.plot(series, options: FigureOptions(width: 800, height: 600, title: "bench", xLabel: "t"))
            let dt = ContinuousClock.now - t0
            best = min(best, Double(dt.components.attoseconds) / 1e15 + Double(dt.components.seconds) * 1000)
        }
        print("LariatFigures bench: 800x600 plot, 4000 points: \(best) ms (this build's configuration)")
    }
}
