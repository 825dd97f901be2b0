public import CompositeCore

/// What one node sends the aggregator: its feature releases for a time range, and the rules they were made with.
public struct NodeSummary: Sendable, Hashable {
    public var node: String
    public var range: TimeRange
    public var binning: ScoreBinning
    public var policy: ReleasePolicy
    /// Released features, sorted by featureId; withheld ones are absent.
    public var features: [FeatureRelease]

    public init(
        node: String,
        range: TimeRange,
        binning: ScoreBinning,
        policy: ReleasePolicy,
        features: [FeatureRelease]
    ) {
        self.node = node
        self.range = range
        self.binning = binning
        self.policy = policy
        self.features = features
    }

    /// Summarises `records` (only those published within `range`; the first of several copies of a resultId).
    public static func make(
        node: String,
        records: [CompositeResultRecord],
        range: TimeRange,
        binning: ScoreBinning,
        policy: ReleasePolicy,
        using generator: inout some RandomNumberGenerator
    ) -> NodeSummary {
        var seen: Set<String> = []
        let selected = records.filter { range.contains($0.publishTime) && seen.insert($0.resultID).inserted }
        let features = FeatureStatistics.compute(selected, binning: binning).compactMap {
            policy.release($0, using: &generator)
        }
        return NodeSummary(node: node, range: range, binning: binning, policy: policy, features: features)
    }

    /// The wire form, sealed for the aggregator as the reply body.
    public var json: JSONValue {
        .object(
            JSONObject([
                (key: "node", value: .string(self.node)),
                (key: "range", value: self.range.json),
                (key: "binning", value: self.binning.json),
                (key: "suppressionThreshold", value: .number(.integer(self.policy.suppressionThreshold))),
                (key: "noiseEpsilon", value: self.policy.noiseEpsilon.map { .number(.decimal($0)) } ?? .null),
                (key: "features", value: .array(self.features.map(\.json))),
            ])
        )
    }

    /// Parses the wire form; a missing or mistyped member is an ``FederationError/Code/invalidPayload`` error.
    public init(json: JSONValue) throws(FederationError) {
        guard let node = json["node"]?.stringValue, let range = json["range"], let binning = json["binning"],
            case .number(let threshold)? = json["suppressionThreshold"], let k = threshold.exactInteger,
            case .array(let features)? = json["features"]
        else { throw FederationError(.invalidPayload, key: "summary", "expected node, range, binning, features") }
        var epsilon: Double?
        if case .number(let value)? = json["noiseEpsilon"] { epsilon = value.doubleValue }
        var releases: [FeatureRelease] = []
        for feature in features { releases.append(try FeatureRelease(json: feature)) }
        self.init(
            node: node,
            range: try TimeRange(json: range),
            binning: try ScoreBinning(json: binning),
            policy: ReleasePolicy(suppressionThreshold: k, noiseEpsilon: epsilon),
            features: releases
        )
    }
}
