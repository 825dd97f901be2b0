/// The state of one consumer-group member, as a value: its assigned partitions with their individual
/// acknowledgements, what is still to commit, how far poll has read, and the rebalance flags. It performs no I/O:
/// ``KafkaGroupMember`` polls, assigns and commits with librdkafka as it says.
struct KafkaGroupMemberStateMachine {
    struct Partition: Hashable {
        var topic: String
        var partition: Int32
    }

    /// What to do with a message poll returned.
    enum PollVerdict: Equatable {
        /// Hand it to the engine.
        case deliver
        /// Drop it: acknowledged before (and not replaying), or on a partition no longer assigned.
        case skip
    }

    /// Start reading these partitions at these offsets (`rd_kafka_assign`); -2 is "from the beginning".
    struct Assignment: Equatable {
        var partitions: [Partition: Int64]
    }

    /// Acknowledgements per assigned partition; nil while a partition has no committed offset and delivered
    /// nothing yet (its first offset is unknown). Settable, like ``assignmentChanged``, for the tests that simulate
    /// a rebalance against the mock cluster.
    var partitions: [Partition: PartitionAcknowledgements?] = [:]
    /// Partitions with acknowledgements not committed yet.
    private(set) var dirty: Set<Partition> = []
    /// The assignment changed inside the last poll: the engine must drop its state.
    var assignmentChanged = false
    /// Why the assignment cannot be served (a topic with more than one partition).
    private(set) var unsupported: String?
    /// Set by a rewind for a rebuilt engine: offsets acknowledged in this process are delivered again instead of
    /// skipped. The fresh engine must read the same topic suffix the discarded one read, acknowledged messages
    /// included, or it never gets the watermark progress they carried (an acknowledged end-of-stream or unrelated
    /// message), and composites that wait for a watermark never decide. It stays set: later assignments read
    /// acknowledgements this process committed for an engine that no longer exists.
    private(set) var replaying = false
    /// Per assigned partition, the offset after the last message poll handled (delivered or skipped as
    /// acknowledged) since it was last assigned: how far this process has read, for the caught-up question.
    private(set) var position: [Partition: Int64] = [:]

    var hasAssignment: Bool { !self.partitions.isEmpty }

    // MARK: - Polling and acknowledgements

    /// Poll returned the message at `offset` of `partition`.
    mutating func polled(_ partition: Partition, offset: Int64) -> PollVerdict {
        guard let entry = self.partitions[partition] else { return .skip }  // not ours (any more)
        self.position[partition] = offset + 1
        guard let known = entry else {
            self.partitions[partition] = PartitionAcknowledgements(committed: offset)
            return .deliver
        }
        return !self.replaying && known.contains(offset) ? .skip : .deliver
    }

    /// Whether the last poll changed the assignment; clears the flag.
    mutating func takeAssignmentChange() -> Bool {
        defer { self.assignmentChanged = false }
        return self.assignmentChanged
    }

    /// Records acknowledgements of messages on this member's partitions; others are ignored (revoked meanwhile).
    mutating func acknowledge(_ offsets: [(topic: String, partition: Int32, offset: Int64)]) {
        for entry in offsets {
            let key = Partition(topic: entry.topic, partition: entry.partition)
            guard case .some(.some(var acknowledgements)) = self.partitions[key] else { continue }
            acknowledgements.acknowledge(entry.offset)
            self.partitions[key] = acknowledgements
            self.dirty.insert(key)
        }
    }

    /// The acknowledgements to commit now, of `only` (or every partition with new ones); they count as committed
    /// until ``commitFailed(_:)`` says otherwise.
    mutating func takeCommit(only: Set<Partition>? = nil) -> [(Partition, PartitionAcknowledgements)] {
        let chosen = only.map { self.dirty.intersection($0) } ?? self.dirty
        self.dirty.subtract(chosen)
        return chosen.compactMap { key in self.partitions[key].flatMap { $0 }.map { (key, $0) } }
    }

    /// A commit failed: its partitions are committed again with the next one.
    mutating func commitFailed(_ partitions: [Partition]) {
        self.dirty.formUnion(partitions)
    }

    // MARK: - Assignment

    /// Every still-assigned partition starts again at its committed offset (`replay`: the engine was rebuilt, so
    /// acknowledged offsets come back too from now on). `nil` for a member without partitions: it has nothing to
    /// rewind, and an assign while its own rebalance waits in the queue would be taken as the answer to it.
    mutating func rewind(replay: Bool) -> Assignment? {
        if replay { self.replaying = true }
        guard !self.partitions.isEmpty else { return nil }
        return self.assignment(of: self.partitions)
    }

    /// A rebalance assigned `partitions` with what their commits stored (nil: no committed offset).
    mutating func assigned(_ partitions: [Partition: PartitionAcknowledgements?]) -> Assignment {
        self.assignmentChanged = true
        if let extra = partitions.keys.first(where: { $0.partition != 0 }) {
            // More partitions would break topic order, which the engine's watermarks rely on.
            self.unsupported =
                "topic \(extra.topic) has more than one partition; composite-service needs one partition per tenant topic (docs/kafka.md)"
        }
        self.partitions = partitions
        return self.assignment(of: partitions)
    }

    /// A rebalance revokes `revoked`: their acknowledgements to commit first.
    mutating func revoking(_ revoked: Set<Partition>) -> [(Partition, PartitionAcknowledgements)] {
        self.assignmentChanged = true
        return self.takeCommit(only: revoked)
    }

    /// The revoked partitions are gone.
    mutating func revoked(_ revoked: Set<Partition>) {
        for key in revoked { self.partitions.removeValue(forKey: key) }
        self.dirty.subtract(revoked)
    }

    /// A rebalance failed: the member holds nothing.
    mutating func rebalanceFailed() {
        self.assignmentChanged = true
        self.partitions = [:]
    }

    /// Reading starts again at the committed offsets: nothing counts as read until poll hands it out again.
    private mutating func assignment(of partitions: [Partition: PartitionAcknowledgements?]) -> Assignment {
        for key in partitions.keys { self.position[key] = nil }
        // Without a committed offset, from the beginning (RD_KAFKA_OFFSET_BEGINNING).
        return Assignment(partitions: partitions.mapValues { $0?.committed ?? -2 })
    }

    // MARK: - Caught up

    /// Where poll stands on each assigned partition of `topic`: its position, or the committed offset when it has
    /// not read since the assignment (nil: neither, count from the low watermark). `nil` while an assignment change
    /// is unanswered.
    func positions(of topic: String) -> [(Partition, Int64?)]? {
        guard !self.assignmentChanged else { return nil }
        return self.partitions.filter { $0.key.topic == topic }.map { key, acknowledgements in
            (key, self.position[key] ?? acknowledgements?.committed)
        }
    }

    /// Whether a partition read up to `position` (or, without one, from `low`) has nothing left below `high`.
    static func isCaughtUp(position: Int64?, low: Int64, high: Int64) -> Bool {
        high <= (position ?? low)
    }
}
