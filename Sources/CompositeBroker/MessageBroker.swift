public import CompositeCore
public import ServiceLifecycle

/// A message to publish.
public struct OutgoingMessage: Sendable, Hashable {
    public var payload: [UInt8]
    public var key: String?
    public var properties: [String: String]
    /// The publish time to record instead of the broker's clock, for brokers whose producer sets it (Pulsar's
    /// `publish_time`, Kafka's create time). Fixture publishing uses it to keep a stream's event times.
    public var publishTime: Timestamp?

    public init(
        payload: [UInt8],
        key: String? = nil,
        properties: [String: String] = [:],
        publishTime: Timestamp? = nil
    ) {
        self.payload = payload
        self.key = key
        self.properties = properties
        self.publishTime = publishTime
    }
}

/// A message as a consumer receives it.
public struct BrokerMessage: Sendable, Hashable {
    public var topic: String
    public var id: MessageID
    public var publishTime: Timestamp
    public var payload: [UInt8]
    public var key: String?
    public var properties: [String: String]
    /// How many times this message was delivered before (Pulsar's redelivery count).
    public var redeliveryCount: Int
    /// Why the broker client could not decode this entry (a checksum mismatch, corrupt metadata, a compression codec
    /// it does not read); `payload` then holds the raw bytes. The engine dead-letters it.
    public var undecodable: String?

    public init(
        topic: String,
        id: MessageID,
        publishTime: Timestamp,
        payload: [UInt8],
        key: String? = nil,
        properties: [String: String] = [:],
        redeliveryCount: Int = 0,
        undecodable: String? = nil
    ) {
        self.undecodable = undecodable
        self.topic = topic
        self.id = id
        self.publishTime = publishTime
        self.payload = payload
        self.key = key
        self.properties = properties
        self.redeliveryCount = redeliveryCount
    }

    /// The engine's view of the message.
    public var delivery: Delivery {
        Delivery(
            topic: self.topic,
            id: self.id,
            publishTime: self.publishTime,
            payload: self.payload,
            key: self.key,
            undecodable: self.undecodable
        )
    }
}

/// A message broker with Pulsar's semantics, the one abstraction every broker adapter implements.
///
/// - Publishing returns only once the broker has durably stored the message: the return is the receipt.
/// - A subscription remembers individual acknowledgements; a consumer that connects to it (after a crash, a close
///   or a reconnect) receives every message of its topics that was never acknowledged, in each topic's order.
/// - A broker is a `Service`: the service runs it first in its `ServiceGroup`, so that it is shut down last, after
///   the processor's final publications and acknowledgements. Tools that use a broker outside a group call
///   ``close()`` themselves.
public protocol MessageBroker: Service {
    /// Publishes `message` to `topic` and returns its id once stored.
    func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID

    /// Publishes `messages` in order and returns their ids once every one is stored. Adapters that store a batch at
    /// once (one transaction, one wait for all delivery reports) implement it; the default publishes one at a time.
    func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID]

    /// Connects a consumer to the named subscription on `topics`, creating the subscription at the start of each
    /// topic if it does not exist yet.
    func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer

    /// As ``subscribe(topics:subscription:)``, delivering the messages of `readFirst` (some of `topics`) before the
    /// others whenever both are available. A hint for small topics a new consumer needs first (the service's state
    /// topics): brokers that read topics side by side anyway (Pulsar, Kafka) may ignore it, and the default does.
    func subscribe(topics: [String], subscription: String, readFirst: Set<String>) async throws -> any BrokerConsumer

    /// Releases the broker's connections, files and threads (the Kafka adapter first waits up to 10 s for deliveries
    /// still outstanding). Publishing or subscribing afterwards fails.
    func close() async
}

extension MessageBroker {
    /// Serves until the service group shuts down (gracefully, or by cancellation), then closes: the adapters do their
    /// work on the callers' tasks and their own threads, so running is only a matter of closing at the right time.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.close()
    }

    public func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID] {
        var ids: [MessageID] = []
        ids.reserveCapacity(messages.count)
        for entry in messages { ids.append(try await self.publish(entry.message, to: entry.topic)) }
        return ids
    }

    public func subscribe(
        topics: [String],
        subscription: String,
        readFirst: Set<String>
    ) async throws -> any BrokerConsumer {
        try await self.subscribe(topics: topics, subscription: subscription)
    }
}

/// One connected consumer of a subscription.
public protocol BrokerConsumer: Sendable {
    /// The next message, or `nil` when none arrives within `timeout`. Throws ``BrokerError/Code/assignmentChanged``
    /// when the consumer's share of the topics changed, and ``BrokerError/Code/outOfOrder`` when the broker broke the
    /// topic's order; either way the next call continues with redelivery.
    func receive(timeout: Duration) async throws -> BrokerMessage?

    /// Acknowledges messages individually. Acknowledging a message twice, or one already acknowledged, is harmless.
    func acknowledge(_ messages: [MessageRef]) async throws

    /// Whether this consumer has been handed every message the broker holds for the subscription on `topic`: no
    /// backlog, nothing buffered but not yet returned by ``receive(timeout:)``, and no redelivery still outstanding
    /// after a reconnect or restart.
    ///
    /// The idle advance may move a topic's watermark to the wall clock only while this holds ("idle means caught up,
    /// not quiet"): advancing past a message that is still unread releases what it would have matched. An adapter
    /// that cannot tell answers `false`; decisions then wait for traffic instead of the clock, and nothing is lost.
    func isCaughtUp(on topic: String) async throws -> Bool

    /// Disconnects. Whatever was received and not acknowledged is redelivered to the subscription's next consumer.
    func close() async
}

/// The broker module's error: what failed, on which topic, and why.
public struct BrokerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case closed
        case unknownTopic
        case publishFailed
        case connectionFailed
        case storageFailed
        /// The broker moved part of the consumer's topics to another consumer, or gave it new ones (a Kafka
        /// rebalance). Thrown once by ``BrokerConsumer/receive(timeout:)``: the caller drops every state built from
        /// earlier messages; everything not acknowledged is delivered again.
        case assignmentChanged
        /// The broker delivered a message for the first time after a newer one of the same topic (partition) had been
        /// received, breaking the in-order delivery the engine relies on. Thrown instead of returning the late message;
        /// the consumer has already asked for everything unacknowledged again, in order. The caller drops every state
        /// built from earlier messages, as for ``assignmentChanged``.
        case outOfOrder
        /// The message with its properties is larger than the broker accepts (Pulsar's `maxMessageSize`, Kafka's
        /// `message.max.bytes`). Retrying the same message cannot succeed.
        case messageTooLarge
    }

    public var code: Code
    public var topic: String?
    public var reason: String

    public init(_ code: Code, topic: String? = nil, reason: String) {
        self.code = code
        self.topic = topic
        self.reason = reason
    }

    public var description: String {
        if let topic { return "broker error (\(self.code)) on \(topic): \(self.reason)" }
        return "broker error (\(self.code)): \(self.reason)"
    }
}
