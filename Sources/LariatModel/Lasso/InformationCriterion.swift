import Foundation

/// Choosing lambda per equation along the lasso path by an information
/// criterion, evaluated at the kinks (as scikit-learn's LassoLarsIC):
///
///     IC(lambda) = n log(RSS(lambda) / n) + c * df(lambda),
///
/// the Gaussian log-likelihood with the noise variance profiled out, df the
/// size of the algorithm's active set (Zou, Hastie & Tibshirani 2007: the
/// number of nonzero lasso coefficients is an unbiased estimate of its
/// degrees of freedom), c = 2 for AIC and log n for BIC.
public enum InformationCriterion: String, Sendable, CaseIterable {
    case aic, bic

    func penalty(sampleCount n: Int) -> Double {
        switch self {
        case .aic: return 2
        case .bic: return log(Double(n))
        }
    }

    /// The index of the kink with the smallest criterion (the largest lambda
    /// on ties).
    func bestKink(rss: [Double], activeCounts: [Int], sampleCount n: Int) -> Int {
        let c = penalty(sampleCount: n)
        let nD = Double(n)
        var best = 0
        var bestValue = Double.infinity
        for i in 0..<rss.count {
            let value = nD * log(max(rss[i], Double.leastNormalMagnitude) / nD) + c * Double(activeCounts[i])
            if value < bestValue { bestValue = value; best = i }
        }
        return best
    }
}
