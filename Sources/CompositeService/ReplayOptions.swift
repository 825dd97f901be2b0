public import CompositeCore

/// What `composite-service replay` was asked to do (contract `replay.md`).
public struct ReplayOptions: Sendable {
    public var fixtures: [String]
    public var patients: String?
    /// Default: `./composites`.
    public var composites: String = "composites"
    public var interleaveSeed: UInt64?
    public var restartEvery: Int?
    public var duplicateEvery: Int?
    /// At every restart, the broker forgets every Nth acknowledgement recorded so far (needs ``restartEvery``).
    public var forgetEvery: Int?
    /// `--now`: the wall clock the far-future check compares publish times with; `nil` checks nothing.
    public var now: Timestamp?
    /// The allowed clock skew for that check. Default: 300 s, as the service's `MAX_CLOCK_SKEW_SECONDS`.
    public var maximumClockSkew: Int64 = 300_000
    public var engine = EngineConfiguration()

    public init(fixtures: [String]) {
        self.fixtures = fixtures
    }
}

/// One message the service published during a replay, in the replay output's line format.
public enum ReplayRecord: Sendable, Hashable {
    case result(topic: String, message: JSONValue)
    case deadLetter(topic: String, reason: String, raw: String)

    /// `{"topic": …, "message": …}` or `{"topic": …, "reason": …, "raw": …}`.
    public var json: JSONValue {
        switch self {
        case .result(let topic, let message):
            return .object(JSONObject([(key: "topic", value: .string(topic)), (key: "message", value: message)]))
        case .deadLetter(let topic, let reason, let raw):
            return .object(
                JSONObject([
                    (key: "topic", value: .string(topic)), (key: "reason", value: .string(reason)),
                    (key: "raw", value: .string(raw)),
                ])
            )
        }
    }
}

/// The outcome of a replay.
public struct ReplayReport: Sendable {
    public var records: [ReplayRecord]
    public var messagesRead: Int
    public var results: Int
    public var errorResults: Int
    public var deadLetters: Int
    public var pendingComposites: Int
    public var unacknowledged: Int
    public var restarts: Int
    /// Held messages carried forward to a state topic (copies stored, counting copies of copies).
    public var messagesCarried = 0

    /// The one-line summary printed on stderr.
    public var summary: String {
        "replay: \(self.messagesRead) messages read, \(self.results + self.errorResults) results "
            + "(\(self.errorResults) errors), \(self.deadLetters) dead letters, "
            + "\(self.pendingComposites) composites pending, \(self.unacknowledged) messages unacknowledged"
            + (self.restarts > 0 ? ", \(self.restarts) restarts" : "")
            + (self.messagesCarried > 0 ? ", \(self.messagesCarried) carried" : "")
    }
}
