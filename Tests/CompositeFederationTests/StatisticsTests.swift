import CompositeBroker
import CompositeCore
import CompositeFederation
import Foundation
import Testing

@Suite struct StatisticsTests {
    let binning = ScoreBinning()

    func record(_ index: Int, _ feature: String = "F", score: Double?, _ interpretation: String?)
        -> CompositeResultRecord
    {
        CompositeResultRecord(
            resultID: "r\(index)",
            featureID: feature,
            score: score,
            interpretation: interpretation,
            publishTime: Timestamp(millisecondsSinceEpoch: Int64(index))
        )
    }

    func release(_ records: [CompositeResultRecord], threshold: Int) -> FeatureRelease? {
        var generator = SplitMix64(seed: 1)
        let statistics = FeatureStatistics.compute(records, binning: self.binning)
        return ReleasePolicy(suppressionThreshold: threshold).release(statistics[0], using: &generator)
    }

    @Test func binsCoverEveryScore() {
        #expect(self.binning.cell(for: -0.5) == 0)
        #expect(self.binning.cell(for: 0) == 1)
        #expect(self.binning.cell(for: 2.99) == 3)
        #expect(self.binning.cell(for: 10.5) == 11)
        #expect(self.binning.cell(for: 11) == 12)
        #expect(self.binning.label(ofCell: 3) == "[2,3)" && self.binning.label(ofCell: 12) == ">=11")
    }

    @Test func smallCellsAreSuppressedWithTheirComplements() throws {
        // 20 results: 12 fit (score 1), 6 frail (score 4), 2 errors (no score).
        let records =
            (0..<12).map { self.record($0, score: 1, "fit") } + (12..<18).map { self.record($0, score: 4, "frail") }
            + (18..<20).map { self.record($0, score: nil, nil) }
        let release = try #require(self.release(records, threshold: 5))
        #expect(release.count == 20)
        // errors (2) is primary; it drags unscored (2) along; each partition then hides its smallest other cell.
        #expect(release.errors == nil && release.unscored == nil)
        let interpretations: [String: Int?] = ["fit": 12, "frail": nil]
        #expect(release.interpretations == interpretations)
        #expect(release.histogram[2] == 12 && release.histogram[5] == nil)
        #expect(release.moments == nil, "n would reveal the suppressed unscored count")
        // Nothing small can be recomputed: each partition hides at least two non-zero cells.
        #expect(release.interpretations.values.filter { $0 == nil }.count + 1 >= 2)
    }

    @Test func aFeatureBelowTheThresholdIsWithheldAndThresholdZeroPublishesEverything() throws {
        let few = (0..<4).map { self.record($0, score: 1, "fit") }
        #expect(self.release(few, threshold: 5) == nil)
        let all = try #require(self.release(few + [self.record(9, score: nil, nil)], threshold: 0))
        #expect(all.errors == 1 && all.unscored == 1 && all.moments?.count == 4)
    }

    @Test func aSingleSmallScoredGroupHidesTheUnscoredCount() throws {
        // 3 scored of 30: the moments' n (3) must not be published, nor unscored (27 = 30 − 3).
        let records =
            (0..<3).map { self.record($0, score: 2, "fit") } + (3..<30).map { self.record($0, score: nil, nil) }
        let release = try #require(self.release(records, threshold: 5))
        #expect(release.moments == nil && release.unscored == nil && release.histogram[3] == nil)
    }

    @Test func momentsMergeLikeThePooledComputation() {
        var generator = SplitMix64(seed: 7)
        let values = (0..<1_000).map { _ in Double(generator.next() % 10_000) / 100 + 1e6 }
        var pooled = Moments()
        values.forEach { pooled.add($0) }
        var parts = [Moments(), Moments(), Moments()]
        for (index, value) in values.enumerated() { parts[index % 3].add(value) }
        let merged = parts.reduce(Moments()) { $0.merged(with: $1) }
        #expect(merged.count == pooled.count)
        #expect(abs(merged.mean - pooled.mean) < 1e-6)
        #expect(abs(merged.variance! - pooled.variance!) / pooled.variance! < 1e-9)
    }

