/// Options shared by every figure kind. Sizes are in logical pixels; the PNG is
/// `width * scale` by `height * scale` pixels, with text and lines scaled alike
/// (`scale: 2` gives a sharp image for high-DPI screens, like matplotlib's dpi=200).
public struct FigureOptions: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Resolution multiplier in 0.25...8.
    public var scale: Double
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    /// Logarithmic x / y axes (plot and hist; the lasso path always uses a log x axis).
    public var xLog: Bool
    public var yLog: Bool
    /// Data limits; nil chooses them from the data with a 5% margin.
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    /// Draw a legend: nil means "when any series has a label".
    public var legend: Bool?

    public init(width: Int = 640, height: Int = 480, scale: Double = 1, title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil, xLog: Bool = false, yLog: Bool = false,
                xLimits: ClosedRange<Double>? = nil, yLimits: ClosedRange<Double>? = nil, legend: Bool? = nil) {
        self.width = width; self.height = height; self.scale = scale; self.title = title
        self.xLabel = xLabel; self.yLabel = yLabel; self.xLog = xLog; self.yLog = yLog
        self.xLimits = xLimits; self.yLimits = yLimits; self.legend = legend
    }

    /// Throws unless the size and scale give a PNG between 32 and 16384 pixels a side.
    func validate() throws {
        guard scale.isFinite, scale >= 0.25, scale <= 8 else {
            throw FigureError.invalidArgument("scale must be between 0.25 and 8, got \(scale)")
        }
        let w = pixelWidth, h = pixelHeight
        guard width > 0, height > 0, w >= 32, h >= 32, w <= 16384, h <= 16384 else {
            throw FigureError.invalidArgument(
                "figure size \(width) x \(height) at scale \(scale) gives \(w) x \(h) pixels; each side must be 32...16384")
        }
        for (name, lim, log) in [("x", xLimits, xLog), ("y", yLimits, yLog)] {
            if let lim {
                guard lim.lowerBound.isFinite, lim.upperBound.isFinite, lim.upperBound > lim.lowerBound else {
                    throw FigureError.invalidArgument("\(name) limits must be finite with lower < upper, got \(lim)")
                }
                if log && lim.lowerBound <= 0 {
                    throw FigureError.invalidArgument("\(name) limits on a log axis must be positive, got \(lim)")
                }
            }
        }
    }

    var pixelWidth: Int { Int((Double(width) * scale).rounded()) }
    var pixelHeight: Int { Int((Double(height) * scale).rounded()) }
}

/// The default look: light and clean, sizes proportional to `scale`.
struct Style {
    let s: Double
    init(scale: Double) { s = scale }
    var tickFont: Double { 12 * s }
    var labelFont: Double { 13.5 * s }
    var titleFont: Double { 15.5 * s }
    var tickLength: Double { 4 * s }
    var pad: Double { 6 * s }
    var outer: Double { 10 * s }
    var lineWidth: Double { 1.75 * s }
    var spineWidth: Double { max(1, (1 * s).rounded()) }
    let text = Color(hex: 0x262626)
    let spine = Color(hex: 0x4d4d4d)
    let grid = Color(hex: 0xe8e8e8)
    let minor = Color(hex: 0x808080)
}
