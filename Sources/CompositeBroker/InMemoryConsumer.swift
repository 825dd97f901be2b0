import CompositeCore
import Synchronization

/// A consumer of an ``InMemoryBroker`` subscription.
///
/// It starts at the first unacknowledged message of each topic, which is how a restarted consumer gets back what it
/// had not acknowledged. After ``InMemoryBroker/changeAssignment()`` it starts there again and, as the Kafka adapter
/// does for a rebuilt engine, delivers everything after it, acknowledged messages included.
final class InMemoryConsumer: BrokerConsumer {
    struct Cursor {
        /// Next position to deliver, per topic.
        var positions: [String: Int] = [:]
        var closed = false
        var pendingDuplicate: BrokerMessage?
        /// The broker's assignment this cursor's positions belong to.
        var assignment = 0
        /// After an assignment change: only the acknowledged prefix of each topic is skipped, so a rebuilt engine
        /// reads the same topic suffix (and reaches the same watermarks) as the one it replaced.
        var replaying = false
    }

    let broker: InMemoryBroker
    let topics: [String]
    let subscription: String
    let generation: Int
    let readFirst: Set<String>
    let cursor: Mutex<Cursor>

    init(broker: InMemoryBroker, topics: [String], subscription: String, generation: Int, readFirst: Set<String> = []) {
        self.cursor = Mutex(Cursor(assignment: broker.state.withLock { $0.assignment }))
        self.readFirst = readFirst
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
            let (assignment, code) = self.broker.state.withLock { ($0.assignment, $0.restartCode) }
            if assignment != cursor.assignment {
                // Redeliver from the first unacknowledged message of every topic, as a Kafka rewind does.
                cursor = Cursor(assignment: assignment, replaying: true)
                throw BrokerError(
                    code,
                    reason: code == .assignmentChanged ? "assignment changed" : "delivered out of order"
                )
            }
            if let duplicate = cursor.pendingDuplicate {
                cursor.pendingDuplicate = nil
                return duplicate
            }
            return self.broker.state.withLock { state -> BrokerMessage? in
                // Each topic's next unacknowledged message; the interleaving picks among them.
                var heads: [(topic: String, position: Int, stored: InMemoryBroker.StoredMessage)] = []
                for topic in self.topics {
                    let log = state.topics[topic] ?? []
                    let position = self.nextPosition(on: topic, cursor: &cursor, state: state)
                    if position < log.count { heads.append((topic, position, log[position])) }
                }
                guard !heads.isEmpty else { return nil }
                let chosen: Int
                if let first = heads.indices.first(where: { self.readFirst.contains(heads[$0].topic) }) {
                    chosen = first
                } else {
                    switch self.broker.configuration.interleaving {
                    case .publishOrder:
                        chosen = heads.indices.min { heads[$0].stored.sequence < heads[$1].stored.sequence }!
                    case .random:
                        chosen = Int(state.random.next() % UInt64(heads.count))
                    }
                }
                let head = heads[chosen]
                cursor.positions[head.topic] = head.position + 1
                state.deliveries += 1
                var message = head.stored.message
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

    /// The position of the next message to deliver on `topic`, past the acknowledged ones (unless replaying after an
    /// assignment change); stored in the cursor so that the skipped messages are not looked at again.
    private func nextPosition(on topic: String, cursor: inout Cursor, state: InMemoryBroker.State) -> Int {
        let log = state.topics[topic] ?? []
        let acknowledged = state.subscriptions[topic]?[self.subscription]?.acknowledged ?? []
        var position = cursor.positions[topic] ?? 0
        let skipsAcknowledged = !cursor.replaying || cursor.positions[topic] == nil
        while skipsAcknowledged, position < log.count, acknowledged.contains(log[position].message.id.entryId) {
            position += 1
        }
        cursor.positions[topic] = position
        return position
    }

    func isCaughtUp(on topic: String) async throws -> Bool {
        try self.cursor.withLock { cursor in
            guard !cursor.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            // An assignment change not yet reported means a redelivery is still to come.
            guard cursor.assignment == self.broker.state.withLock({ $0.assignment }) else { return false }
            if cursor.pendingDuplicate?.topic == topic { return false }
            return self.broker.state.withLock { state in
                self.nextPosition(on: topic, cursor: &cursor, state: state) >= (state.topics[topic]?.count ?? 0)
            }
        }
    }

    func acknowledge(_ messages: [MessageRef]) async throws {
        self.broker.state.withLock { state in
            for message in messages
            where state.subscriptions[message.topic, default: [:]][self.subscription, default: .init()].acknowledged
                .insert(message.id.entryId).inserted
            {
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
