import CompositeCore

/// What a node reveals about one featureId: ``FeatureStatistics`` after small-cell suppression and optional noise.
/// A `nil` count is a suppressed cell.
public struct FeatureRelease: Sendable, Hashable {
    public var featureID: String
    /// Every result (noisy when noise is on). Never suppressed: a feature below the threshold is withheld whole.
    public var count: Int
    /// Error results (null interpretation).
    public var errors: Int?
    /// Results per interpretation that occurs at the node.
    public var interpretations: [String: Int?]
    /// Results without a score.
    public var unscored: Int?
    /// Scored results per histogram cell.
    public var histogram: [Int?]
    /// Mean and variance; `nil` when withheld (see ``ReleasePolicy``).
    public var moments: Moments?

    /// The largest count a received release may carry. Counts from other nodes are added up by the aggregator; a
    /// trillion results per node is beyond any real deployment, and keeps the sum of a million nodes' counts far
    /// from `Int` overflow.
    static let maximumCount = 1_000_000_000_000

    public init(
        featureID: String,
        count: Int,
        errors: Int?,
        interpretations: [String: Int?],
        unscored: Int?,
        histogram: [Int?],
        moments: Moments?
    ) {
        self.featureID = featureID
        self.count = count
        self.errors = errors
        self.interpretations = interpretations
        self.unscored = unscored
        self.histogram = histogram
        self.moments = moments
    }

    var json: JSONValue {
        func cell(_ value: Int?) -> JSONValue { value.map { .number(.integer($0)) } ?? .null }
        return .object(
            JSONObject([
                (key: "featureId", value: .string(self.featureID)),
                (key: "count", value: .number(.integer(self.count))),
                (key: "errors", value: cell(self.errors)),
                (
                    key: "interpretations",
                    value: .object(
                        JSONObject(self.interpretations.sorted { $0.key < $1.key }.map { ($0.key, cell($0.value)) })
                    )
                ),
                (key: "unscored", value: cell(self.unscored)),
                (key: "histogram", value: .array(self.histogram.map(cell))),
                (key: "moments", value: self.moments?.json ?? .null),
            ])
        )
    }

    init(json: JSONValue) throws(FederationError) {
        func cell(_ value: JSONValue?, _ name: String) throws(FederationError) -> Int? {
            switch value {
            case .null?: return nil
            case .number(let number)?:
                guard let count = number.exactInteger, (0...Self.maximumCount).contains(count) else {
                    throw FederationError(.invalidPayload, key: name, "expected a count from 0 to 10^12 or null")
                }
                return count
            default: throw FederationError(.invalidPayload, key: name, "expected a count or null")
            }
        }
        guard let featureID = json["featureId"]?.stringValue, let count = try cell(json["count"], "count"),
            let interpretations = json["interpretations"]?.objectValue, case .array(let cells)? = json["histogram"]
        else { throw FederationError(.invalidPayload, key: "features", "expected featureId, count, cells") }
        var byInterpretation: [String: Int?] = [:]
        for member in interpretations.members {
            byInterpretation[member.key] = .some(try cell(member.value, "interpretations.\(member.key)"))
        }
        var histogram: [Int?] = []
        for value in cells { histogram.append(try cell(value, "histogram")) }
        let moments = json["moments"]
        self.init(
            featureID: featureID,
            count: count,
            errors: try cell(json["errors"], "errors"),
            interpretations: byInterpretation,
            unscored: try cell(json["unscored"], "unscored"),
            histogram: histogram,
            moments: moments == nil || moments == .null ? nil : try Moments(json: moments!)
        )
    }
}
