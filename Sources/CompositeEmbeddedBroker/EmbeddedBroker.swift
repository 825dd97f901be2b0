public import CompositeBroker
public import CompositeCore
import Foundation
import GRDB

/// A durable broker inside the process, stored in one SQLite database (WAL mode), with Pulsar's delivery semantics.
///
/// - A publication returns only after its transaction committed with `synchronous = FULL`: it survives `kill -9`
///   and power loss.
/// - Subscriptions keep individual acknowledgements in the database; a consumer that connects receives every
///   message of its topics never acknowledged, in publish order.
/// - Several processes may open the same database at once (the service consuming while `composite-service publish`
///   feeds it): SQLite's file locks serialise writers, readers never block.
public final class EmbeddedBroker: MessageBroker {
    let database: DatabasePool
    public let path: String

    /// Opens (creating if needed) the broker database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            self.database = try DatabasePool(path: path, configuration: configuration)
            try self.database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS messages (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            topic TEXT NOT NULL,
                            publish_time INTEGER NOT NULL,
                            key TEXT,
                            properties TEXT NOT NULL,
                            payload BLOB NOT NULL);
                        CREATE INDEX IF NOT EXISTS messages_by_topic ON messages(topic, id);
                        CREATE TABLE IF NOT EXISTS acknowledgements (
                            subscription TEXT NOT NULL,
                            message_id INTEGER NOT NULL,
                            PRIMARY KEY (subscription, message_id)) WITHOUT ROWID;
                        """
                )
            }
        } catch {
            throw BrokerError(.storageFailed, reason: "cannot open the embedded broker at \(path): \(error)")
        }
        self.path = path
    }

    public func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
        try self.store([(message, topic)]).first!
    }

    /// Publishes several messages in one durable transaction (the service's group commit, and fixture publishing);
    /// returns their ids in order. A message without a ``OutgoingMessage/publishTime`` gets the broker's clock.
    public func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID] {
        try self.store(messages)
    }

    /// Releases the database's connections; publishing or consuming afterwards fails.
    public func close() async {
        try? self.database.close()
    }

    /// As ``publish(_:)-(([(message:topic:)]))``, synchronously: for tools and tests that publish outside the
    /// service's tasks.
    public func store(_ messages: [(message: OutgoingMessage, topic: String)]) throws -> [MessageID] {
        let now = Self.now()
        do {
            return try self.database.write { db in
                var ids: [MessageID] = []
                ids.reserveCapacity(messages.count)
                let statement = try db.cachedStatement(
                    sql: "INSERT INTO messages (topic, publish_time, key, properties, payload) VALUES (?, ?, ?, ?, ?)"
                )
                for (message, topic) in messages {
                    try statement.execute(arguments: [
                        topic, (message.publishTime ?? now).millisecondsSinceEpoch, message.key,
                        Self.encode(message.properties), Data(message.payload),
                    ])
                    ids.append(MessageID(entryId: UInt64(db.lastInsertedRowID)))
                }
                return ids
            }
        } catch {
            throw BrokerError(.publishFailed, topic: messages.first?.topic, reason: "\(error)")
        }
    }

    public func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
        EmbeddedConsumer(broker: self, topics: topics, subscription: subscription)
    }

    public func subscribe(
        topics: [String],
        subscription: String,
        readFirst: Set<String>
    ) async throws -> any BrokerConsumer {
        EmbeddedConsumer(broker: self, topics: topics, subscription: subscription, readFirst: readFirst)
    }

    /// Messages of `topic` with ids after `after`, oldest first: for reading a topic without a subscription.
    public func messages(topic: String, after: UInt64 = 0, limit: Int = 1_000) throws -> [BrokerMessage] {
        try self.database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM messages WHERE topic = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [topic, Int64(after), limit]
            ).map(Self.message)
        }
    }

    /// Forgets `subscription`'s acknowledgements of `ids`, as Pulsar does past its acknowledgement-hole limit and a
    /// Kafka broker that drops commit metadata: the next consumer receives those messages again. For tests and chaos
    /// drills (the service must stay correct, contract `semantics.md` guarantee 5).
    public func forgetAcknowledgements(of ids: [MessageID], subscription: String) throws {
        guard !ids.isEmpty else { return }
        try self.database.write { db in
            try db.execute(
                sql: """
                    DELETE FROM acknowledgements WHERE subscription = ?
                    AND message_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                    """,
                arguments: StatementArguments(
                    [subscription as any DatabaseValueConvertible]
                        + ids.map { Int64($0.entryId) as any DatabaseValueConvertible }
                )
            )
        }
    }

    /// How many messages of `topics` `subscription` has not acknowledged.
    public func unacknowledgedCount(topics: [String], subscription: String) throws -> Int {
        try self.database.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM messages m WHERE m.topic IN (\(topics.map { _ in "?" }.joined(separator: ",")))
                    AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.subscription = ? AND a.message_id = m.id)
                    """,
                arguments: StatementArguments(topics + [subscription])
            ) ?? 0
        }
    }

    static func message(_ row: Row) -> BrokerMessage {
        let payload: Data = row["payload"]
        let properties: String = row["properties"]
        return BrokerMessage(
            topic: row["topic"],
            id: MessageID(entryId: UInt64(row["id"] as Int64)),
            publishTime: Timestamp(millisecondsSinceEpoch: row["publish_time"]),
            payload: [UInt8](payload),
            key: row["key"],
            properties: Self.decode(properties)
        )
    }

    static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    static func encode(_ properties: [String: String]) -> String {
        JSONWriter.string(
            .object(JSONObject(properties.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }))
        )
    }

    static func decode(_ properties: String) -> [String: String] {
        guard case .object(let object)? = try? JSONParser.parse(properties) else { return [:] }
        var result: [String: String] = [:]
        for member in object.members { result[member.key] = member.value.stringValue }
        return result
    }
}

/// Read-only inspection of a subscription, for tests and operators.
public struct EmbeddedBrokerInspector {
    let broker: EmbeddedBroker
    let subscription: String

    public init(broker: EmbeddedBroker, subscription: String) throws {
        self.broker = broker
        self.subscription = subscription
    }

    /// The messages of `topics` the subscription has not acknowledged, in publish order.
    public func unacknowledged(topics: [String]) throws -> [BrokerMessage] {
        try self.broker.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM messages m WHERE m.topic IN (\(topics.map { _ in "?" }.joined(separator: ",")))
                    AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.subscription = ? AND a.message_id = m.id)
                    ORDER BY m.id
                    """,
                arguments: StatementArguments(topics + [self.subscription])
            ).map(EmbeddedBroker.message)
        }
    }

    /// The acknowledgement holes the subscription has on `topic`: runs of unacknowledged messages followed by an
    /// acknowledged one, which is what Pulsar must persist as individually acknowledged ranges (and Kafka as commit
    /// metadata). Semantics guarantee 6 keeps it under the service's `MAX_HELD_PER_TOPIC`.
    public func acknowledgementHoles(topic: String) throws -> Int {
        let acknowledged = try self.broker.database.read { db in
            try Bool.fetchAll(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.subscription = ? AND a.message_id = m.id)
                    FROM messages m WHERE m.topic = ? ORDER BY m.id
                    """,
                arguments: [self.subscription, topic]
            )
        }
        var holes = 0
        var open = false
        for flag in acknowledged {
            if flag, open { holes += 1 }
            open = !flag
        }
        return holes
    }
}
