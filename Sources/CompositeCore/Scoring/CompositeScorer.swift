/// A number as the engine sees it: integers stay exact, everything else is a binary64 decimal.
///
/// Scores arrive as JSON numbers; a JSON number whose value is integral (`5` or `5.0`) is an ``integer(_:)``.
public enum NumericValue: Sendable, Hashable {
    case integer(Int)
    case decimal(Double)

    /// The value as a `Double`, for comparisons and arithmetic that need not be exact.
    public var doubleValue: Double {
        switch self {
        case .integer(let value): Double(value)
        case .decimal(let value): value
        }
    }

    /// The exact integer this value equals, or `nil` when it has a fractional part or does not fit an `Int`.
    public var exactInteger: Int? {
        switch self {
        case .integer(let value):
            return value
        case .decimal(let value):
            guard value.isFinite, value.rounded(.towardZero) == value,
                value >= -9_007_199_254_740_992, value <= 9_007_199_254_740_992
            else { return nil }
            return Int(value)
        }
    }
}

/// What identifies the scorer behind a published result, so the result can be reproduced later.
public struct ScorerIdentity: Sendable, Hashable {
    /// The scorer's own id from its manifest (for example `imwg-frailty`).
    public var id: String
    /// The scorer's version from its manifest.
    public var version: String
    /// `sha256:` followed by the lowercase hex SHA-256 of the scorer file's bytes.
    public var contentHash: String

    public init(id: String, version: String, contentHash: String) {
        self.id = id
        self.version = version
        self.contentHash = contentHash
    }
}

/// The outcome of scoring one composite.
public enum ScorerVerdict: Sendable, Equatable {
    /// The inputs were valid and produced a score.
    case scored(score: NumericValue, interpretation: String?)
    /// An input was missing, null, non-integer where an integer is required, or out of range.
    /// `reason` is one human-readable sentence naming the input and the cause; it becomes the result's `error`.
    case rejected(reason: String)
}

/// A loaded composite scorer: what the engine needs to match components and to score a decided composite.
///
/// Implementations are pure: `score` does no I/O, reads no clock and always terminates.
public protocol CompositeScorer: Sendable {
    /// The composite `featureId` this scorer handles (for example `IMWGFrailty`).
    var featureId: String { get }
    /// Id, version and content hash, published with every result.
    var identity: ScorerIdentity { get }
    /// Component features needed (for example `Katz-ADL`), in declaration order, without repeats.
    var requiredFeatures: [String] { get }
    /// Patient attributes needed (for example `age`), in declaration order, without repeats.
    var requiredAttributes: [String] { get }

    /// Scores one composite.
    ///
    /// - Parameters:
    ///   - features: the score of each required component feature; `nil` means the component's score was JSON `null`.
    ///     A feature absent from the dictionary is missing.
    ///   - attributes: the patient attributes that could be found; an absent key means unknown.
    func score(features: [String: NumericValue?], attributes: [String: NumericValue]) -> ScorerVerdict
}
