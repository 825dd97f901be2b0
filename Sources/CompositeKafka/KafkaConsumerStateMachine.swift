/// The decisions of a ``KafkaConsumer`` over its group members, as a value: which member polls next, when the engine
/// must be rebuilt after a rebalance and which members then start again, when acknowledgements are committed, and
/// whether the consumer is closed. It performs no I/O; the consumer carries out what it returns on its queue.
struct KafkaConsumerStateMachine {
    /// What to do when a member's poll changed its assignment.
    enum AssignmentReaction: Equatable {
        /// Throw ``BrokerError/Code/assignmentChanged``: the engine is rebuilt. `rewindMember` when only the changed
        /// member starts again now (no member had delivered anything to the engine); otherwise every member starts
        /// again, acknowledged messages included, on the next receive.
        case rebuildEngine(rewindMember: Bool)
        /// Nothing of this member reached the engine: only it starts again at its committed offsets, and the engine
        /// keeps what it built from the other members.
        case rewindMemberOnly
    }

    let memberCount: Int
    let commitInterval: Duration
    /// Set when the engine must be rebuilt from every member: the next receive rewinds them all, with replay.
    private(set) var rewindPending = false
    /// The members that delivered a message to the current engine.
    private(set) var delivered: Set<Int> = []
    private(set) var isClosed = false
    private var next = 0
    private var lastCommit: ContinuousClock.Instant

    init(memberCount: Int, commitInterval: Duration, now: ContinuousClock.Instant) {
        self.memberCount = memberCount
        self.commitInterval = commitInterval
        self.lastCommit = now
    }

    /// A receive starts: whether every member must be rewound for a rebuilt engine first (the flag is taken). `nil`
    /// when the consumer is closed.
    mutating func receiveStarted() -> Bool? {
        guard !self.isClosed else { return nil }
        defer { self.rewindPending = false }
        return self.rewindPending
    }

    /// The member to poll first in this round; the next round starts with the one after it.
    mutating func firstMember() -> Int {
        defer { self.next = (self.next + 1) % self.memberCount }
        return self.next
    }

    /// Member `index` handed the engine a message.
    mutating func memberDelivered(_ index: Int) {
        self.delivered.insert(index)
    }

    /// Member `index`'s poll changed its assignment; `gained` when it has partitions now. The engine holds messages
    /// of that member, or the member gained partitions (the previous owner may have published proofs and carried
    /// messages after this engine's read marker): the engine is rebuilt, and every member read again for it unless
    /// none delivered anything yet.
    mutating func assignmentChanged(member index: Int, gained: Bool) -> AssignmentReaction {
        guard self.delivered.contains(index) || gained else { return .rewindMemberOnly }
        let replayAll = !self.delivered.isEmpty
        self.delivered = []
        self.rewindPending = replayAll
        return .rebuildEngine(rewindMember: !replayAll)
    }

    /// Whether acknowledgements are due for a commit (at most every ``commitInterval``); marks them committed.
    mutating func commitDue(at now: ContinuousClock.Instant) -> Bool {
        guard now - self.lastCommit >= self.commitInterval else { return false }
        self.lastCommit = now
        return true
    }

    /// Whether redeliveries may still be outstanding (a rewind not carried out yet), or the consumer is closed:
    /// either way no topic counts as caught up.
    var mayBeCaughtUp: Bool { !self.rewindPending && !self.isClosed }

    /// Closes; returns whether this was the first close (the members are closed once).
    mutating func close() -> Bool {
        defer { self.isClosed = true }
        return !self.isClosed
    }
}
