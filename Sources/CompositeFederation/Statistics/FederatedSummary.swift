public import CompositeCore

/// The global summary the aggregator combines from node summaries.
///
/// Counts add up across nodes. A cell that some node suppressed adds nothing from that node and is marked
/// incomplete: its value is then a lower bound. Moments merge with Chan's formula over the nodes that published
/// them; ``Feature/momentsComplete`` says whether that was every node reporting the feature. With suppression and
/// noise off at every node, the summary equals ``FeatureStatistics`` computed on the pooled results.
public struct FederatedSummary: Sendable, Hashable {
    /// A combined count, and whether every node's share is in it.
    public struct Count: Sendable, Hashable {
        public var value: Int
        /// `false`: some node suppressed its share, so `value` is a lower bound.
        public var complete: Bool

        public init(value: Int, complete: Bool) {
            self.value = value
            self.complete = complete
        }

        mutating func add(_ share: Int?) {
            if let share { self.value += share } else { self.complete = false }
        }
    }

    /// One featureId across nodes.
    public struct Feature: Sendable, Hashable {
        public var featureID: String
        /// The nodes that reported the feature (the others withheld it or have no results for it).
        public var nodes: [String]
        /// Every result, summed over the nodes (noisy when a node adds noise).
        public var count: Int
        public var errors: Count
        public var interpretations: [String: Count]
        public var unscored: Count
        public var histogram: [Count]
        /// Merged over the nodes that published theirs.
        public var moments: Moments
        public var momentsComplete: Bool
    }

    /// Every node whose summary went in, sorted.
    public var nodes: [String]
    public var range: TimeRange
    public var binning: ScoreBinning
    /// Whether any node added noise.
    public var noisy: Bool
    public var features: [Feature]

    /// Combines node summaries; they must share bins and time range.
    public static func combine(_ summaries: [NodeSummary]) throws(FederationError) -> FederatedSummary {
        guard let first = summaries.first else {
            throw FederationError(.incompatibleSummaries, "no node summary to combine")
        }
        for summary in summaries where summary.binning != first.binning || summary.range != first.range {
            throw FederationError(
                .incompatibleSummaries,
                key: summary.node,
                "summarised other bins or another time range than \(first.node)"
            )
        }
        var features: [String: Feature] = [:]
        for summary in summaries.sorted(by: { $0.node < $1.node }) {
            for release in summary.features {
                var feature =
                    features[release.featureID]
                    ?? Feature(
                        featureID: release.featureID,
                        nodes: [],
                        count: 0,
                        errors: Count(value: 0, complete: true),
                        interpretations: [:],
                        unscored: Count(value: 0, complete: true),
                        histogram: Array(repeating: Count(value: 0, complete: true), count: first.binning.cellCount),
                        moments: Moments(),
                        momentsComplete: true
                    )
                feature.nodes.append(summary.node)
                feature.count += release.count
                feature.errors.add(release.errors)
                for (name, share) in release.interpretations {
                    feature.interpretations[name, default: Count(value: 0, complete: true)].add(share)
                }
                feature.unscored.add(release.unscored)
                for cell in feature.histogram.indices {
                    feature.histogram[cell].add(cell < release.histogram.count ? release.histogram[cell] : nil)
                }
                if let moments = release.moments {
                    feature.moments = feature.moments.merged(with: moments)
                } else {
                    feature.momentsComplete = false
                }
                features[release.featureID] = feature
            }
        }
        return FederatedSummary(
            nodes: summaries.map(\.node).sorted(),
            range: first.range,
            binning: first.binning,
            noisy: summaries.contains { $0.policy.noiseEpsilon != nil },
            features: features.values.sorted { $0.featureID < $1.featureID }
        )
    }

    // MARK: - JSON

    /// The form `federation summary --json` prints: every count as `{"value", "complete"}`.
    public var json: JSONValue {
        func count(_ count: Count) -> JSONValue {
            .object(
                JSONObject([
                    (key: "value", value: .number(.integer(count.value))),
                    (key: "complete", value: .bool(count.complete)),
                ])
            )
        }
        let features = self.features.map { feature -> JSONValue in
            var moments = JSONObject()
            moments.append("n", .number(.integer(feature.moments.count)))
            moments.append("mean", feature.moments.count > 0 ? .number(.decimal(feature.moments.mean)) : .null)
            moments.append("variance", feature.moments.variance.map { .number(.decimal($0)) } ?? .null)
            moments.append("complete", .bool(feature.momentsComplete))
            return .object(
                JSONObject([
                    (key: "featureId", value: .string(feature.featureID)),
                    (key: "nodes", value: .array(feature.nodes.map(JSONValue.string))),
                    (key: "count", value: .number(.integer(feature.count))),
                    (key: "errors", value: count(feature.errors)),
                    (
                        key: "interpretations",
                        value: .object(
                            JSONObject(
                                feature.interpretations.sorted { $0.key < $1.key }.map { ($0.key, count($0.value)) }
                            )
                        )
                    ),
                    (key: "unscored", value: count(feature.unscored)),
                    (
                        key: "histogram",
                        value: .array(
                            feature.histogram.enumerated().map { cell, value in
                                .object(
                                    JSONObject([
                                        (key: "bin", value: .string(self.binning.label(ofCell: cell))),
                                        (key: "value", value: .number(.integer(value.value))),
                                        (key: "complete", value: .bool(value.complete)),
                                    ])
                                )
                            }
                        )
                    ),
                    (key: "moments", value: .object(moments)),
                ])
            )
        }
        return .object(
            JSONObject([
                (key: "nodes", value: .array(self.nodes.map(JSONValue.string))),
                (key: "range", value: self.range.json),
                (key: "noisy", value: .bool(self.noisy)),
                (key: "features", value: .array(features)),
            ])
        )
    }
}

extension FederatedSummary {
    /// Whether this summary equals statistics computed on the pooled results: every count equal and complete,
    /// means and variances equal within `tolerance` (relative) — they are merged in another order.
    public func matches(_ pooled: [FeatureStatistics], tolerance: Double = 1e-9) -> Bool {
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) <= tolerance * max(1, abs(a), abs(b))
        }
        guard self.features.count == pooled.count else { return false }
        return zip(self.features, pooled).allSatisfy { feature, expected in
            feature.featureID == expected.featureID && feature.count == expected.count
                && feature.errors == Count(value: expected.errors, complete: true)
                && feature.unscored == Count(value: expected.unscored, complete: true)
                && feature.interpretations == expected.interpretations.mapValues { Count(value: $0, complete: true) }
                && feature.histogram == expected.histogram.map { Count(value: $0, complete: true) }
                && feature.momentsComplete && feature.moments.count == expected.moments.count
                && close(feature.moments.mean, expected.moments.mean)
                && close(feature.moments.variance, expected.moments.variance)
        }
    }
}
