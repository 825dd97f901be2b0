/// The set of valid scorers, one per composite feature, and the errors of the files that were refused.
public struct ScorerRegistry: Sendable {
    private let byFeature: [String: Scorer]

    /// An empty registry.
    public init() {
        self.byFeature = [:]
    }

    private init(byFeature: [String: Scorer]) {
        self.byFeature = byFeature
    }

    /// Compiles every file, in order of file name, keeping those that compile.
    ///
    /// A file that fails is refused with its error and the others are kept, so one bad file never takes the service
    /// down. When two files score the same `featureId`, the first by file name wins and the later one is refused with
    /// an error naming both files.
    ///
    /// - Parameter files: each file's name (used in errors) and text.
    /// - Returns: the registry of valid scorers, and one error per refused file, in file-name order.
    public static func load(
        _ files: [(fileName: String, source: String)]
    ) -> (registry: ScorerRegistry, errors: [ScorerLoadError]) {
        var byFeature: [String: Scorer] = [:]
        var errors: [ScorerLoadError] = []
        for file in files.sorted(by: { $0.fileName < $1.fileName }) {
            do throws(ScorerLoadError) {
                let scorer = try Scorer.compile(source: file.source, fileName: file.fileName)
                if let existing = byFeature[scorer.featureId] {
                    errors.append(
                        ScorerLoadError(
                            file: scorer.fileName,
                            line: scorer.featureIdLine,
                            field: "featureId",
                            message: "\(scorer.featureId) is already scored by \(existing.fileName); "
                                + "only the first file by name is used, so \(scorer.fileName) is refused"
                        )
                    )
                } else {
                    byFeature[scorer.featureId] = scorer
                }
            } catch {
                errors.append(error)
            }
        }
        return (ScorerRegistry(byFeature: byFeature), errors)
    }

    /// The valid scorers, sorted by `featureId`.
    public var scorers: [Scorer] {
        self.byFeature.values.sorted { $0.featureId < $1.featureId }
    }

    /// The scorer of a composite feature, if one was loaded.
    public func scorer(forFeature featureId: String) -> Scorer? {
        self.byFeature[featureId]
    }

    /// Every feature some scorer needs as a component: the features the engine must treat as component-capable.
    public var componentFeatures: Set<String> {
        Set(self.byFeature.values.flatMap(\.requiredFeatures))
    }
}
