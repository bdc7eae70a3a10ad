import Testing
@testable import LariatFigures

@Suite struct CanvasTests {
    @Test func pngRoundTripIsExact() throws {
        var c = Canvas(width: 37, height: 21)
        c.fill(Rect(x: 3, y: 4, width: 10, height: 5), Color(hex: 0x123456))
        let png = try PNG.encode(rgba: c.pixels, width: c.width, height: c.height)
        let d = try Decoded(png)
        #expect(d.width == 37 && d.height == 21 && d.rgba == c.pixels)
        #expect(d.pixel(5, 5) == Color(hex: 0x123456) && d.pixel(20, 5) == .white)
    }

    @Test func translucentPixelsKeepAlpha() throws {
        var c = Canvas(width: 8, height: 8, background: .clear)
        c.fill(Rect(x: 0, y: 0, width: 4, height: 8), Color(hex: 0xff0000, alpha: 128))
        let d = try Decoded(try PNG.encode(rgba: c.pixels, width: 8, height: 8))
        #expect(d.pixel(1, 1).a == 128 && d.pixel(1, 1).r == 255 && d.pixel(6, 1).a == 0)
    }

    @Test func halfCoveredPixelsBlendHalfway() {
        var c = Canvas(width: 10, height: 10)
        c.fill(Rect(x: 2.5, y: 0, width: 5, height: 10), .black)
        #expect(c.pixel(2, 5)!.r == 128 || c.pixel(2, 5)!.r == 127)
        #expect(c.pixel(4, 5)!.r == 0 && c.pixel(8, 5)!.r == 255)
    }

    /// A 3-pixel line along row 10's centre covers rows 9-11 fully, nothing beyond row 12.
    @Test func thickLineCoverage() {
        var c = Canvas(width: 40, height: 20)
        c.strokeLine(Point(5, 10.5), Point(35, 10.5), width: 3, .black)
        #expect(c.pixel(20, 10)!.r == 0 && c.pixel(20, 9)!.r == 0 && c.pixel(20, 11)!.r == 0)
        #expect(c.pixel(20, 13)!.r == 255 && c.pixel(20, 7)!.r == 255)
        // Round caps: the end extends 1.5 px past the endpoint, so the pixel centred
        // 1.5 px beyond it is half covered, anti-aliased.
        #expect(c.pixel(35, 10)!.r < 10)
        #expect((100...160).contains(c.pixel(36, 10)!.r))
        #expect(c.pixel(38, 10)!.r == 255)
    }

    /// Translucent polyline: the joint between segments is not darker than the segments.
    @Test func polylineJoinsAreCompositedOnce() {
        var c = Canvas(width: 40, height: 40)
        c.strokePolyline([Point(5, 20), Point(20, 20), Point(20, 35)], width: 4, Color.black.withOpacity(0.5))
        let mid = c.pixel(12, 20)!.r, joint = c.pixel(20, 20)!.r
        #expect(abs(Int(mid) - Int(joint)) <= 1)
    }

    @Test func dashesLeaveGaps() {
        var c = Canvas(width: 60, height: 10)
        c.strokeLine(Point(0, 5), Point(60, 5), width: 2, .black, dash: [6, 4])
        let row = (0..<60).map { c.pixel($0, 5)!.r }
        #expect(row.filter { $0 < 50 }.count > 25 && row.filter { $0 > 200 }.count > 10)
    }

    @Test func textHasInkAndRotatedTextIsUpright() throws {
        let font = try Font.default()
        var c = Canvas(width: 200, height: 200)
        c.drawText("Lariat 123", at: Point(10, 40), size: 20, .black, font: font)
        let m = font.measure("Lariat 123", size: 20)
        #expect(m.width > 80 && m.width < 140)
        var inkH: [Int] = []
        for y in 0..<100 { for x in 0..<200 where c.pixel(x, y)!.r < 128 { inkH.append(x) } }
        #expect(!inkH.isEmpty && inkH.min()! >= 10 && inkH.max()! <= 10 + Int(m.width) + 1)
        // Rotated: the ink spans more rows than columns.
        c.drawText("Lariat 123", at: Point(150, 190), size: 20, .black, font: font, rotation: .up)
        var xs: [Int] = [], ys: [Int] = []
        for y in 100..<200 { for x in 120..<200 where c.pixel(x, y)!.r < 128 { xs.append(x); ys.append(y) } }
        #expect(ys.max()! - ys.min()! > 2 * (xs.max()! - xs.min()!))
    }
}

@Suite struct TickTests {
    @Test func niceStepsAreOneTwoFive() {
        #expect(Ticks.niceStep(span: 1, target: 5) == 0.2)
        #expect(Ticks.niceStep(span: 100, target: 4) == 20 || Ticks.niceStep(span: 100, target: 4) == 50)
        #expect(Ticks.niceStep(span: 7, target: 7) == 1)
        #expect(Ticks.linear(0, 1, target: 5).map(\.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(Ticks.linear(-0.3, 0.3, target: 6).map(\.label) == ["−0.3", "−0.2", "−0.1", "0", "0.1", "0.2", "0.3"])
    }

    @Test func largeAndSmallNumbersUseCompactNotation() {
        #expect(Ticks.linear(0, 3e6, target: 3).map(\.label) == ["0", "1e6", "2e6", "3e6"])
        #expect(Ticks.linear(0, 4e-4, target: 4).map(\.label) == ["0", "1e-4", "2e-4", "3e-4", "4e-4"])
    }

    @Test func logTicksAreDecades() {
        let t = Ticks.log(1e-3, 10)
        #expect(t.filter(\.major).map(\.label) == ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"])
        #expect(t.contains { !$0.major })
    }
}
