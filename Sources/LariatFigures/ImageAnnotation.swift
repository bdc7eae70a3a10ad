/// Marks drawn over an image in its pixel coordinates (row, column; pixel
/// (r, c) covers [c, c+1] x [r, r+1]): cell outlines, arrows between cells.
public enum ImageAnnotation: Sendable {
    /// The boundary of a set of pixels (`inside` is `height * width`, row-major),
    /// drawn along pixel edges.
    case outline(inside: [Bool], color: Color)
    /// An arrow from one point to another (pixel coordinates of centres), with a head at `to`.
    case arrow(from: (row: Double, column: Double), to: (row: Double, column: Double), width: Double, color: Color)

    /// The standard outline colours, one per cell in turn (tab10, bright on grey).
    public static let palette: [Color] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2,
                                          0x17becf, 0xbcbd22, 0x7f7f7f].map { Color(hex: $0) }

    /// Draws onto `canvas`, where pixel (r, c) of the `width x height` image
    /// maps to `frame` (`scale` canvas pixels per image pixel).
    func draw(into canvas: inout Canvas, frame: Rect, width: Int, height: Int, scale s: Double, lineScale: Double) {
        func point(_ r: Double, _ c: Double) -> Point { Point(frame.minX + c * s, frame.minY + r * s) }
        switch self {
        case .outline(let inside, let color):
            guard inside.count == width * height else { return }
            func at(_ r: Int, _ c: Int) -> Bool { r >= 0 && r < height && c >= 0 && c < width && inside[r * width + c] }
            let w = max(1, 1.5 * lineScale)
            for r in 0..<height { for c in 0..<width where inside[r * width + c] {
                let (rr, cc) = (Double(r), Double(c))
                if !at(r - 1, c) { canvas.strokeLine(point(rr, cc), point(rr, cc + 1), width: w, color) }
                if !at(r + 1, c) { canvas.strokeLine(point(rr + 1, cc), point(rr + 1, cc + 1), width: w, color) }
                if !at(r, c - 1) { canvas.strokeLine(point(rr, cc), point(rr + 1, cc), width: w, color) }
                if !at(r, c + 1) { canvas.strokeLine(point(rr, cc + 1), point(rr + 1, cc + 1), width: w, color) }
            }}
        case .arrow(let from, let to, let lineWidth, let color):
            let a = point(from.row + 0.5, from.column + 0.5), b = point(to.row + 0.5, to.column + 0.5)
            let (dx, dy) = (b.x - a.x, b.y - a.y)
            let length = (dx * dx + dy * dy).squareRoot()
            guard length > 1 else { return }
            let (ux, uy) = (dx / length, dy / length)
            // Stop short of the target's centre so the head sits beside the cell's mark.
            let tip = Point(b.x - ux * 0.6 * s, b.y - uy * 0.6 * s)
            let w = lineWidth * lineScale
            canvas.strokeLine(a, tip, width: w, color)
            let head = max(5 * lineScale, 2.5 * w)
            for sign in [-1.0, 1.0] {
                let bx = -ux * 0.866 - sign * uy * 0.5, by = -uy * 0.866 + sign * ux * 0.5
                canvas.strokeLine(tip, Point(tip.x + head * bx, tip.y + head * by), width: w, color)
            }
        }
    }
}
