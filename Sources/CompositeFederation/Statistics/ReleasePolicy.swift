/// What a node may reveal about its results: small-cell suppression, then optional noise.
///
/// The unit of privacy is one composite result. Per featureId the release has a total and two partitions of it:
/// **A** = errors + one cell per interpretation, and **B** = unscored + the histogram cells; each partition sums to
/// the total. With threshold `k`:
/// 1. A feature with fewer than `k` results is withheld entirely (it does not appear in the node's summary).
/// 2. Primary suppression: every cell with `0 < count < k` is suppressed.
/// 3. If `0 < scored < k` (scored = total − unscored, which the moments' `n` would reveal), `unscored` is suppressed.
/// 4. `errors` and `unscored` are suppressed together: error results usually are the unscored ones, so publishing
///    one would give away the other.
/// 5. Complementary suppression: in a partition with exactly one suppressed non-zero cell, the smallest published
///    non-zero cell is suppressed too, so no suppressed cell equals the total minus published cells.
/// Rules 3–5 repeat until nothing changes. The moments (n, mean, M2) are published only when no cell of B is
/// suppressed and `scored ≥ k`: with discrete scores, n, the sum and the sum of squares are equations that could
/// otherwise recover suppressed histogram cells. The total is always published, so what can be computed from a
/// release is at most the sum of two or more suppressed cells.
///
/// With ``noise`` set, every published count (the total and each unsuppressed cell) gets independent two-sided
/// geometric noise with sensitivity 3 (one result changes the total, one cell of A and one cell of B by one each),
/// so a feature's release is ε-differentially private given the suppression pattern; noisy counts are clamped at 0,
/// and the moments are withheld (a private mean would need clamped scores and a budget of its own). Suppression
/// decides on true counts, which is standard practice but not itself differentially private: for a formal
/// guarantee set the threshold to 0 and use noise alone.
public struct ReleasePolicy: Sendable, Hashable {
    /// Cells with fewer results are suppressed; 0 or 1 turns suppression off. Default: 5.
    public var suppressionThreshold: Int
    /// ε of the two-sided geometric noise per feature release; `nil` for exact counts. Default: `nil`.
    public var noiseEpsilon: Double?

    /// The L1 sensitivity of one feature's release (see the type's documentation).
    public static let sensitivity = 3.0

    public init(suppressionThreshold: Int = 5, noiseEpsilon: Double? = nil) {
        self.suppressionThreshold = suppressionThreshold
        self.noiseEpsilon = noiseEpsilon
    }

    /// The noise mechanism, when on.
    public var noise: CountNoise? {
        self.noiseEpsilon.map { CountNoise(epsilon: $0, sensitivity: Self.sensitivity) }
    }

    /// The release of `statistics`, or `nil` when the feature is withheld.
    public func release(
        _ statistics: FeatureStatistics,
        using generator: inout some RandomNumberGenerator
    ) -> FeatureRelease? {
        let k = self.suppressionThreshold
        guard statistics.count >= k else { return nil }
        let names = statistics.interpretations.keys.sorted()
        var partitionA = CellPartition(
            [statistics.errors] + names.map { statistics.interpretations[$0]! },
            threshold: k
        )
        var partitionB = CellPartition([statistics.unscored] + statistics.histogram, threshold: k)
        let scored = statistics.count - statistics.unscored
        var changed = true
        while changed {
            changed = false
            if scored > 0, scored < k { changed = partitionB.suppress(0) || changed }
            if partitionA.suppressed[0] { changed = partitionB.suppress(0) || changed }
            if partitionB.suppressed[0] { changed = partitionA.suppress(0) || changed }
            changed = partitionA.suppressComplement() || changed
            changed = partitionB.suppressComplement() || changed
        }
        let noise = self.noise
        func published(_ value: Int) -> Int {
            guard let noise else { return value }
            return max(0, value + noise.sample(using: &generator))
        }
        let cellsA = partitionA.published.map { $0.map(published) }
        let cellsB = partitionB.published.map { $0.map(published) }
        var interpretations: [String: Int?] = [:]
        for (offset, name) in names.enumerated() { interpretations[name] = .some(cellsA[offset + 1]) }
        let showMoments = noise == nil && !partitionB.suppressed.contains(true) && scored >= k
        return FeatureRelease(
            featureID: statistics.featureID,
            count: published(statistics.count),
            errors: cellsA[0],
            interpretations: interpretations,
            unscored: cellsB[0],
            histogram: Array(cellsB.dropFirst()),
            moments: showMoments ? statistics.moments : nil
        )
    }
}