    /// The federated summary equals the pooled computation (suppression and noise off), over many random splits.
    @Test(arguments: [1, 2, 3, 42, 1_000, 65_537] as [UInt64])
    func combiningNodeSummariesEqualsThePooledSummary(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let nodes = ["a", "b", "c"]
        var pooled: [CompositeResultRecord] = []
        var summaries: [NodeSummary] = []
        for (offset, node) in nodes.enumerated() {
            let records = randomRecords(count: Int(generator.next() % 200), seed: seed &+ UInt64(offset), prefix: node)
            pooled += records
            summaries.append(
                NodeSummary.make(
                    node: node,
                    records: records,
                    range: TimeRange(),
                    binning: self.binning,
                    policy: ReleasePolicy(suppressionThreshold: 0),
                    using: &generator
                )
            )
        }
        // Through the wire format, as the aggregator receives them.
        let received = try summaries.map { try NodeSummary(json: JSONParser.parse(JSONWriter.encode($0.json))) }
        let combined = try FederatedSummary.combine(received)
        try expectEqual(combined, FeatureStatistics.compute(pooled, binning: self.binning))
    }

    @Test func receivedCountsBeyondATrillionAreRefusedSoTheSumCannotOverflow() throws {
        // A participant signs whatever counts it likes; the aggregator adds them up.
        func summary(_ node: String, count: Int = 1, cell: Int? = 1, n: Int = 1) throws -> NodeSummary {
            let release = FeatureRelease(
                featureID: "F",
                count: count,
                errors: 0,
                interpretations: ["fit": cell],
                unscored: 0,
                histogram: Array(repeating: cell, count: self.binning.cellCount),
                moments: Moments(count: n, mean: 1, m2: 0)
            )
            let sent = NodeSummary(
                node: node,
                range: TimeRange(),
                binning: self.binning,
                policy: ReleasePolicy(suppressionThreshold: 0),
                features: [release]
            )
            return try NodeSummary(json: JSONParser.parse(JSONWriter.encode(sent.json)))
        }
        for hostile in [Int.max, Int.max / 2 + 1, 1_000_000_000_001, -1] {
            #expect(throws: FederationError.self) { try summary("a", count: hostile) }
            #expect(throws: FederationError.self) { try summary("a", cell: hostile) }
            #expect(throws: FederationError.self) { try summary("a", n: hostile) }
        }
        let largest = 1_000_000_000_000
        let combined = try FederatedSummary.combine([
            try summary("a", count: largest, cell: largest, n: largest),
            try summary("b", count: largest, cell: largest, n: largest),
        ])
        #expect(combined.features.first?.count == 2 * largest)
        #expect(combined.features.first?.moments.count == 2 * largest)
    }

    @Test func theTimeRangeSelectsByPublishTimeAndRepublishedResultsCountOnce() {
        var generator = SplitMix64(seed: 1)
        let records = (0..<10).map { self.record($0, score: 1, "fit") } + [self.record(3, score: 1, "fit")]
        let range = TimeRange(from: Timestamp(millisecondsSinceEpoch: 2), to: Timestamp(millisecondsSinceEpoch: 8))
        let summary = NodeSummary.make(
            node: "a",
            records: records,
            range: range,
            binning: self.binning,
            policy: ReleasePolicy(suppressionThreshold: 0),
            using: &generator
        )
        #expect(summary.features.first?.count == 6)
    }

    @Test func combiningRefusesDifferentBinsAndMarksSuppressedSharesAsLowerBounds() throws {
        var generator = SplitMix64(seed: 1)
        let big = (0..<20).map { self.record($0, score: 1, "fit") }
        let mixed =
            (0..<10).map { self.record($0, score: 1, "fit") } + (10..<12).map { self.record($0, score: 3, "frail") }
        let policy = ReleasePolicy(suppressionThreshold: 5)
        let a = NodeSummary.make(
            node: "a",
            records: big,
            range: TimeRange(),
            binning: self.binning,
            policy: policy,
            using: &generator
        )
        let b = NodeSummary.make(
            node: "b",
            records: mixed,
            range: TimeRange(),
            binning: self.binning,
            policy: policy,
            using: &generator
        )
        let combined = try FederatedSummary.combine([a, b])
        let feature = try #require(combined.features.first)
        #expect(feature.count == 32)
        #expect(feature.interpretations["fit"] == FederatedSummary.Count(value: 20, complete: false))
        #expect(feature.interpretations["frail"] == FederatedSummary.Count(value: 0, complete: false))
        #expect(!feature.momentsComplete && feature.moments.count == 20)
        var other = b
        other.binning = ScoreBinning(lower: 0, width: 2, count: 5)
        #expect(throws: FederationError.self) { try FederatedSummary.combine([a, other]) }
    }

