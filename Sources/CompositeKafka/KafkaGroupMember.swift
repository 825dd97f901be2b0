import CRdKafka
import CompositeBroker
import CompositeCore
import Logging
import Synchronization

/// One librdkafka consumer in one consumer group, with the individual acknowledgements of its assigned partitions.
///
/// Every librdkafka call on it (poll, assign, commit, close) happens on the owning ``KafkaConsumer``'s serial
/// queue; the rebalance callback runs inside `rd_kafka_consumer_poll` on that queue too. Only ``acknowledge(_:)`` comes
/// from elsewhere, which is why the acknowledgement state sits behind a lock.
///
/// Its partitions, acknowledgements and rebalance flags are a ``KafkaGroupMemberStateMachine``; this class makes the
/// librdkafka calls it asks for.
final class KafkaGroupMember: @unchecked Sendable {
    typealias Partition = KafkaGroupMemberStateMachine.Partition

    let library: RDKafkaLibrary
    let group: String
    let metadataLimit: Int
    let logger: Logger
    let state = Mutex(KafkaGroupMemberStateMachine())
    /// Set once: the warning that the broker drops commit metadata was logged.
    let warnedAboutMetadata = Atomic<Bool>(false)
    /// Set once in `init`; implicitly unwrapped because the client's callbacks need `self` as their opaque pointer.
    private(set) var client: RDKafkaClient!
    private var closed = false

    init(
        library: RDKafkaLibrary,
        group: String,
        topics: [String],
        properties: [String: String],
        metadataLimit: Int,
        logger: Logger
    ) throws(KafkaError) {
        self.library = library
        self.group = group
        self.metadataLimit = metadataLimit
        self.logger = logger
        let defaults = [
            "group.id": group, "enable.auto.commit": "false", "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            // A tenant's topics must go to one member together (docs/kafka.md): range over one-partition topics.
            "partition.assignment.strategy": "range",
        ]
        self.client = try RDKafkaClient(
            library: library,
            kind: .consumer,
            configuration: defaults.merging(properties) { _, given in given },
            opaque: Unmanaged.passUnretained(self).toOpaque(),
            rebalanceCallback: { _, error, partitions, opaque in
                guard let opaque, let partitions else { return }
                Unmanaged<KafkaGroupMember>.fromOpaque(opaque).takeUnretainedValue().rebalance(error, partitions)
            }
        )
        try library.check(library.pollSetConsumer(self.client.handle), "rd_kafka_poll_set_consumer")
        let list = RDKafkaPartitionList(library: library, capacity: topics.count)
        for topic in topics { list.add(topic: topic, partition: Int32(CRK_PARTITION_UA)) }
        try library.check(library.subscribe(self.client.handle, list.pointer), "subscribing group \(group)")
    }

    deinit {
        // Closing leaves the group cleanly; its rebalance callback still finds this object alive here.
        if !self.closed { _ = self.library.consumerClose(self.client.handle) }
    }

    /// Polls once. Returns a message unless it was already acknowledged; throws when the assignment changed.
    func poll(timeout milliseconds: Int32) throws(KafkaError) -> RDKafkaMessage? {
        if let unsupported = self.state.withLock({ $0.unsupported }) {
            throw KafkaError("consuming group \(self.group)", reason: unsupported)
        }
        guard let message = self.library.consumerPoll(self.client.handle, milliseconds) else { return nil }
        defer { self.library.messageDestroy(message) }
        if self.state.withLock({ $0.assignmentChanged }) { return nil }
        let error = message.pointee.err
        if error == Int32(CRK_RESP_ERR__PARTITION_EOF) { return nil }
        let topic = message.pointee.rkt.map { self.library.name(of: $0) }
        guard error == 0 else {
            // Transport errors are retried inside librdkafka; they are reported, not fatal.
            self.logger.warning(
                "kafka consumer error",
                metadata: [
                    "group": "\(self.group)", "topic": "\(topic ?? "-")", "error": "\(self.library.describe(error))",
                ]
            )
            return nil
        }
        guard let topic else { return nil }
        let partition = Partition(topic: topic, partition: message.pointee.partition)
        let offset = message.pointee.offset
        guard self.state.withLock({ $0.polled(partition, offset: offset) }) == .deliver else { return nil }
        return RDKafkaMessage(message, library: self.library)
    }

    /// Whether the group has partitions assigned to this member now.
    var hasAssignment: Bool { self.state.withLock { $0.hasAssignment } }

    /// Whether the last poll changed the assignment; clears the flag.
    func takeAssignmentChange() -> Bool {
        self.state.withLock { $0.takeAssignmentChange() }
    }

    /// Records acknowledgements of messages on this member's partitions; others are ignored (revoked meanwhile).
    func acknowledge(_ offsets: [(topic: String, partition: Int32, offset: Int64)]) {
        self.state.withLock { $0.acknowledge(offsets) }
    }

    /// Commits the acknowledgements of `only` (or every dirty partition): the contiguous prefix as the offset, the
    /// rest in the metadata.
    func commit(only: Set<Partition>? = nil) throws(KafkaError) {
        try self.commit(self.state.withLock { $0.takeCommit(only: only) })
    }

