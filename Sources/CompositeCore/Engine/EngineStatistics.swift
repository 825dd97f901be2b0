/// Gauges of the engine's state.
public struct EngineStatistics: Sendable, Hashable {
    public var pendingComposites: Int
    /// Messages held because a pending composite needs them.
    public var messagesHeldByComposites: Int
    /// Unclaimed candidate tasks and unlinked scores, released when a watermark passes.
    public var messagesWaitingOnWatermark: Int
    /// Dead letters whose publication is not yet confirmed.
    public var messagesAwaitingPublication: Int
    /// Everything received and not acknowledged: the sum of the three above and the proofs and checkpoints held.
    public var unacknowledgedMessages: Int
    /// Creation time of the oldest pending composite.
    public var oldestPendingSince: Timestamp?
    /// Decision proofs kept on the state topics (retention not yet passed).
    public var proofsHeld = 0
    /// Watermark checkpoints kept on the state topics (the latest of each tenant, and any read back and not yet
    /// superseded).
    public var checkpointsHeld = 0
    /// Carried copies on the state topics that stand for held messages.
    public var carriedMessagesHeld = 0
    /// Messages held on each input topic (by its name as the broker reports it): an upper bound on the
    /// acknowledgement holes the service leaves there. Topics that hold nothing are left out.
    public var heldPerInputTopic: [String: Int] = [:]
}

/// Monotonic counts since the engine started.
public struct EngineCounters: Sendable, Hashable {
    public var messagesReceived = 0
    public var redeliveriesIgnored = 0
    public var results = 0
    public var errorResults = 0
    public var deadLetters = 0
    public var acknowledged = 0
    /// Composites settled because their result from an earlier run was read back after a restart.
    public var settledByEarlierResult = 0
    /// Returning messages of composites known to be decided from their proofs, acknowledged at once.
    public var provenMessagesAcknowledged = 0
    /// Proofs read after another composite had claimed one of their tasks (the state topic was not read first).
    public var proofsReadLate = 0
    /// Checkpoint parts (one input topic's watermark) read back after a restart and applied.
    public var checkpointsApplied = 0
    /// Held messages carried forward to a state topic (each confirmed copy counts).
    public var messagesCarried = 0
    /// Carried copies read back standing for a message not otherwise held (after a restart).
    public var carriedMessagesRead = 0
}

/// One pending composite and what it is waiting for.
public struct PendingCompositeSummary: Sendable, Hashable {
    public var tenant: String
    public var occurrence: OccurrenceID
    public var featureId: String
    public var patientId: String
    public var createdAt: Timestamp
    /// One phrase per missing piece, e.g. `Katz-ADL: no task claimed` or `waiting for the tasks watermark`.
    public var waitingFor: [String]
}
