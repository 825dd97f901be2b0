/// The processor's clockwork: which periodic chores are due between batches. A value type with time as an input,
/// tested without I/O; the processor performs the chores it returns and reports the answers that change the
/// schedule (a retry that left lookups waiting, whether an idle topic was caught up).
struct ProcessorSchedule {
    /// A periodic chore of the processor's loop, in the order the loop performs them.
    enum Chore: Hashable {
        /// Retry the patient lookups that failed (an outage), with back-off.
        case retryLookups
        /// Ask whether a quiet topic is caught up; if so its watermark moves to the wall clock.
        case checkIdle(topic: String)
        /// Apply checkpoints read back for topics that are caught up (semantics guarantee 7).
        case applyCheckpoints
        /// Carry held messages past the carry age to the state topic.
        case carryHeldMessages
        /// Publish the watermark checkpoints that moved.
        case publishCheckpoints
        /// Update the gauges and `/pending` from the engine.
        case report
    }

    /// How often caught-up checkpoints and carrying are looked at.
    static let housekeepingPeriod = Duration.milliseconds(200)
    /// How often the gauges are updated.
    static let reportPeriod = Duration.seconds(1)
    /// The first pause before a lookup retry, and the longest.
    static let firstRetry = Duration.seconds(1)
    static let longestRetry = Duration.seconds(8)

    private var idle: IdleAdvance
    private let checkpointPeriod: Duration
    private var retryInterval = Self.firstRetry
    private var lastRetry: ContinuousClock.Instant
    private var lastHousekeeping: ContinuousClock.Instant
    private var lastCheckpoint: ContinuousClock.Instant
    private var lastReport: ContinuousClock.Instant

    init(
        topics: [String],
        idleInterval: Duration,
        checkpointPeriod: Duration,
        now: ContinuousClock.Instant
    ) {
        self.idle = IdleAdvance(topics: topics, interval: idleInterval, now: now)
        self.checkpointPeriod = checkpointPeriod
        self.lastRetry = now
        self.lastHousekeeping = now
        self.lastCheckpoint = now
        self.lastReport = now
    }

    /// A message of `topic` was handed to the engine: the topic is not quiet.
    mutating func delivered(_ topic: String, at now: ContinuousClock.Instant) {
        self.idle.delivered(topic, at: now)
    }

    /// The chores due at `now`, in order; the periodic ones count as done once returned. Only lookup retries run
    /// before the state topics are read: the rest would act on an engine that does not know its proofs yet.
    ///
    /// - Parameters:
    ///   - lookupsWaiting: whether patient lookups wait for a retry.
    ///   - stateTopicsRead: whether the engine has read its state topics (the gate is open).
    mutating func due(at now: ContinuousClock.Instant, lookupsWaiting: Bool, stateTopicsRead: Bool) -> [Chore] {
        var chores: [Chore] = []
        if lookupsWaiting, now - self.lastRetry >= self.retryInterval { chores.append(.retryLookups) }
        if stateTopicsRead {
            chores += self.idle.topicsToCheck(at: now).map { .checkIdle(topic: $0) }
            if now - self.lastHousekeeping >= Self.housekeepingPeriod {
                self.lastHousekeeping = now
                chores += [.applyCheckpoints, .carryHeldMessages]
                if now - self.lastCheckpoint >= self.checkpointPeriod {
                    self.lastCheckpoint = now
                    chores.append(.publishCheckpoints)
                }
            }
        }
        if now - self.lastReport >= Self.reportPeriod {
            self.lastReport = now
            chores.append(.report)
        }
        return chores
    }

    /// A retry ended with `stillWaiting` lookups waiting: a probe of a directory that is down costs a query timeout
    /// in the loop, so the pause doubles while it fails (up to 8 s) and is back to 1 s once none waits.
    mutating func retried(stillWaiting: Int, at now: ContinuousClock.Instant) {
        self.lastRetry = now
        self.retryInterval = stillWaiting > 0 ? min(self.retryInterval * 2, Self.longestRetry) : Self.firstRetry
    }

    /// The answer for an idle `topic`. Returns whether its watermark may move to the wall clock now.
    mutating func idleChecked(_ topic: String, caughtUp: Bool, at now: ContinuousClock.Instant) -> Bool {
        self.idle.checked(topic, caughtUp: caughtUp, at: now)
    }
}
