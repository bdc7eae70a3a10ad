/// A colour map: a 256-entry lookup table from a normalised value in [0, 1] to a colour.
///
/// Built-in maps: `viridis` (sequential, for non-negative data), `rdbu` (diverging,
/// blue for negative, white at the centre, red for positive: matplotlib's "RdBu_r"),
/// `grey`, and `hot` (black-red-yellow-white, for overlays).
public struct Colormap: Sendable, Equatable {
    public let name: String
    /// 256 colours, index 0 for the low end.
    public let table: [Color]

    /// A map interpolating linearly between evenly spaced `anchors`.
    public init(name: String, anchors: [Color]) {
        precondition(anchors.count >= 2, "a colour map needs at least two anchors")
        self.name = name
        var t: [Color] = []
        t.reserveCapacity(256)
        for i in 0..<256 {
            let u = Double(i) / 255 * Double(anchors.count - 1)
            let k = min(Int(u), anchors.count - 2)
            let f = u - Double(k)
            let a = anchors[k], b = anchors[k + 1]
            func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) * (1 - f) + Double(y) * f).rounded()) }
            t.append(Color(r: mix(a.r, b.r), g: mix(a.g, b.g), b: mix(a.b, b.b), a: mix(a.a, b.a)))
        }
        table = t
    }

    /// The colour for `u` in [0, 1] (clamped; NaN maps to the low end).
    @inline(__always)
    public func color(_ u: Double) -> Color {
        let v = u.isNaN ? 0 : min(1, max(0, u))
        return table[Int(v * 255 + 0.5)]
    }

    // Viridis sampled at 11 evenly spaced points (van der Walt & Smith, matplotlib 2.0).
    public static let viridis = Colormap(name: "viridis", anchors: [
        0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c,
        0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725,
    ].map { Color(hex: $0) })

    // ColorBrewer RdBu (11 classes), reversed so that low (negative) is blue.
    public static let rdbu = Colormap(name: "rdbu", anchors: [
        0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
        0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f,
    ].map { Color(hex: $0) })

    public static let grey = Colormap(name: "grey", anchors: [Color.black, Color.white])

    // Matplotlib's "hot": red rises first, then green, then blue.
    public static let hot = Colormap(name: "hot", anchors: [
        Color(hex: 0x0b0000), Color(hex: 0x800000), Color(hex: 0xff0000), Color(hex: 0xff8000),
        Color(hex: 0xffff00), Color(hex: 0xffff80), Color(hex: 0xffffff),
    ])

    /// Looks a map up by name ("viridis", "rdbu"/"diverging", "grey"/"gray", "hot").
    public static func named(_ name: String) throws -> Colormap {
        switch name.lowercased() {
        case "viridis", "sequential": return .viridis
        case "rdbu", "rdbu_r", "diverging", "coolwarm": return .rdbu
        case "grey", "gray", "greys", "grays": return .grey
        case "hot": return .hot
        default:
            throw FigureError.invalidArgument("unknown colour map \"\(name)\"; use viridis, rdbu, grey or hot")
        }
    }
}
