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
        // Along the middle row: the red column comes first, then the blue one, then zeros.
        let y = d.height / 2
        func reddish(_ p: Color) -> Bool { Int(p.r) > Int(p.b) + 60 && Int(p.r) > Int(p.g) + 40 }
        func bluish(_ p: Color) -> Bool { Int(p.b) > Int(p.r) + 60 }
        let rx = try #require((0..<d.width).first { reddish(d.pixel($0, y)) })
        let bx = try #require((rx..<d.width).first { bluish(d.pixel($0, y)) })
        let cell = bx - rx
        #expect(cell > 20)
        #expect(reddish(d.pixel(rx + cell / 2, y - 20)) && bluish(d.pixel(bx + cell / 2, y + 20)))
        // Zero cells are near white in a diverging map centred at zero.
        let zero = d.pixel(rx + cell * 7 / 2, y + 10)
        #expect(zero.r > 220 && zero.g > 220 && zero.b > 220)
        // The small positive cell (row 2, column 5) is light red, the negative one (3, 6) light blue.
        #expect(reddish(d.pixel(rx + cell * 11 / 2, y + cell / 2)))
        #expect(bluish(d.pixel(rx + cell * 13 / 2, y + cell * 3 / 2)) || d.pixel(rx + cell * 13 / 2, y + cell * 3 / 2).b > d.pixel(rx + cell * 13 / 2, y + cell * 3 / 2).r + 20)
        // A colour bar: a column on the right holding both dark red and dark blue.
        var barFound = false
        for x in stride(from: d.width - 1, to: rx + cell * 8, by: -1) {
            var sawRed = false, sawBlue = false
            for y in 0..<d.height {
                let p = d.pixel(x, y)
                if reddish(p) && p.r > 90 { sawRed = true }
                if bluish(p) && p.b > 80 { sawBlue = true }
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
