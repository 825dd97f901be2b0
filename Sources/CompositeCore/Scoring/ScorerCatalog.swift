/// The scorers the engine matches against, by composite featureId.
public struct ScorerCatalog: Sendable {
    private var byFeature: [String: any CompositeScorer]
    /// Every component feature some scorer needs: the featureIds that make a task a candidate.
    public private(set) var componentFeatures: Set<String>

    /// - Parameter scorers: one scorer per featureId; for a repeated featureId the first wins.
    public init(_ scorers: [any CompositeScorer] = []) {
        var byFeature: [String: any CompositeScorer] = [:]
        for scorer in scorers where byFeature[scorer.featureId] == nil {
            byFeature[scorer.featureId] = scorer
        }
        self.byFeature = byFeature
        self.componentFeatures = Set(byFeature.values.flatMap(\.requiredFeatures))
    }

    public func scorer(for featureId: String) -> (any CompositeScorer)? {
        self.byFeature[featureId]
    }

    public var featureIds: [String] { self.byFeature.keys.sorted() }
}
