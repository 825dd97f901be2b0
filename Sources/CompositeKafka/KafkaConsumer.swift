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
///
/// The decisions live in a ``KafkaConsumerStateMachine``; this class polls, rewinds and commits as it says.
final class KafkaConsumer: BrokerConsumer {
    let members: [KafkaGroupMember]
    /// Kafka topic name → the member consuming it and the Pulsar-style name the engine knows.
    let routes: [String: (member: KafkaGroupMember, name: String)]
    /// Pulsar-style name → Kafka topic name.
    let kafkaNames: [String: String]
    let queue = DispatchQueue(label: "kafka-consumer")
    let state: Mutex<KafkaConsumerStateMachine>
    /// How often acknowledgements are committed while messages flow; close and revocation commit at once.
    static let commitInterval = Duration.milliseconds(200)

    init(members: [KafkaGroupMember], topics: [(name: String, kafka: String, member: KafkaGroupMember)]) {
        self.members = members
        self.routes = Dictionary(topics.map { ($0.kafka, ($0.member, $0.name)) }) { first, _ in first }
        self.kafkaNames = Dictionary(topics.map { ($0.name, $0.kafka) }) { first, _ in first }
        self.state = Mutex(
            KafkaConsumerStateMachine(
                memberCount: members.count,
                commitInterval: Self.commitInterval,
                now: ContinuousClock.now
            )
        )
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
        guard let rewind = self.state.withLock({ $0.receiveStarted() }) else {
            throw BrokerError(.closed, reason: "consumer is closed")
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
            let index = self.state.withLock { $0.firstMember() }
            for offset in 0..<self.members.count {
                let slice = Duration.milliseconds(self.members.count > 1 ? 20 : 100)
                let waits = offset == self.members.count - 1 && remaining > .zero
                let milliseconds = waits ? Int32(min(remaining, slice) / .milliseconds(1)) : 0
                let chosenIndex = (index + offset) % self.members.count
                let chosen = self.members[chosenIndex]
                let message = try self.translating { () throws(KafkaError) in try chosen.poll(timeout: milliseconds) }
                if chosen.takeAssignmentChange() {
                    let reaction = self.state.withLock {
                        $0.assignmentChanged(member: chosenIndex, gained: chosen.hasAssignment)
                    }
                    switch reaction {
                    case .rebuildEngine(let rewindMember):
                        if rewindMember {
                            try self.translating { () throws(KafkaError) in try chosen.rewind(replay: false) }
                        }
                        throw BrokerError(.assignmentChanged, reason: "Kafka group \(chosen.group) rebalanced")
                    case .rewindMemberOnly:
                        // The poll that changed the assignment may have dropped a message, so this group starts
                        // again at its committed offsets; rewinding the others would only hand the engine duplicates.
                        try self.translating { () throws(KafkaError) in try chosen.rewind(replay: false) }
                        continue
                    }
                }
                if let message {
                    self.state.withLock { $0.memberDelivered(chosenIndex) }
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
                let may = self.state.withLock { $0.mayBeCaughtUp }
                continuation.resume(returning: may && route.member.isCaughtUp(topic: kafka))
            }
        }
    }

    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                let first = self.state.withLock { $0.close() }
                if first { for member in self.members { member.close() } }
                continuation.resume()
            }
        }
    }

    /// Runs on the queue after a receive: commits acknowledgements at most every ``commitInterval``.
    private func commitIfDue(clock: ContinuousClock) {
        guard self.state.withLock({ $0.commitDue(at: clock.now) }) else { return }
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
