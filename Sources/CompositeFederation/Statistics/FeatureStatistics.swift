/// The exact statistics of one featureId's composite results at one place (a node, or pooled data). Never leaves a
/// node as it is: ``ReleasePolicy`` turns it into a ``FeatureRelease``.
public struct FeatureStatistics: Sendable, Hashable {
    public var featureID: String
    /// Every result.
    public var count = 0
    /// Results with a null interpretation: the error results.
    public var errors = 0
    /// Results per (non-null) interpretation.
    public var interpretations: [String: Int] = [:]
    /// Results with a null score.
    public var unscored = 0
    /// Scored results per histogram cell (see ``ScoreBinning/cell(for:)``).
    public var histogram: [Int]
    /// Mean and variance of the scores.
    public var moments = Moments()

    public init(featureID: String, binning: ScoreBinning) {
        self.featureID = featureID
        self.histogram = Array(repeating: 0, count: binning.cellCount)
    }

    /// Adds one result.
    public mutating func add(_ record: CompositeResultRecord, binning: ScoreBinning) {
        self.count += 1
        if let interpretation = record.interpretation {
            self.interpretations[interpretation, default: 0] += 1
        } else {
            self.errors += 1
        }
        if let score = record.score, score.isFinite {
            self.histogram[binning.cell(for: score)] += 1
            self.moments.add(score)
        } else {
            self.unscored += 1
        }
    }

    /// Statistics per featureId of `records`, sorted by featureId.
    public static func compute(_ records: [CompositeResultRecord], binning: ScoreBinning) -> [FeatureStatistics] {
        var byFeature: [String: FeatureStatistics] = [:]
        for record in records {
            byFeature[record.featureID, default: FeatureStatistics(featureID: record.featureID, binning: binning)]
                .add(record, binning: binning)
        }
        return byFeature.values.sorted { $0.featureID < $1.featureID }
    }
}