    @Test func noiseHasTheDocumentedScale() {
        let noise = ReleasePolicy(suppressionThreshold: 0, noiseEpsilon: 1).noise!
        #expect(abs(noise.alpha - exp(-1.0 / 3)) < 1e-12)
        var generator = SplitMix64(seed: 2_024)
        let samples = (0..<200_000).map { _ in Double(noise.sample(using: &generator)) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count - 1)
        // Variance 2α/(1−α)² ≈ 16.5 for ε = 1, Δ = 3; the tolerance is far above the sampling error (≈ 0.3%).
        #expect(abs(mean) < 0.05)
        #expect(abs(variance / noise.variance - 1) < 0.03, "variance \(variance), expected \(noise.variance)")
        // P(X = 0) = (1 − α)/(1 + α).
        let zeros = Double(samples.filter { $0 == 0 }.count) / Double(samples.count)
        #expect(abs(zeros - (1 - noise.alpha) / (1 + noise.alpha)) < 0.01)
    }

    @Test func noisyReleasesWithholdMomentsAndStayNonNegative() throws {
        var generator = SplitMix64(seed: 3)
        let statistics = FeatureStatistics.compute(
            (0..<50).map { self.record($0, score: 1, "fit") },
            binning: self.binning
        )
        let release = try #require(
            ReleasePolicy(suppressionThreshold: 0, noiseEpsilon: 0.5).release(statistics[0], using: &generator)
        )
        #expect(release.moments == nil)
        #expect(release.histogram.allSatisfy { ($0 ?? 0) >= 0 })
        #expect(release.count != 50 || release.histogram[2] != 50, "noise changed something")
    }
}

/// Checks a combined summary against statistics computed on the pooled records.
func expectEqual(_ combined: FederatedSummary, _ pooled: [FeatureStatistics]) throws {
    #expect(combined.features.map(\.featureID) == pooled.map(\.featureID))
    for (feature, expected) in zip(combined.features, pooled) {
        #expect(feature.count == expected.count)
        #expect(feature.errors == FederatedSummary.Count(value: expected.errors, complete: true))
        #expect(feature.unscored == FederatedSummary.Count(value: expected.unscored, complete: true))
        #expect(feature.interpretations.mapValues { $0.value } == expected.interpretations)
        #expect(feature.interpretations.values.allSatisfy { $0.complete })
        #expect(feature.histogram.map { $0.value } == expected.histogram)
        #expect(feature.momentsComplete && feature.moments.count == expected.moments.count)
        #expect(abs(feature.moments.mean - expected.moments.mean) < 1e-9)
        if let variance = expected.moments.variance {
            #expect(abs(try #require(feature.moments.variance) - variance) < 1e-9)
        }
    }
}

/// Over many random small data sets: no released cell is small, and no suppressed cell can be recomputed from a
/// partition's published cells and the total.
@Test(arguments: Array(UInt64(1)...40))
func suppressionLeavesNothingSmallToRecompute(seed: UInt64) {
    var generator = SplitMix64(seed: seed)
    let threshold = 5
    let records = randomRecords(count: 5 + Int(generator.next() % 60), seed: seed, prefix: "s")
    for statistics in FeatureStatistics.compute(records, binning: ScoreBinning()) {
        guard let release = ReleasePolicy(suppressionThreshold: threshold).release(statistics, using: &generator) else {
            #expect(statistics.count < threshold)
            continue
        }
        let names = statistics.interpretations.keys.sorted()
        let partitions: [(truth: [Int], published: [Int?])] = [
            (
                [statistics.errors] + names.map { statistics.interpretations[$0]! },
                [release.errors] + names.map { release.interpretations[$0]! }
            ),
            ([statistics.unscored] + statistics.histogram, [release.unscored] + release.histogram),
        ]
        for (truth, published) in partitions {
            #expect(zip(truth, published).allSatisfy { $1 == nil || $1 == $0 }, "published values are exact")
            #expect(published.allSatisfy { $0 == nil || $0! == 0 || $0! >= threshold }, "no small cell published")
            let hidden = zip(truth, published).filter { $1 == nil && $0 > 0 }.map(\.0)
            #expect(hidden.count != 1 || hidden[0] >= threshold, "a lone suppressed small cell would be recomputable")
        }
        if release.moments != nil {
            #expect(release.histogram.allSatisfy { $0 != nil } && release.unscored != nil)
            #expect(statistics.count - statistics.unscored >= threshold)
        }
    }
}
