/// A held message inside the engine: the topic interned to a slot index.
struct HeldRef: Hashable {
    var topic: Int32
    var id: MessageID
}

/// A task occurrence within one tenant stream.
struct OccurrenceKey: Hashable {
    var stream: Int32
    var occurrence: OccurrenceID
}

/// An experiment result id within one tenant stream.
struct ResultKey: Hashable {
    var stream: Int32
    var resultId: String
}

/// What a candidate and a composite must share for the candidate to be claimed.
struct MatchKey: Hashable {
    var stream: Int32
    var patientId: String
    var projectId: String?
    var featureId: String
}

/// One of the engine's topics, interned.
struct TopicSlot {
    var name: String
    /// The tenant stream of the topic; `nil` for a topic that is not a tenant topic (its messages are
    /// dead-lettered).
    var stream: Int32?
    var kind: TopicKind
    var topic: TenantTopic
    /// The tenant's state topic (proofs), not one of its event topics.
    var isState = false
}
