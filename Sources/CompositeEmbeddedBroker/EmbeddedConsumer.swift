import CompositeBroker
import CompositeCore
import GRDB
import Synchronization

/// A consumer of an ``EmbeddedBroker`` subscription.
///
/// It reads unacknowledged messages in batches after its cursor, so a new consumer (after a restart) starts again at
/// the first unacknowledged message.
///
/// Acknowledgements are buffered and written in one transaction when the buffer fills, before the next batch is
/// read, and on close. Writing them late is always safe: an acknowledgement lost in a crash only brings a message
/// back, and the engine treats redeliveries as harmless. Writing them early never happens.
final class EmbeddedConsumer: BrokerConsumer {
    struct State {
        var cursor: Int64 = 0
        /// The cursor in the read-first topics, read before the others whenever they have something.
        var firstCursor: Int64 = 0
        var buffer: [BrokerMessage] = []
        var closed = false
        /// Acknowledgements not yet written: flushed in one transaction per batch, see `acknowledge`.
        var pendingAcknowledgements: [Int64] = []
    }

    let broker: EmbeddedBroker
    /// The topics read in publish order, after `readFirst` has nothing.
    let topics: [String]
    let readFirst: [String]
    let subscription: String
    let state = Mutex(State())
    /// How long to wait between polls when the topics are drained.
    static let pollInterval = Duration.milliseconds(20)
    static let batchSize = 512

    init(broker: EmbeddedBroker, topics: [String], subscription: String, readFirst: Set<String> = []) {
        self.broker = broker
        self.topics = topics.filter { !readFirst.contains($0) }
        self.readFirst = topics.filter { readFirst.contains($0) }
        self.subscription = subscription
    }

    func receive(timeout: Duration) async throws -> BrokerMessage? {
        try await Polling.receive(timeout: timeout, interval: Self.pollInterval) { try self.next() }
    }

    private func next() throws -> BrokerMessage? {
        let cursors = try self.state.withLock { state -> (first: Int64, rest: Int64)? in
            guard !state.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            if !state.buffer.isEmpty { return nil }
            return (state.firstCursor, state.cursor)
        }
        if let cursors {
            try self.flush()
            let first = self.readFirst.isEmpty ? [] : try self.fetch(self.readFirst, after: cursors.first)
            let batch = first.isEmpty ? try self.fetch(self.topics, after: cursors.rest) : first
            self.state.withLock { state in
                state.buffer = batch.reversed()
                guard let last = batch.last else { return }
                if first.isEmpty {
                    state.cursor = Int64(last.id.entryId)
                } else {
                    state.firstCursor = Int64(last.id.entryId)
                }
            }
        }
        return self.state.withLock { $0.buffer.popLast() }
    }

    private func fetch(_ topics: [String], after cursor: Int64) throws -> [BrokerMessage] {
        guard !topics.isEmpty else { return [] }
        do {
            return try self.broker.database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM messages m
                        WHERE m.topic IN (\(topics.map { _ in "?" }.joined(separator: ","))) AND m.id > ?
                        AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.subscription = ? AND a.message_id = m.id)
                        ORDER BY m.id LIMIT ?
                        """,
                    arguments: StatementArguments(topics) + [cursor, self.subscription, Self.batchSize]
                ).map(EmbeddedBroker.message)
            }
        } catch {
            throw BrokerError(.storageFailed, reason: "cannot read messages: \(error)")
        }
    }

    func isCaughtUp(on topic: String) async throws -> Bool {
        let cursor = try self.state.withLock { state -> Int64? in
            guard !state.closed else { throw BrokerError(.closed, reason: "consumer is closed") }
            // Read from the database but not yet returned by `receive`: not handed to the engine.
            if state.buffer.contains(where: { $0.topic == topic }) { return nil }
            return self.readFirst.contains(topic) ? state.firstCursor : state.cursor
        }
        guard let cursor else { return false }
        do {
            return try await self.broker.database.read { db in
                try !Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM messages m WHERE m.topic = ? AND m.id > ?
                        AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.subscription = ? AND a.message_id = m.id))
                        """,
                    arguments: [topic, cursor, self.subscription]
                )!
            }
        } catch {
            throw BrokerError(.storageFailed, topic: topic, reason: "cannot read the backlog: \(error)")
        }
    }

    /// Acknowledgements buffered before they are written.
    static let acknowledgementBatch = 512

    func acknowledge(_ messages: [MessageRef]) async throws {
        guard !messages.isEmpty else { return }
        let full = self.state.withLock { state in
            state.pendingAcknowledgements += messages.map { Int64($0.id.entryId) }
            return state.pendingAcknowledgements.count >= Self.acknowledgementBatch
        }
        if full { try self.flush() }
    }

    /// Writes the buffered acknowledgements.
    func flush() throws {
        let pending = self.state.withLock { state in
            defer { state.pendingAcknowledgements = [] }
            return state.pendingAcknowledgements
        }
        guard !pending.isEmpty else { return }
        do {
            try self.broker.database.write { db in
                let statement = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO acknowledgements (subscription, message_id) VALUES (?, ?)"
                )
                for id in pending { try statement.execute(arguments: [self.subscription, id]) }
            }
        } catch {
            throw BrokerError(.storageFailed, reason: "cannot store acknowledgements: \(error)")
        }
    }

    func close() async {
        // A failed write only means redelivery after the restart.
        try? self.flush()
        self.state.withLock { $0.closed = true }
    }
}
