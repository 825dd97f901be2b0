import CompositeBroker
import CompositeCore
import Dispatch
import Synchronization

/// A ``BrokerConsumer`` over Kafka consumer groups, one group per Krane tenant (docs/kafka.md), with Pulsar-style
/// individual acknowledgement emulated on top of committed offsets.
///
/// All librdkafka calls run on one serial dispatch queue, off Swift's cooperative pool. When a rebalance changes the
/// assignment of a group that delivered messages since the engine was built, ``receive(timeout:)`` throws
/// ``BrokerError/Code/assignmentChanged`` once (and when a group gains partitions, so that the rebuilt engine reads the
/// tenant's state topic past everything the previous owner stored there): the caller drops everything it built from
/// earlier messages, and the
/// next receive starts every assigned partition of every group again at its committed offset and delivers everything
/// from there, the messages the discarded engine acknowledged included, so the new engine reads the same topics
/// (and reaches the same watermarks) as the one it replaces. A change in a group that delivered nothing to the engine
/// leaves the engine alone: only that group starts again at its committed offsets.
final class KafkaConsumer: BrokerConsumer {
    struct State {
        var rewind = false
        /// The members (indices into ``members``) that delivered a message to the current engine: a rebalance of
        /// one of them means the engine must be rebuilt; a rebalance of any other does not concern it.
        var delivered: Set<Int> = []
        var closed = false
        var next = 0
        var lastCommit = ContinuousClock.now
    }

    let members: [KafkaGroupMember]
    /// Kafka topic name → the member consuming it and the Pulsar-style name the engine knows.
    let routes: [String: (member: KafkaGroupMember, name: String)]
    /// Pulsar-style name → Kafka topic name.
    let kafkaNames: [String: String]
    let queue = DispatchQueue(label: "kafka-consumer")
    let state = Mutex(State())
    /// How often acknowledgements are committed while messages flow; close and revocation commit at once.
    static let commitInterval = Duration.milliseconds(200)

    init(members: [KafkaGroupMember], topics: [(name: String, kafka: String, member: KafkaGroupMember)]) {
        self.members = members
        self.routes = Dictionary(topics.map { ($0.kafka, ($0.member, $0.name)) }) { first, _ in first }
        self.kafkaNames = Dictionary(topics.map { ($0.name, $0.kafka) }) { first, _ in first }
    }

    func receive(timeout: Duration) async throws -> BrokerMessage? {
        try await withCheckedThrowingContinuation { continuation in
            self.queue.async {
                continuation.resume(with: Result { try self.next(timeout: timeout) })
            }
        }
    }

