/// An sRGB colour with straight (non-premultiplied) 8-bit alpha.
public struct Color: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public var a: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }

    /// `Color(hex: 0x1f77b4)`: 24-bit RGB, opaque.
    public init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(r: UInt8((hex >> 16) & 0xff), g: UInt8((hex >> 8) & 0xff), b: UInt8(hex & 0xff), a: alpha)
    }

    /// The same colour with alpha scaled to `opacity` (0...1).
    public func withOpacity(_ opacity: Double) -> Color {
        var c = self
        c.a = UInt8(max(0, min(255, (Double(a) * opacity).rounded())))
        return c
    }

    public static let white = Color(hex: 0xffffff)
    public static let black = Color(hex: 0x000000)
    public static let clear = Color(r: 0, g: 0, b: 0, a: 0)

    /// Matplotlib's "tab10" qualitative cycle (Tableau 10): distinct, colour-blind tolerant.
    public static let tab10: [Color] = [
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
        0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
    ].map { Color(hex: $0) }

    /// The `i`-th colour of the default cycle (wraps around after ten).
    public static func cycle(_ i: Int) -> Color {
        tab10[((i % tab10.count) + tab10.count) % tab10.count]
    }
}
