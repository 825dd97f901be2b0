import CompositeCore
import Synchronization

/// A consumer of an ``InMemoryBroker`` subscription.
///
/// It starts at the first unacknowledged message of each topic, which is how a restarted consumer gets back what it
/// had not acknowledged. After ``InMemoryBroker/changeAssignment()`` it starts there again and, as the Kafka adapter
/// does for a rebuilt engine, delivers everything after it, acknowledged messages included.
final class InMemoryConsumer: BrokerConsumer {
    struct Cursor {
        /// Next position to deliver, per subscribed topic (in the order of `topics`); `nil` before the first look.
        var positions: [Int?]
        var closed = false
        var pendingDuplicate: BrokerMessage?
        /// The broker's assignment this cursor's positions belong to.
        var assignment = 0
        /// After an assignment change: only the acknowledged prefix of each topic is skipped, so a rebuilt engine
        /// reads the same topic suffix (and reaches the same watermarks) as the one it replaced.
        var replaying = false

        init(topics: Int, assignment: Int, replaying: Bool = false) {
            self.positions = Array(repeating: nil, count: topics)
            self.assignment = assignment
            self.replaying = replaying
        }
    }

    let broker: InMemoryBroker
    let topics: [String]
    /// Where each of `topics` is in the broker's logs, resolved once.
    let logIndices: [Int]
    /// Whether each of `topics` is read before the others whenever it has a message.
    let readsFirst: [Bool]
    let subscription: String
    let generation: Int
    let cursor: Mutex<Cursor>

    init(broker: InMemoryBroker, topics: [String], subscription: String, generation: Int, readFirst: Set<String> = []) {
        let (assignment, indices) = broker.state.withLock { state in
            (state.assignment, topics.map { state.index(of: $0) })
        }
        self.cursor = Mutex(Cursor(topics: topics.count, assignment: assignment))
        self.logIndices = indices
        self.readsFirst = topics.map { readFirst.contains($0) }
        self.broker = broker
        self.topics = topics
        self.subscription = subscription
        self.generation = generation
    }

    func receive(timeout: Duration) async throws -> BrokerMessage? {
        try await Polling.receive(timeout: timeout, interval: .milliseconds(1)) { try self.next() }
    }

    private func next() throws -> BrokerMessage? {
        try self.cursor.withLock { cursor -> BrokerMessage? in
            guard !cursor.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            return try self.broker.state.withLock { state -> BrokerMessage? in
                if state.assignment != cursor.assignment {
                    // Redeliver from the first unacknowledged message of every topic, as a Kafka rewind does.
                    cursor = Cursor(topics: self.topics.count, assignment: state.assignment, replaying: true)
                    throw BrokerError(
                        state.restartCode,
                        reason: state.restartCode == .assignmentChanged
                            ? "assignment changed" : "delivered out of order"
                    )
                }
                if let duplicate = cursor.pendingDuplicate {
                    cursor.pendingDuplicate = nil
                    return duplicate
                }
                // Each topic's next unacknowledged message; the interleaving picks among them.
                var readFirst: Int?
                var earliest: Int?
                var earliestSequence = UInt64.max
                var heads: [Int] = []
                for slot in self.topics.indices {
                    let position = self.nextPosition(of: slot, cursor: &cursor, state: state)
                    let log = self.logIndices[slot]
                    guard position < state.logs[log].messages.count else { continue }
                    if self.readsFirst[slot] {
                        if readFirst == nil { readFirst = slot }
                        continue
                    }
                    switch self.broker.configuration.interleaving {
                    case .publishOrder:
                        let sequence = state.logs[log].messages[position].sequence
                        if sequence < earliestSequence {
                            earliestSequence = sequence
                            earliest = slot
                        }
                    case .random:
                        heads.append(slot)
                    }
                }
                let chosen: Int
                if let readFirst {
                    chosen = readFirst
                } else if let earliest {
                    chosen = earliest
                } else if !heads.isEmpty {
                    chosen = heads[Int(state.random.next() % UInt64(heads.count))]
                } else {
                    return nil
                }
                let position = cursor.positions[chosen]!
                cursor.positions[chosen] = position + 1
                state.deliveries += 1
                var message = state.logs[self.logIndices[chosen]].messages[position].message
                message.redeliveryCount = self.generation - 1
                if let every = self.broker.configuration.duplicateEvery, every > 0, state.deliveries % every == 0 {
                    var duplicate = message
                    duplicate.redeliveryCount += 1
                    cursor.pendingDuplicate = duplicate
                }
                return message
            }
        }
    }

    /// The position of the next message to deliver on the `slot`th topic, past the acknowledged ones (unless
    /// replaying after an assignment change); stored in the cursor so that the skipped messages are not looked at
    /// again.
    private func nextPosition(of slot: Int, cursor: inout Cursor, state: borrowing InMemoryBroker.State) -> Int {
        let log = self.logIndices[slot]
        let count = state.logs[log].messages.count
        var position = cursor.positions[slot] ?? 0
        let skipsAcknowledged = !cursor.replaying || cursor.positions[slot] == nil
        if skipsAcknowledged, position < count,
            let acknowledged = state.logs[log].subscriptions[self.subscription]?.acknowledged
        {
            while position < count, acknowledged.contains(state.logs[log].messages[position].message.id.entryId) {
                position += 1
            }
        }
        cursor.positions[slot] = position
        return position
    }

    func isCaughtUp(on topic: String) async throws -> Bool {
        try self.cursor.withLock { cursor in
            guard !cursor.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            return self.broker.state.withLock { state in
                // An assignment change not yet reported means a redelivery is still to come.
                guard cursor.assignment == state.assignment else { return false }
                if cursor.pendingDuplicate?.topic == topic { return false }
                guard let slot = self.topics.firstIndex(of: topic) else { return true }
                return self.nextPosition(of: slot, cursor: &cursor, state: state)
                    >= state.logs[self.logIndices[slot]].messages.count
            }
        }
    }

    func acknowledge(_ messages: [MessageRef]) async throws {
        self.broker.state.withLock { state in
            for message in messages {
                let index = state.index(of: message.topic)
                guard
                    state.logs[index].subscriptions[self.subscription, default: .init()].acknowledged
                        .insert(message.id.entryId).inserted
                else { continue }
                state.acknowledgementLog.append(
                    InMemoryBroker.RecordedAcknowledgement(
                        topic: message.topic,
                        subscription: self.subscription,
                        entry: message.id.entryId
                    )
                )
            }
        }
    }

    func close() async {
        self.cursor.withLock { $0.closed = true }
    }
}