    /// Runs on the queue.
    private func next(timeout: Duration) throws -> BrokerMessage? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        let rewind = try self.state.withLock { state in
            guard !state.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            defer { state.rewind = false }
            return state.rewind
        }
        if rewind {
            // The caller rebuilt its engine: every group starts again for it, acknowledged messages included.
            for member in self.members {
                try self.translating { () throws(KafkaError) in try member.rewind(replay: true) }
            }
        }
        defer { self.commitIfDue(clock: clock) }
        while true {
            let remaining = deadline - clock.now
            // Every member without waiting, then one (in turn) waits for what is left, in slices.
            let index = self.state.withLock { state in
                defer { state.next = (state.next + 1) % self.members.count }
                return state.next
            }
            for offset in 0..<self.members.count {
                let slice = Duration.milliseconds(self.members.count > 1 ? 20 : 100)
                let waits = offset == self.members.count - 1 && remaining > .zero
                let milliseconds = waits ? Int32(min(remaining, slice) / .milliseconds(1)) : 0
                let chosenIndex = (index + offset) % self.members.count
                let chosen = self.members[chosenIndex]
                let message = try self.translating { () throws(KafkaError) in try chosen.poll(timeout: milliseconds) }
                if chosen.takeAssignmentChange() {
                    // The engine holds messages of this group: it must be rebuilt, and every group rewound for it.
                    // So must it when the group gains partitions: the previous owner may have published decision
                    // proofs and carried messages to the tenant's state topic after this process's read marker, and
                    // a new engine's marker, published now that the previous owner has been revoked, comes after
                    // them (its input waits until the state topics are read up to it).
                    let gained = chosen.hasAssignment
                    let (mustTell, replayAll) = self.state.withLock { state in
                        guard state.delivered.contains(chosenIndex) || gained else { return (false, false) }
                        // Every group is read again for the new engine, unless none delivered anything yet.
                        let replayAll = !state.delivered.isEmpty
                        state.delivered = []
                        state.rewind = replayAll
                        return (true, replayAll)
                    }
                    if mustTell {
                        if !replayAll {
                            try self.translating { () throws(KafkaError) in try chosen.rewind(replay: false) }
                        }
                        throw BrokerError(.assignmentChanged, reason: "Kafka group \(chosen.group) rebalanced")
                    }
                    // Nothing of this group reached the engine, which keeps what it built from the other groups (a
                    // tenant's state depends on its own group only). The poll that changed the assignment may have
                    // dropped a message, so this group starts again at its committed offsets; rewinding the others
                    // would only hand the engine duplicates.
                    try self.translating { () throws(KafkaError) in try chosen.rewind(replay: false) }
                    continue
                }
                if let message {
                    self.state.withLock { _ = $0.delivered.insert(chosenIndex) }
                    return self.brokerMessage(message)
                }
            }
            if clock.now >= deadline { return nil }
        }
    }

    private func brokerMessage(_ message: RDKafkaMessage) -> BrokerMessage {
        BrokerMessage(
            topic: self.routes[message.topic]?.name ?? message.topic,
            id: MessageID(entryId: UInt64(message.offset), partition: message.partition),
            publishTime: Timestamp(millisecondsSinceEpoch: max(0, message.timestamp)),
            payload: message.payload,
            key: message.key.map { String(decoding: $0, as: UTF8.self) },
            properties: message.headers
        )
    }

    func acknowledge(_ messages: [MessageRef]) async throws {
        var byMember: [ObjectIdentifier: (KafkaGroupMember, [(topic: String, partition: Int32, offset: Int64)])] = [:]
        for message in messages {
            guard let kafka = self.kafkaNames[message.topic], let route = self.routes[kafka] else { continue }
            byMember[ObjectIdentifier(route.member), default: (route.member, [])].1.append(
                (kafka, message.id.partition, Int64(message.id.entryId))
            )
        }
        for (member, offsets) in byMember.values { member.acknowledge(offsets) }
    }

    func isCaughtUp(on topic: String) async throws -> Bool {
        guard let kafka = self.kafkaNames[topic], let route = self.routes[kafka] else { return false }
        return await withCheckedContinuation { continuation in
            self.queue.async {
                // A rewind not yet carried out means redeliveries are still to come.
                let pending = self.state.withLock { $0.rewind || $0.closed }
                continuation.resume(returning: !pending && route.member.isCaughtUp(topic: kafka))
            }
        }
    }

    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                let first = self.state.withLock { state in
                    defer { state.closed = true }
                    return !state.closed
                }
                if first { for member in self.members { member.close() } }
                continuation.resume()
            }
        }
    }

    /// Runs on the queue after a receive: commits acknowledgements at most every ``commitInterval``.
    private func commitIfDue(clock: ContinuousClock) {
        let due = self.state.withLock { state in
            guard clock.now - state.lastCommit >= Self.commitInterval else { return false }
            state.lastCommit = clock.now
            return true
        }
        guard due else { return }
        for member in self.members {
            // A failed commit stays pending and is retried; a crash meanwhile only brings messages back.
            try? member.commit()
        }
    }

    private func translating<T>(_ body: () throws(KafkaError) -> T) throws(BrokerError) -> T {
        do {
            return try body()
        } catch {
            throw BrokerError(.connectionFailed, topic: error.topic, reason: error.description)
        }
    }
}
