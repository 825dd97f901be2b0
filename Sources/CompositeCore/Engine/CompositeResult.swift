/// A decided composite, as published in a `CompositeScoreGenerated` message.
public struct CompositeResult: Sendable, Hashable {
    public struct ComponentUsed: Sendable, Hashable {
        public var featureId: String
        public var occurrence: OccurrenceID
        /// `nil` when the task was not completed (in time).
        public var resultId: String?
        public var score: NumericValue?
    }

    public var tenant: String
    public var resultId: String
    public var occurrence: OccurrenceID
    public var patientId: String
    public var projectId: String?
    public var featureId: String
    public var score: NumericValue?
    public var interpretation: String?
    /// `nil` on success; one sentence naming the cause on failure.
    public var error: String?
    public var scorer: ScorerIdentity?
    public var components: [ComponentUsed]
    public var attributes: [(name: String, value: NumericValue)]
    /// Set when the age came from a birth date known only to the month or year.
    public var birthDatePrecision: BirthDatePrecision? = nil

    public static func == (lhs: CompositeResult, rhs: CompositeResult) -> Bool {
        lhs.json == rhs.json
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.json)
    }

    /// The message, with a fixed key order so the same result always has the same bytes.
    public var json: JSONValue {
        var data = JSONObject()
        data.append("resultId", .string(self.resultId))
        data.append("occurrenceId", self.occurrence.json)
        data.append("patientId", .string(self.patientId))
        data.append("projectId", self.projectId.map(JSONValue.string) ?? .null)
        data.append("featureId", .string(self.featureId))
        data.append("score", self.score.map(JSONValue.number) ?? .null)
        data.append("interpretation", self.interpretation.map(JSONValue.string) ?? .null)
        data.append("error", self.error.map(JSONValue.string) ?? .null)
        if let scorer = self.scorer {
            data.append(
                "scorer",
                .object(
                    JSONObject([
                        (key: "id", value: .string(scorer.id)),
                        (key: "version", value: .string(scorer.version)),
                        (key: "contentHash", value: .string(scorer.contentHash)),
                    ])
                )
            )
        }
        if !self.components.isEmpty {
            data.append(
                "components",
                .array(
                    self.components.map { component in
                        .object(
                            JSONObject([
                                (key: "featureId", value: .string(component.featureId)),
                                (key: "occurrenceId", value: component.occurrence.json),
                                (key: "resultId", value: component.resultId.map(JSONValue.string) ?? .null),
                                (key: "score", value: component.score.map(JSONValue.number) ?? .null),
                            ])
                        )
                    }
                )
            )
        }
        if !self.attributes.isEmpty {
            data.append(
                "attributes",
                .object(JSONObject(self.attributes.map { (key: $0.name, value: .number($0.value)) }))
            )
        }
        if let precision = self.birthDatePrecision {
            data.append("birthDatePrecision", .string(precision.rawValue))
        }
        return .object(
            JSONObject([
                (key: "name", value: .string("CompositeScoreGenerated")),
                (key: "version", value: .string("v2")),
                (key: "tenant", value: .string(self.tenant)),
                (key: "data", value: .object(data)),
            ])
        )
    }
}
