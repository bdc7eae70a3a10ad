/// `count` indices spread evenly over `0..<n`, first and last included
/// (rounded to the nearest index): the frames the analyses read when they
/// read at most `count` of a movie's `n`. `count` is clamped to `1...n`.
func evenlySpacedFrames(_ count: Int, of n: Int) -> [Int] {
    let c = min(n, max(1, count))
    return (0..<c).map { c == 1 ? 0 : Int((Double($0) * Double(n - 1) / Double(c - 1)).rounded()) }
}
