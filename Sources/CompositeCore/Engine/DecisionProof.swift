/// What a decided composite leaves on the service's state topic, so that a later process recognises its messages
/// when they come back (semantics guarantee 5): the composite, the tasks it claimed, their resultIds, and its own
/// resultId. Kept unacknowledged for the proof retention, then released.
public struct DecisionProof: Sendable, Hashable {
    public var tenant: String
    public var occurrence: OccurrenceID
    public var resultId: String
    public var claimed: [OccurrenceID]
    /// The resultIds the claimed tasks completed with, so that their scores are recognised too.
    public var componentResults: [String]
    /// Event time of the decision (the tasks watermark then); the retention counts from here.
    public var decidedAt: Timestamp

    public init(
        tenant: String,
        occurrence: OccurrenceID,
        resultId: String,
        claimed: [OccurrenceID],
        componentResults: [String],
        decidedAt: Timestamp
    ) {
        self.tenant = tenant
        self.occurrence = occurrence
        self.resultId = resultId
        self.claimed = claimed
        self.componentResults = componentResults
        self.decidedAt = decidedAt
    }

    /// The `kind` member that marks a proof among the state topic's messages.
    static let kind = "decision-proof"

    /// `{"kind":"decision-proof","version":1,"tenant":…,"occurrence":…,"resultId":…,"claimed":[…],"results":[…],
    /// "decidedAt":<ms>}`: compact, and readable with any JSON tool.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("kind", .string(Self.kind)),
                ("version", .number(.integer(1))),
                ("tenant", .string(self.tenant)),
                ("occurrence", self.occurrence.json),
                ("resultId", .string(self.resultId)),
                ("claimed", .array(self.claimed.map(\.json))),
                ("results", .array(self.componentResults.map { .string($0) })),
                ("decidedAt", .number(.integer(Int(self.decidedAt.millisecondsSinceEpoch)))),
            ])
        )
    }

    /// Reads a proof; `nil` when `json` is not one (another kind of state message, or a damaged one).
    public init?(json: JSONValue) {
        guard json["kind"]?.stringValue == Self.kind, let tenant = json["tenant"]?.stringValue,
            let occurrence = json["occurrence"].flatMap(OccurrenceID.init(json:)),
            let resultId = json["resultId"]?.stringValue,
            case .array(let claimed) = json["claimed"], case .array(let results) = json["results"],
            case .number(let decidedAt) = json["decidedAt"], let milliseconds = decidedAt.exactInteger
        else { return nil }
        let claimedIDs = claimed.compactMap(OccurrenceID.init(json:))
        let resultIds = results.compactMap(\.stringValue)
        guard claimedIDs.count == claimed.count, resultIds.count == results.count else { return nil }
        self.init(
            tenant: tenant,
            occurrence: occurrence,
            resultId: resultId,
            claimed: claimedIDs,
            componentResults: resultIds,
            decidedAt: Timestamp(millisecondsSinceEpoch: Int64(milliseconds))
        )
    }
}
