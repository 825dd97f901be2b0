/// Tunables of the matching rules, all in event time.
public struct EngineConfiguration: Sendable, Hashable {
    /// How much earlier than its `TaskCompleted` a score may be published and still belong to it; an unlinked score
    /// is released once the tasks watermark is this far past its publish time. Default: 5 minutes.
    public var lateness: Int64 = 5 * 60 * 1_000
    /// How long an unclaimed candidate task stays claimable when it is neither completed nor expired.
    /// Default: 24 hours.
    public var claimWindow: Int64 = 24 * 60 * 60 * 1_000
    /// How long a decided composite is remembered, so that late copies of its messages are acknowledged instead of
    /// starting it again. Default: 24 hours.
    public var decidedRetention: Int64 = 24 * 60 * 60 * 1_000
    /// How long a decision proof is kept on the state topic (event time, counted from the decision), and with it
    /// the recognition of the decided composite's returning messages. Default: 180 days.
    public var proofRetention: Int64 = 180 * 24 * 60 * 60 * 1_000
    /// How long a message stays held on an input topic (or as a copy on a state topic) before it is carried forward
    /// to the state topic, measured on the caller's clock (replay: publish times). Input topics' retention only needs
    /// to exceed it. Default: 3 days, under Kafka's default retention of 7.
    public var carryAge: Int64 = 3 * 24 * 60 * 60 * 1_000
    /// How many messages an input topic may hold before its oldest are carried forward: an upper bound on the
    /// acknowledgement holes the service leaves on it. Default: 500, well under Pulsar's 10,000 persisted ranges and
    /// within Kafka's 4 KB of commit metadata.
    public var maxHeldPerTopic = 500
    /// The subscription name, used in dead-letter topic names. Default: `composite-service`.
    public var subscription: String = "composite-service"

    public init() {}

    public init(lateness: Int64, claimWindow: Int64, decidedRetention: Int64? = nil, subscription: String) {
        self.lateness = lateness
        self.claimWindow = claimWindow
        self.decidedRetention = decidedRetention ?? claimWindow
        self.subscription = subscription
    }
}
