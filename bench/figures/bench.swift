// Renders an 800x600 line plot (4 series x 1000 points, title, labels, legend) and
// reports the best of 20 runs, split into rendering and PNG encoding.
import LariatFigures
import Foundation

let xs = (0..<1000).map { Double($0) * 0.01 }
let series = (0..<4).map { k in
    Series(xs.map { (x: Double) -> Double in sin(x * 3 + Double(k)) * Double(k + 1) + 0.05 * cos(x * 97) },
           x: xs, label: "trace \(k)")
}
let opts = FigureOptions(width: 800, height: 600, title: "bench", xLabel: "time (s)", yLabel: "ΔF/F")
_ = try Figure.plot(series, options: opts)  // warm up: font load, glyph cache
var best = Double.infinity
for _ in 0..<20 {
    let t0 = Date()
    _ = try Figure.plot(series, options: opts)
    best = min(best, Date().timeIntervalSince(t0) * 1000)
}
let fig = try Figure.plot(series, options: opts)
print(String(format: "800x600 line plot, 4000 points: best %.2f ms (render + PNG encode), %d bytes", best, fig.png.count))
var heat = [Double](repeating: 0, count: 64 * 128)
for i in heat.indices { heat[i] = sin(Double(i) * 0.37) }
var hbest = Double.infinity
for _ in 0..<10 {
    let t0 = Date()
    _ = try Figure.heatmap(heat, rows: 64, columns: 128, options: FigureOptions(width: 800, height: 600))
    hbest = min(hbest, Date().timeIntervalSince(t0) * 1000)
}
print(String(format: "800x600 heatmap 64 x 128: best %.2f ms", hbest))
// PNG encoding alone: decode the plot and re-encode its pixels.
let (rgba, w, h) = try PNG.decode(fig.png)
var ebest = Double.infinity
for _ in 0..<10 {
    let t0 = Date()
    _ = try PNG.encode(rgba: rgba, width: w, height: h)
    ebest = min(ebest, Date().timeIntervalSince(t0) * 1000)
}
print(String(format: "  of which PNG encoding (libpng, fast flag): %.2f ms", ebest))
