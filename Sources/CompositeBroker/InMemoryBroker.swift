public import CompositeCore
import Synchronization

/// A broker in memory with Pulsar's delivery semantics, for replays and tests.
///
/// Subscriptions track individual acknowledgements; a new consumer on a subscription gets every unacknowledged
/// message again. Messages keep their order within a topic; how topics interleave for a consumer is chosen by
/// ``Configuration/interleaving``. Nothing survives the process.
public final class InMemoryBroker: MessageBroker {
    public struct Configuration: Sendable {
        public enum Interleaving: Sendable, Hashable {
            /// Topics interleave in the order messages were published across all topics.
            case publishOrder
            /// Topics interleave randomly (each topic's own order kept), reproducibly from the seed.
            case random(seed: UInt64)
        }

        public enum PublishClock: Sendable, Hashable {
            /// Published messages get the latest publish time already on their topic, so publishing adds no
            /// event time of its own (replays of recorded streams).
            case logical
            /// Published messages get the caller-supplied time.
            case fixed(Timestamp)
        }

        /// Default: ``Interleaving/publishOrder``.
        public var interleaving: Interleaving = .publishOrder
        /// Every Nth delivery is delivered a second time right after, as brokers do after lost acknowledgements.
        /// Default: `nil` (never).
        public var duplicateEvery: Int?
        /// Default: ``PublishClock/logical``.
        public var publishClock: PublishClock = .logical

        public init(
            interleaving: Interleaving = .publishOrder,
            duplicateEvery: Int? = nil,
            publishClock: PublishClock = .logical
        ) {
            self.interleaving = interleaving
            self.duplicateEvery = duplicateEvery
            self.publishClock = publishClock
        }
    }

    struct StoredMessage {
        var message: BrokerMessage
        /// Position across all topics, for ``Configuration/Interleaving/publishOrder``.
        var sequence: UInt64
        /// Published through ``publish(_:to:)`` rather than loaded with ``load(_:to:publishTime:)``.
        var published: Bool
    }

    struct RecordedAcknowledgement {
        var topic: String
        var subscription: String
        var entry: UInt64
    }

    struct Subscription {
        var acknowledged: Set<UInt64> = []
        var consumerGeneration = 0
    }

    /// One topic: its messages in order and each subscription's acknowledgements.
    struct TopicLog {
        var messages: [StoredMessage] = []
        var subscriptions: [String: Subscription] = [:]
    }

    struct State {
        /// Topics by name, each resolved once to its place in `logs`: a consumer's hot path then indexes arrays
        /// instead of hashing every topic name for every message it delivers.
        var topicIndex: [String: Int] = [:]
        var logs: [TopicLog] = []
        var sequence: UInt64 = 0
        var random: SplitMix64
        var deliveries = 0
        /// Bumped by ``changeAssignment()``; consumers compare it with the one they started with.
        var assignment = 0
        /// What the consumers report when `assignment` changes.
        var restartCode = BrokerError.Code.assignmentChanged
        /// Acknowledgements in the order they were recorded, for ``forgetAcknowledgements(every:)``.
        var acknowledgementLog: [RecordedAcknowledgement] = []
        /// Set by ``close()``: publishing and subscribing fail from then on.
        var closed = false

        /// The place of `topic` in `logs`, creating an empty topic on first use.
        mutating func index(of topic: String) -> Int {
            if let index = self.topicIndex[topic] { return index }
            self.logs.append(TopicLog())
            self.topicIndex[topic] = self.logs.count - 1
            return self.logs.count - 1
        }

        func log(_ topic: String) -> TopicLog? {
            self.topicIndex[topic].map { self.logs[$0] }
        }
    }

