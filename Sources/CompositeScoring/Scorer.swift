public import CompositeCore

/// A composite scorer loaded from one scorer file (format `composite-scorer/1`).
///
/// Build one with ``compile(source:fileName:)``; the module never reads files itself. Scoring is pure: no I/O, no
/// clock, and it always terminates.
public struct Scorer: CompositeScorer {
    /// The composite `featureId` this scorer handles (for example `IMWGFrailty`).
    public let featureId: String
    /// Id and version from the file, and the `sha256:` hash of the file's text.
    public let identity: ScorerIdentity
    /// The composite's human-readable name.
    public let name: String
    /// The literature reference the scoring follows.
    public let reference: String
    /// The file name as given to ``compile(source:fileName:)``.
    public let fileName: String
    /// The inputs, in declaration order.
    public let inputs: [ScorerInput]

    let program: ScoringProgram
    /// Where `featureId` is written, so the registry can point at it when two files claim the same composite.
    let featureIdLine: Int?

    init(
        featureId: String,
        identity: ScorerIdentity,
        name: String,
        reference: String,
        fileName: String,
        inputs: [ScorerInput],
        program: ScoringProgram,
        featureIdLine: Int?
    ) {
        self.featureId = featureId
        self.identity = identity
        self.name = name
        self.reference = reference
        self.fileName = fileName
        self.inputs = inputs
        self.program = program
        self.featureIdLine = featureIdLine
    }

    /// Component features read by the inputs, in declaration order, without repeats.
    public var requiredFeatures: [String] {
        self.inputs.compactMap { input in
            if case .feature(let name) = input.source { return name }
            return nil
        }.uniqued()
    }

    /// Patient attributes read by the inputs, in declaration order, without repeats.
    public var requiredAttributes: [String] {
        self.inputs.compactMap { input in
            if case .attribute(let name) = input.source { return name }
            return nil
        }.uniqued()
    }

    /// Scores one composite.
    ///
    /// Inputs are checked in declaration order; the first that is missing, null, not a whole number where one is
    /// required, or out of range gives ``ScorerVerdict/rejected(reason:)`` naming it. A missing item is never
    /// taken as 0.
    ///
    /// - Parameters:
    ///   - features: the score of each required component feature; `nil` means the component's score was null.
    ///   - attributes: the patient attributes that could be found.
    /// - Returns: the score with its interpretation label, or a one-sentence reason why there is none.
    public func score(features: [String: NumericValue?], attributes: [String: NumericValue]) -> ScorerVerdict {
        var values: [NumericValue] = []
        values.reserveCapacity(self.inputs.count)
        do throws(ScoringRejection) {
            for input in self.inputs {
                values.append(try input.read(features: features, attributes: attributes))
            }
            let result = try self.program.run(inputs: values)
            return .scored(score: result.score, interpretation: result.interpretation)
        } catch {
            return .rejected(reason: error.reason)
        }
    }

    /// Reads a scorer file's text, validates every part of it and runs its worked examples.
    ///
    /// - Parameters:
    ///   - source: the file's text; its UTF-8 bytes are what the content hash covers.
    ///   - fileName: the name used in errors and kept in ``fileName``, for example `imwg-frailty.yaml`.
    /// - Throws: ``ScorerLoadError`` naming the file, line and field of the first problem found. A file larger than
    ///   ``maximumSourceSize``, or holding YAML anchors or aliases, is refused before it is read as YAML.
    public static func compile(source: String, fileName: String) throws(ScorerLoadError) -> Scorer {
        try ScorerCompiler(source: source, fileName: fileName).compile()
    }

    /// The largest scorer file compiled, in UTF-8 bytes: real ones are a few KiB.
    public static let maximumSourceSize = 256 * 1024
}

extension Array where Element: Hashable {
    /// The elements in order, each kept at its first occurrence.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return self.filter { seen.insert($0).inserted }
    }
}
