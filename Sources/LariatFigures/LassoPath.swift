#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Figure {
    /// The lasso regularisation path: each feature's coefficient against lambda.
    ///
    /// `lambdas` are the path's kinks (as LARS returns them, decreasing) and
    /// `coefficients[k]` the coefficients at kink k (kinks x features). The x axis is
    /// log lambda, decreasing to the right (as in scikit-learn's lasso-path examples):
    /// read left to right, features enter as the penalty relaxes. Between kinks each
    /// coefficient is linear in lambda, so it is drawn exactly (sampled in lambda, which
    /// curves slightly on the log axis). A final kink at lambda = 0 (the least-squares end)
    /// (or below 1e-4 times the largest lambda) is drawn one decade below the smallest
    /// larger kink. Kinks are marked by
    /// faint vertical lines; a legend names up to 10 features when `featureLabels` is given.
    public static func lassoPath(lambdas: [Double], coefficients: [[Double]], featureLabels: [String]? = nil,
                                 options: FigureOptions = FigureOptions()) throws -> Figure {
        guard !lambdas.isEmpty, lambdas.count == coefficients.count else {
            throw FigureError.invalidArgument(
                "lasso path: \(lambdas.count) lambdas but \(coefficients.count) coefficient rows; they must match and be non-empty")
        }
        let p = coefficients[0].count
        guard p > 0 else { throw FigureError.invalidArgument("lasso path: no features") }
        for (k, row) in coefficients.enumerated() where row.count != p {
            throw FigureError.invalidArgument("lasso path: kink \(k) has \(row.count) coefficients, kink 0 has \(p)")
        }
        if let l = featureLabels, l.count != p {
            throw FigureError.invalidArgument("lasso path: \(l.count) feature labels for \(p) features")
        }
        guard lambdas.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw FigureError.invalidArgument("lasso path: lambdas must be finite and non-negative")
        }
        let positive = lambdas.filter { $0 > 0 }
        guard let lmin = positive.min(), let lmax = positive.max() else {
            throw FigureError.invalidArgument("lasso path: needs at least one positive lambda for the log axis")
        }
        // Kinks below 1e-4 * max lambda (0, or numerically ~0 at the least-squares end)
        // would stretch the log axis over many empty decades: they are drawn at one
        // decade below the smallest kink above that threshold.
        let tiny = lmax * 1e-4
        let shown = lambdas.filter { $0 >= tiny }
        let floorL = lambdas.contains(where: { $0 < tiny }) ? (shown.min() ?? lmax) / 10 : lmin
        // Sort kinks by decreasing lambda so segments join neighbours.
        let order = lambdas.indices.sorted { lambdas[$0] > lambdas[$1] }
        var series: [Series] = []
        for j in 0..<p {
            var xs: [Double] = [], ys: [Double] = []
            for q in 0..<order.count {
                let k = order[q]
                let l0 = lambdas[k], b0 = coefficients[k][j]
                if q == 0 { xs.append(max(l0, floorL)); ys.append(b0) }
                guard q + 1 < order.count else { break }
                let k1 = order[q + 1]
                let l1 = lambdas[k1], b1 = coefficients[k1][j]
                let end = max(l1, floorL)
                guard l0 > l1, l0 > floorL else { continue }
                // Sample the linear segment evenly in log lambda.
                let steps = 12
                for s in 1...steps {
                    let l = exp(log(l0) + (log(end) - log(l0)) * Double(s) / Double(steps))
                    xs.append(l); ys.append(b0 + (b1 - b0) * (l0 - l) / (l0 - l1))
                }
            }
            series.append(Series(ys, x: xs, label: featureLabels?[j]))
        }
        var opt = options
        opt.xLog = true
        opt.xLabel = opt.xLabel ?? "λ (log scale, decreasing →)"
        opt.yLabel = opt.yLabel ?? "coefficient"
        if featureLabels == nil || p > 10 { opt.legend = opt.legend ?? false }
        if opt.xLimits == nil {
            let a = log10(floorL), b = log10(lmax), m = max(0.05, (b - a) * 0.03)
            opt.xLimits = pow(10, a - m)...pow(10, b + m)
        }
        let kinks = shown
        let (canvas, _) = try renderLines(series, options: opt, xReversed: true, extraX: [floorL, lmax]) { c, axes in
            let st = Style(scale: opt.scale)
            let grey = Color(hex: 0x9a9a9a).withOpacity(0.55)
            for l in kinks {
                let x = snap(axes.x.pixel(l), 1)
                c.strokeLine(Point(x, axes.frame.minY), Point(x, axes.frame.maxY), width: st.s, grey,
                             dash: [2 * st.s, 3 * st.s])
            }
            let y = snap(axes.y.pixel(0), 1)
            c.fill(Rect(x: axes.frame.minX, y: y - 0.5 * st.s, width: axes.frame.width, height: st.s), Color(hex: 0x808080))
        }
        return try Figure(canvas: canvas, kind: "lasso_path",
                          description: "lasso_path: \(p) features, \(lambdas.count) kinks")
    }
}