    /// Commits `pending`: the contiguous prefix as the offset, the rest in the metadata.
    private func commit(_ pending: [(Partition, PartitionAcknowledgements)]) throws(KafkaError) {
        guard !pending.isEmpty else { return }
        let list = RDKafkaPartitionList(library: self.library, capacity: pending.count)
        for (key, acknowledgements) in pending {
            let metadata = acknowledgements.metadata(limit: self.metadataLimit)
            if !metadata.complete {
                self.logger.notice(
                    "acknowledgements beyond the commit metadata bound will be redelivered after a restart",
                    metadata: ["topic": "\(key.topic)", "partition": "\(key.partition)"]
                )
            }
            list.add(
                topic: key.topic,
                partition: key.partition,
                offset: acknowledgements.committed,
                metadata: metadata.bytes
            )
        }
        do {
            try self.library.check(self.library.commit(self.client.handle, list.pointer, 0), "committing \(self.group)")
            if !self.warnedAboutMetadata.load(ordering: .relaxed),
                let (key, acknowledgements) = pending.first(where: { !$0.1.ranges.isEmpty })
            {
                self.checkMetadataStored(key, acknowledgements)
            }
        } catch {
            // Not committed: try again with the next commit.
            self.state.withLock { $0.commitFailed(pending.map(\.0)) }
            throw error
        }
    }

    /// Reads one commit back, once per member: a broker that drops commit metadata (Tansu does) keeps only the
    /// contiguous prefix, so acknowledgements beyond it are redelivered after a restart (docs/kafka.md).
    private func checkMetadataStored(_ key: Partition, _ acknowledgements: PartitionAcknowledgements) {
        self.warnedAboutMetadata.store(true, ordering: .relaxed)
        let list = RDKafkaPartitionList(library: self.library)
        list.add(topic: key.topic, partition: key.partition)
        guard self.library.committed(self.client.handle, list.pointer, 10_000) == 0,
            let stored = list.entries.first, stored.offset == acknowledgements.committed
        else { return }
        if PartitionAcknowledgements(committed: stored.offset, metadata: stored.metadata).ranges.isEmpty {
            self.logger.warning(
                "the Kafka broker does not store commit metadata: acknowledgements beyond each partition's committed offset are redelivered after a restart or rebalance",
                metadata: ["group": "\(self.group)"]
            )
        }
    }

    /// Assigns every still-assigned partition again at its committed offset: whatever was delivered and not
    /// acknowledged comes back. With `replay` (the engine was rebuilt) the acknowledged offsets above it come back
    /// too, from then on; otherwise ``poll(timeout:)`` skips them.
    ///
    /// A member without partitions is left alone: it has nothing to rewind, and an `rd_kafka_assign` while its own
    /// rebalance waits in the queue would be taken as the answer to that rebalance.
    func rewind(replay: Bool) throws(KafkaError) {
        guard let assignment = self.state.withLock({ $0.rewind(replay: replay) }) else { return }
        try self.assign(assignment)
    }

    /// Whether poll has handled every message of `topic`'s assigned partitions: the position against the high
    /// watermark the broker reports now. A partition not read since its assignment counts from its committed offset,
    /// or, without one, from the low watermark. Runs on the owning consumer's queue (a blocking broker round trip).
    func isCaughtUp(topic: String) -> Bool {
        let partitions = self.state.withLock { $0.positions(of: topic) }
        guard let partitions, !partitions.isEmpty else { return false }
        for (key, position) in partitions {
            var low: Int64 = 0
            var high: Int64 = 0
            let error = key.topic.withCString { name in
                self.library.queryWatermarkOffsets(self.client.handle, name, key.partition, &low, &high, 5_000)
            }
            guard error == 0, KafkaGroupMemberStateMachine.isCaughtUp(position: position, low: low, high: high) else {
                return false
            }
        }
        return true
    }

    /// Leaves the group after committing, then destroys the client (its threads are joined when this returns).
    func close() {
        guard !self.closed else { return }
        try? self.commit()
        _ = self.library.consumerClose(self.client.handle)
        self.closed = true
        self.client.destroy()
    }

    private func assign(_ assignment: KafkaGroupMemberStateMachine.Assignment) throws(KafkaError) {
        let list = RDKafkaPartitionList(library: self.library, capacity: assignment.partitions.count)
        for (key, offset) in assignment.partitions {
            list.add(topic: key.topic, partition: key.partition, offset: offset)
        }
        try self.library.check(self.library.assign(self.client.handle, list.pointer), "assigning \(self.group)")
    }

    /// librdkafka's rebalance callback (eager protocol): commit and drop revoked partitions; read assigned ones'
    /// committed offsets and metadata and start there.
    private func rebalance(_ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
    {
        let given = RDKafkaPartitionList.entries(of: list)
        do throws(KafkaError) {
            if error == Int32(CRK_RESP_ERR__ASSIGN_PARTITIONS) {
                try self.library.check(
                    self.library.committed(self.client.handle, list, 10_000),
                    "reading committed offsets of \(self.group)"
                )
                var partitions: [Partition: PartitionAcknowledgements?] = [:]
                for entry in RDKafkaPartitionList.entries(of: list) {
                    let key = Partition(topic: entry.topic, partition: entry.partition)
                    partitions[key] =
                        entry.offset >= 0
                        ? PartitionAcknowledgements(committed: entry.offset, metadata: entry.metadata) : nil
                }
                try self.assign(self.state.withLock { $0.assigned(partitions) })
                self.logger.info(
                    "kafka partitions assigned",
                    metadata: [
                        "group": "\(self.group)", "partitions": "\(given.map { "\($0.topic)[\($0.partition)]" })",
                    ]
                )
            } else {
                let revoked = Set(given.map { Partition(topic: $0.topic, partition: $0.partition) })
                try? self.commit(self.state.withLock { $0.revoking(revoked) })
                self.state.withLock { $0.revoked(revoked) }
                _ = self.library.assign(self.client.handle, nil)
                self.logger.info(
                    "kafka partitions revoked",
                    metadata: ["group": "\(self.group)", "count": "\(revoked.count)"]
                )
            }
        } catch {
            self.logger.error("kafka rebalance failed", metadata: ["group": "\(self.group)", "error": "\(error)"])
            _ = self.library.assign(self.client.handle, nil)
            self.state.withLock { $0.rebalanceFailed() }
        }
    }
}