    public let configuration: Configuration
    let state: Mutex<State>

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let seed: UInt64
        if case .random(let value) = configuration.interleaving { seed = value } else { seed = 0 }
        self.state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    public func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
        guard !self.state.withLock(\.closed) else { throw BrokerError(.closed, topic: topic, reason: "broker closed") }
        return self.append(message, to: topic, publishTime: message.publishTime, published: true)
    }

    /// Marks the broker closed; what it stored stays readable through the inspection methods.
    public func close() async {
        self.state.withLock { $0.closed = true }
    }

    /// Loads a recorded message with its original publish time, as if it had been published then.
    @discardableResult
    public func load(_ message: OutgoingMessage, to topic: String, publishTime: Timestamp) -> MessageID {
        self.append(message, to: topic, publishTime: publishTime, published: false)
    }

    private func append(_ message: OutgoingMessage, to topic: String, publishTime: Timestamp?, published: Bool)
        -> MessageID
    {
        self.state.withLock { state in
            // Appended in place: copying the topic's log out and back would copy every stored message on every
            // append (the buffer is shared while the dictionary holds it), which made replay quadratic.
            let index = state.index(of: topic)
            let count = state.logs[index].messages.count
            let time: Timestamp
            if let publishTime {
                time = publishTime
            } else {
                switch self.configuration.publishClock {
                case .logical:
                    time = state.logs[index].messages.last?.message.publishTime ?? Timestamp(millisecondsSinceEpoch: 0)
                case .fixed(let fixed): time = fixed
                }
            }
            let id = MessageID(entryId: UInt64(count))
            state.sequence += 1
            state.logs[index].messages.append(
                StoredMessage(
                    message: BrokerMessage(
                        topic: topic,
                        id: id,
                        publishTime: time,
                        payload: message.payload,
                        key: message.key,
                        properties: message.properties
                    ),
                    sequence: state.sequence,
                    published: published
                )
            )
            return id
        }
    }

    public func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
        try await self.subscribe(topics: topics, subscription: subscription, readFirst: [])
    }

    public func subscribe(
        topics: [String],
        subscription: String,
        readFirst: Set<String>
    ) async throws -> any BrokerConsumer {
        guard !self.state.withLock(\.closed) else { throw BrokerError(.closed, reason: "broker closed") }
        let generation = self.state.withLock { state in
            var generation = 0
            for topic in topics {
                let index = state.index(of: topic)
                state.logs[index].subscriptions[subscription, default: Subscription()].consumerGeneration += 1
                generation = max(generation, state.logs[index].subscriptions[subscription]!.consumerGeneration)
            }
            return generation
        }
        return InMemoryConsumer(
            broker: self,
            topics: topics,
            subscription: subscription,
            generation: generation,
            readFirst: readFirst
        )
    }

    /// Simulates a rebalance (as Kafka's consumer groups have): every consumer's next receive throws
    /// ``BrokerError/Code/assignmentChanged`` once, then starts again at the first unacknowledged message of each topic.
    /// With `.outOfOrder` it simulates the Pulsar consumer's answer to a broker that broke a topic's order instead.
    public func changeAssignment(reporting code: BrokerError.Code = .assignmentChanged) {
        self.state.withLock { state in
            state.assignment += 1
            state.restartCode = code
        }
    }

    /// Forgets every `n`th acknowledgement recorded so far, counted in acknowledgement order: those messages are
    /// delivered again to the next consumer, in topic order, as Pulsar does past its acknowledgement-hole limit and
    /// Kafka past its commit metadata limit. Returns how many were forgotten.
    @discardableResult
    public func forgetAcknowledgements(every n: Int) -> Int {
        precondition(n > 0, "forgetAcknowledgements(every:) needs a positive interval")
        return self.state.withLock { state in
            var kept: [RecordedAcknowledgement] = []
            kept.reserveCapacity(state.acknowledgementLog.count)
            var forgotten = 0
            for (index, recorded) in state.acknowledgementLog.enumerated() {
                guard (index + 1) % n == 0 else {
                    kept.append(recorded)
                    continue
                }
                guard let index = state.topicIndex[recorded.topic] else { continue }
                state.logs[index].subscriptions[recorded.subscription]?.acknowledged.remove(recorded.entry)
                forgotten += 1
            }
            state.acknowledgementLog = kept
            return forgotten
        }
    }

    /// Every message published through ``publish(_:to:)`` (not loaded), in publish order across topics.
    public var publishedMessages: [BrokerMessage] {
        self.state.withLock { state in
            state.logs.lazy.map(\.messages).joined().filter(\.published).sorted { $0.sequence < $1.sequence }
                .map(\.message)
        }
    }

    /// The messages of `topic` that `subscription` has not acknowledged.
    public func unacknowledged(topic: String, subscription: String) -> [BrokerMessage] {
        self.state.withLock { state in
            guard let log = state.log(topic) else { return [] }
            let acknowledged = log.subscriptions[subscription]?.acknowledged ?? []
            return log.messages.filter { !acknowledged.contains($0.message.id.entryId) }.map(\.message)
        }
    }

    /// The acknowledgement holes `subscription` has on `topic`: runs of unacknowledged messages followed by an
    /// acknowledged one (what Pulsar persists as individually acknowledged ranges).
    public func acknowledgementHoles(topic: String, subscription: String) -> Int {
        self.state.withLock { state in
            guard let log = state.log(topic) else { return 0 }
            let acknowledged = log.subscriptions[subscription]?.acknowledged ?? []
            var holes = 0
            var open = false
            for stored in log.messages {
                let isAcknowledged = acknowledged.contains(stored.message.id.entryId)
                if isAcknowledged, open { holes += 1 }
                open = !isAcknowledged
            }
            return holes
        }
    }

    /// Whether `subscription` has acknowledged the message.
    public func isAcknowledged(_ ref: MessageRef, subscription: String) -> Bool {
        self.state.withLock {
            $0.log(ref.topic)?.subscriptions[subscription]?.acknowledged.contains(ref.id.entryId) ?? false
        }
    }
}

/// The in-memory broker's options under a name of their own, for code that opens brokers from configuration.
public typealias InMemoryBrokerConfiguration = InMemoryBroker.Configuration

extension InMemoryBroker.Configuration {
    /// Opens a broker in this process's memory behind the seam (`BROKER=memory`).
    public func openBroker() -> any MessageBroker {
        InMemoryBroker(configuration: self)
    }
}
