import Testing
import Foundation
@testable import LariatFigures

@Suite struct HeatmapTests {
    /// A 4 x 8 coefficient-like matrix: the first column positive, the second negative.
    @Test func divergingCellsAreRedForPositiveBlueForNegative() throws {
        var m = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 4)
        for r in 0..<4 { m[r][0] = 0.8; m[r][1] = -0.8 }
        m[2][5] = 0.3; m[3][6] = -0.2
        let fig = try Figure.heatmap(m, colorbarLabel: "coefficient", columnBlocks: 4,
                                     options: FigureOptions(width: 560, height: 320, title: "VAR coefficients",
                                                            xLabel: "input (lag block)", yLabel: "target"))
        let path = outputPath("heatmap.png")
        try fig.write(to: path)
        let d = try Decoded(file: path)
        #expect(fig.kind == "heatmap" && fig.description == "heatmap: 4 x 8")
        #expect(d.width == 560 && d.height == 320)
        // Find the grid: the left-most column of strongly red pixels.
        var red: (Int, Int)? = nil, blue: (Int, Int)? = nil
        outer: for x in 0..<d.width {
            for y in stride(from: 0, to: d.height, by: 2) {
                let p = d.pixel(x, y)
                if red == nil, p.r > 150, p.g < 90, p.b < 90 { red = (x, y) }
                if blue == nil, p.b > 120, p.r < 80, red != nil { blue = (x, y); break outer }
            }
        }
        let (rx, ry) = try #require(red)
        let (bx, _) = try #require(blue)
        // Blue cells are the next column, to the right of the red ones.
        #expect(bx > rx)
        let mid = d.pixel(rx + 5, ry + 5)
        #expect(mid.r > mid.b + 80)
        // Zero cells are near white in a diverging map centred at zero.
        let zero = d.pixel(rx + (bx - rx) * 3, ry + 10)
        #expect(zero.r > 220 && zero.g > 220 && zero.b > 220)
        // A colour bar: a column on the right holding both dark red and dark blue.
        var barFound = false
        for x in stride(from: d.width - 1, to: d.width / 2, by: -1) {
            var sawRed = false, sawBlue = false
            for y in 0..<d.height {
                let p = d.pixel(x, y)
                if p.r > 100 && p.g < 40 && p.b < 60 { sawRed = true }
                if p.b > 80 && p.r < 30 && p.g < 90 { sawBlue = true }
            }
            if sawRed && sawBlue { barFound = true; break }
        }
        #expect(barFound)
    }

    @Test func nonNegativeDataUsesViridis() throws {
        let v = (0..<100).map { Double($0) }
        let fig = try Figure.heatmap(v, rows: 10, columns: 10, options: FigureOptions(width: 400, height: 320))
        let d = try Decoded(fig.png)
        #expect(d.count(near: Color(hex: 0x440154), tol: 20, x: 0..<d.width, y: 0..<d.height) > 50)
        #expect(d.count(near: Color(hex: 0xfde725), tol: 20, x: 0..<d.width, y: 0..<d.height) > 50)
    }

    @Test func shapeMismatchThrows() {
        #expect(throws: FigureError.self) { try Figure.heatmap([1, 2, 3], rows: 2, columns: 2) }
        #expect(throws: FigureError.self) { try Figure.heatmap([[1, 2], [3]]) }
        #expect(throws: FigureError.self) { try Figure.heatmap([1, 2, 3, 4], rows: 2, columns: 2, rowLabels: ["a"]) }
    }
}
