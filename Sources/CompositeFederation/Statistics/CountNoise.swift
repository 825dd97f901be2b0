import Foundation

/// Two-sided geometric noise (the discrete Laplace mechanism) for counts.
///
/// `P(X = x) = (1 − α) / (1 + α) · α^|x|` with `α = exp(−ε / Δ)`: ε-differential privacy for a release whose counts
/// change by at most Δ in total (L1) when one result is added or removed. Its variance is `2α / (1 − α)²`, close to
/// the continuous Laplace variance `2 (Δ/ε)²` for small ε.
public struct CountNoise: Sendable, Hashable {
    /// The privacy budget ε of one release, > 0.
    public var epsilon: Double
    /// The L1 sensitivity Δ of the release.
    public var sensitivity: Double

    public init(epsilon: Double, sensitivity: Double) {
        self.epsilon = epsilon
        self.sensitivity = sensitivity
    }

    /// `α = exp(−ε / Δ)`.
    public var alpha: Double { exp(-self.epsilon / self.sensitivity) }

    /// The noise's variance, `2α / (1 − α)²`.
    public var variance: Double {
        let alpha = self.alpha
        return 2 * alpha / ((1 - alpha) * (1 - alpha))
    }

    /// One noise value: the difference of two independent geometric variables with success probability `1 − α`.
    public func sample(using generator: inout some RandomNumberGenerator) -> Int {
        self.geometric(using: &generator) - self.geometric(using: &generator)
    }

    /// Failures before the first success, by inversion: `⌊ln U / ln α⌋` for U uniform in (0, 1].
    private func geometric(using generator: inout some RandomNumberGenerator) -> Int {
        let alpha = self.alpha
        guard alpha > 0 else { return 0 }
        let uniform = Double((generator.next() as UInt64) >> 11 + 1) * 0x1p-53
        let value = (log(uniform) / log(alpha)).rounded(.down)
        return value < Double(Int32.max) ? Int(value) : Int(Int32.max)
    }
}
