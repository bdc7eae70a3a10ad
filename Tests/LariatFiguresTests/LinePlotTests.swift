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
