import CompositeCore

/// Count, mean and sum of squared deviations (M2) of scores: the numerically stable, mergeable form of mean and
/// variance. Adding uses Welford's update; combining two sets uses Chan et al.'s parallel formula, so a summary
/// merged from nodes equals the one computed on the pooled scores up to rounding.
public struct Moments: Sendable, Hashable {
    /// How many scores.
    public private(set) var count: Int
    /// Their mean (0 without scores).
    public private(set) var mean: Double
    /// The sum of squared deviations from the mean.
    public private(set) var m2: Double

    public init(count: Int = 0, mean: Double = 0, m2: Double = 0) {
        self.count = count
        self.mean = mean
        self.m2 = m2
    }

    /// Adds one score.
    public mutating func add(_ value: Double) {
        self.count += 1
        let delta = value - self.mean
        self.mean += delta / Double(self.count)
        self.m2 += delta * (value - self.mean)
    }

    /// The moments of both sets together.
    public func merged(with other: Moments) -> Moments {
        guard other.count > 0 else { return self }
        guard self.count > 0 else { return other }
        let count = self.count + other.count
        let delta = other.mean - self.mean
        let mean = self.mean + delta * Double(other.count) / Double(count)
        let m2 = self.m2 + other.m2 + delta * delta * Double(self.count) * Double(other.count) / Double(count)
        return Moments(count: count, mean: mean, m2: m2)
    }

    /// Sample variance (divisor n − 1); `nil` below two scores.
    public var variance: Double? { self.count > 1 ? self.m2 / Double(self.count - 1) : nil }

    var json: JSONValue {
        .object(
            JSONObject([
                (key: "n", value: .number(.integer(self.count))),
                (key: "mean", value: .number(.decimal(self.mean))),
                (key: "m2", value: .number(.decimal(self.m2))),
            ])
        )
    }

    init(json: JSONValue) throws(FederationError) {
        guard case .number(let count)? = json["n"], let n = count.exactInteger,
            (0...FeatureRelease.maximumCount).contains(n),
            case .number(let mean)? = json["mean"], case .number(let m2)? = json["m2"]
        else { throw FederationError(.invalidPayload, key: "moments", "expected n, mean and m2") }
        self.init(count: n, mean: mean.doubleValue, m2: m2.doubleValue)
    }
}
