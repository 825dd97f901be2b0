import CompositeBroker
import CompositeCore
import Logging
import Synchronization

/// One subscription on one (partition) topic: subscribing, flow permits, decoding deliveries (batches included),
/// individual acknowledgements, and subscribing again after the connection or the broker drops it.
///
/// A class with a lock rather than an actor: deliveries arrive on the connection's event loop and permits are
/// returned from `receive`, both synchronously and often.
final class PartitionConsumer: Sendable {
    struct EntryKey: Hashable {
        var ledgerID: UInt64
        var entryID: UInt64
    }

    /// Which indexes of a batched entry the engine has acknowledged; the entry is acknowledged when all are.
    struct BatchProgress {
        var size: Int
        var acknowledged: Set<Int32>
    }

    struct State {
        var connection: PulsarConnection?
        var consumerID: UInt64 = 0
        var epoch = 0
        var credits = 0
        var acknowledged: AcknowledgedSet
        var unsentAcknowledgements: [MessageIDData] = []
        var batches: [EntryKey: BatchProgress] = [:]
        var closed = false
        /// What the application has taken since this subscription began, and whether it came in order.
        var order = DeliveryOrder()
        /// Set when the broker did not answer `GET_LAST_MESSAGE_ID` (pulsar-lite ignores it): never caught up then.
        var lastMessageIDUnanswered = false
        /// A caught-up probe was published and has not been taken yet.
        var probeOutstanding = false
    }

    let topic: String
    /// The topic name messages report: the partitioned topic's name, not the partition's.
    let reportedTopic: String
    let partition: Int32
    let subscription: String
    let subscriptionType: PulsarSubscriptionType
    let consumerName: String
    private let client: PulsarClient
    private let queue: DeliveryQueue
    private let logger: Logger
    private let receiverQueueSize: Int
    private let state: Mutex<State>
    private let sendProbe: @Sendable () async throws(PulsarError) -> Void

    init(
        topic: String,
        reportedTopic: String,
        partition: Int32,
        subscription: String,
        subscriptionType: PulsarSubscriptionType,
        consumerName: String,
        client: PulsarClient,
        queue: DeliveryQueue,
        logger: Logger,
        sendProbe: @escaping @Sendable () async throws(PulsarError) -> Void
    ) {
        self.sendProbe = sendProbe
        self.topic = topic
        self.reportedTopic = reportedTopic
        self.partition = partition
        self.subscription = subscription
        self.subscriptionType = subscriptionType
        self.consumerName = consumerName
        self.client = client
        self.queue = queue
        self.logger = logger
        self.receiverQueueSize = max(2, client.configuration.receiverQueueSize)
        self.state = Mutex(State(acknowledged: AcknowledgedSet(capacity: 200_000)))
    }

    /// Subscribes, retrying what a fresh connection can fix (a broker restarting, a consumer of a killed process
    /// still registered) with backoff until the operation timeout.
    func subscribeRetrying() async throws(PulsarError) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: self.client.configuration.operationTimeout)
        var backoff = Backoff(
            initial: self.client.configuration.initialBackoff,
            maximum: self.client.configuration.maxBackoff
        )
        while true {
            do {
                try await self.subscribe()
                return
            } catch  where error.isRetriable && clock.now < deadline {
                self.logger.warning(
                    "subscribing failed; retrying",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)"]
                )
                try? await Task.sleep(for: min(backoff.next(), deadline - clock.now))
            }
        }
    }

    /// Looks the topic up, subscribes (creating the subscription at the earliest message) and grants permits.
    func subscribe() async throws(PulsarError) {
        let connection = try await self.client.brokerConnection(for: self.topic)
        let consumerID = await self.client.nextID()
        let epoch = self.state.withLock { state in
            state.epoch += 1
            return state.epoch
        }
        let registered = await connection.register(consumerID: consumerID) { [weak self] event in
            self?.handle(event, epoch: epoch)
        }
        guard registered else {
            throw PulsarError(.connectionFailed, "connection closed before SUBSCRIBE", topic: self.topic)
        }
        let (topic, subscription, type, name) = (
            self.topic, self.subscription, self.subscriptionType, self.consumerName
        )
        do throws(PulsarError) {
            let answer = try await connection.request(topic: topic) { id in
                .subscribe(
                    Subscribe(
                        topic: topic,
                        subscription: subscription,
                        subscriptionType: type,
                        consumerID: consumerID,
                        requestID: id,
                        consumerName: name
                    )
                )
            }
            guard case .success = answer else {
                throw PulsarError(.malformed, "SUBSCRIBE answered with \(answer.name)", topic: topic)
            }
        } catch {
            connection.unregister(consumerID: consumerID)
            throw error
        }
        let unsent = self.state.withLock { state -> [MessageIDData] in
            state.connection = connection
            state.consumerID = consumerID
            state.credits = 0
            defer { state.unsentAcknowledgements = [] }
            return state.unsentAcknowledgements
        }
        if !unsent.isEmpty { connection.write(.ack(Ack(consumerID: consumerID, messageIDs: unsent))) }
        connection.write(.flow(Flow(consumerID: consumerID, permits: UInt32(self.receiverQueueSize))))
        self.logger.debug("subscribed", metadata: ["topic": "\(topic)", "subscription": "\(subscription)"])
    }

    /// Called on the event loop for everything the connection hears for this consumer.
    private func handle(_ event: ConsumerEvent, epoch: Int) {
        switch event {
        case .message(let message, let payload):
            self.deliver(message, payload, epoch: epoch)
        case .disconnected(let error):
            let current = self.state.withLock { state -> Bool in
                guard state.epoch == epoch, !state.closed else { return false }
                state.connection = nil
                return true
            }
            guard current else { return }
            self.logger.warning(
                "consumer disconnected; subscribing again",
                metadata: ["topic": "\(self.topic)", "error": "\(error)"]
            )
            Task { await self.resubscribe() }
        }
    }

    private func resubscribe() async {
        var backoff = Backoff(
            initial: self.client.configuration.initialBackoff,
            maximum: self.client.configuration.maxBackoff
        )
        while !self.state.withLock({ $0.closed }) {
            try? await Task.sleep(for: backoff.next())
            do {
                try await self.subscribe()
                self.logger.info("consumer subscribed again", metadata: ["topic": "\(self.topic)"])
                return
            } catch  where error.isRetriable {
                self.logger.warning(
                    "subscribing again failed; retrying",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)"]
                )
            } catch {
                self.logger.error(
                    "subscribing again failed",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)"]
                )
                self.queue.fail(error)
                return
            }
        }
    }

    private func deliver(_ message: Message, _ payload: PulsarFrame.Payload, epoch: Int) {
        let decoded: [BrokerMessage]
        var skipped = 0
        do throws(PulsarError) {
            if let corruption = payload.corruption { throw PulsarError.malformed(corruption) }
            (decoded, skipped) = try self.decode(message, payload)
        } catch {
            // A corrupt or unreadable entry would come back after every restart: it is handed on whole, marked, and
            // the engine dead-letters it with its raw bytes and acknowledges it.
            let wire = message.messageID
            self.logger.error(
                "undecodable entry; it is dead-lettered",
                metadata: [
                    "topic": "\(self.topic)", "entry": "\(wire.ledgerID):\(wire.entryID)", "error": "\(error.reason)",
                ]
            )
            decoded = [
                BrokerMessage(
                    topic: self.reportedTopic,
                    id: MessageID(ledgerId: wire.ledgerID, entryId: wire.entryID, partition: self.partition),
                    publishTime: Timestamp(millisecondsSinceEpoch: 0),
                    payload: payload.body,
                    redeliveryCount: Int(message.redeliveryCount),
                    undecodable: error.reason
                )
            ]
        }
        // One lock per entry: a stopped subscription's last deliveries are dropped (they come again, in order, to
        // the next one), and messages acknowledged before are told apart.
        let current = self.state.withLock { state -> [BrokerMessage]? in
            guard state.epoch == epoch else { return nil }
            return decoded.filter { state.acknowledged.contains($0.id) }
        }
        guard let redelivered = current else { return }
        if !redelivered.isEmpty { self.acknowledge(redelivered.map(\.id)) }
        let fresh =
            redelivered.isEmpty ? decoded : decoded.filter { message in !redelivered.contains { $0.id == message.id } }
        self.queue.push(fresh.map { DeliveryQueue.Entry(message: $0, source: self, epoch: epoch) })
        if fresh.isEmpty {
            // Nothing of this entry is left for the application: it counts as taken, for the caught-up question.
            let wire = message.messageID
            let passed = MessageID(
                ledgerId: wire.ledgerID,
                entryId: wire.entryID,
                partition: self.partition,
                batchIndex: .max
            )
            self.state.withLock { $0.order.passed(passed) }
        }
        if skipped + redelivered.count > 0 { self.returnPermits(skipped + redelivered.count, epoch: epoch) }
    }

    /// The messages of one entry, and how many batch indexes were left out because the broker marked them acked.
    private func decode(_ message: Message, _ payload: PulsarFrame.Payload) throws(PulsarError) -> (
        [BrokerMessage], Int
    ) {
        let metadata = payload.metadata
        guard metadata.compression == 0 else {
            throw PulsarError(
                .malformed,
                "compressed with \(Self.codec(metadata.compression)), which this client does not decompress"
            )
        }
        let publishTime = Timestamp(millisecondsSinceEpoch: Int64(clamping: metadata.publishTime))
        let wire = message.messageID
        func id(_ batchIndex: Int32) -> MessageID {
            MessageID(ledgerId: wire.ledgerID, entryId: wire.entryID, partition: self.partition, batchIndex: batchIndex)
        }
        guard let count = metadata.numMessagesInBatch else {
            return (
                [
                    BrokerMessage(
                        topic: self.reportedTopic,
                        id: id(-1),
                        publishTime: publishTime,
                        payload: payload.body,
                        key: metadata.partitionKey,
                        properties: metadata.properties,
                        redeliveryCount: Int(message.redeliveryCount)
                    )
                ], 0
            )
        }
        let items = try BatchPayload.unpack(payload.body, count: Int(count))
        var messages: [BrokerMessage] = []
        var skipped = 0
        var alreadyAcknowledged: Set<Int32> = []
        for item in items {
            guard message.isUnacknowledged(batchIndex: item.index), !item.metadata.compactedOut else {
                skipped += 1
                alreadyAcknowledged.insert(Int32(item.index))
                continue
            }
            messages.append(
                BrokerMessage(
                    topic: self.reportedTopic,
                    id: id(Int32(item.index)),
                    publishTime: publishTime,
                    payload: item.payload,
                    key: item.metadata.partitionKey,
                    properties: item.metadata.properties,
                    redeliveryCount: Int(message.redeliveryCount)
                )
            )
        }
        let key = EntryKey(ledgerID: wire.ledgerID, entryID: wire.entryID)
        self.state.withLock { state in
            var progress = state.batches[key] ?? BatchProgress(size: items.count, acknowledged: [])
            progress.acknowledged.formUnion(alreadyAcknowledged)
            state.batches[key] = progress
        }
        return (messages, skipped)
    }

    /// The name of a `CompressionType` value of Pulsar's `MessageMetadata`.
    static func codec(_ value: UInt64) -> String {
        switch value {
        case 1: "LZ4"
        case 2: "ZLIB"
        case 3: "ZSTD"
        case 4: "SNAPPY"
        default: "compression \(value)"
        }
    }

    /// The application took message `id` from the queue; the verdict says whether it came in order.
    func consumed(_ id: MessageID, epoch: Int) -> DeliveryOrder.Verdict {
        var verdict = DeliveryOrder.Verdict.inOrder
        self.returnPermits(1, epoch: epoch) { state in
            verdict = state.order.take(id, acknowledgedBefore: state.acknowledged.contains(id))
        }
        return verdict
    }

    /// `count` messages left the receiver queue: return permits in halves of the queue. `taking` runs under the same
    /// lock, for the message the application took.
    private func returnPermits(_ count: Int, epoch: Int, taking: ((inout State) -> Void)? = nil) {
        let flow = self.state.withLock { state -> (PulsarConnection, UInt64, Int)? in
            taking?(&state)
            guard state.epoch == epoch, let connection = state.connection else { return nil }
            state.credits += count
            guard state.credits >= self.receiverQueueSize / 2 else { return nil }
            defer { state.credits = 0 }
            return (connection, state.consumerID, state.credits)
        }
        if let (connection, consumerID, permits) = flow {
            connection.write(.flow(Flow(consumerID: consumerID, permits: UInt32(permits))))
        }
    }

    /// Acknowledges messages individually. A batched entry is acknowledged when all its messages are.
    func acknowledge(_ ids: [MessageID]) {
        let send = self.state.withLock { state -> (PulsarConnection, UInt64, [MessageIDData])? in
            var entries: [MessageIDData] = []
            for id in ids {
                state.acknowledged.insert(id)
                state.order.acknowledged(id)
                let wire = MessageIDData(ledgerID: id.ledgerId, entryID: id.entryId, partition: self.partition)
                guard id.batchIndex >= 0 else {
                    entries.append(wire)
                    continue
                }
                let key = EntryKey(ledgerID: id.ledgerId, entryID: id.entryId)
                guard var progress = state.batches[key] else {
                    // The batch's progress was already completed and forgotten: acknowledge the entry again.
                    entries.append(wire)
                    continue
                }
                progress.acknowledged.insert(id.batchIndex)
                if progress.acknowledged.count >= progress.size {
                    state.batches[key] = nil
                    entries.append(wire)
                } else {
                    state.batches[key] = progress
                }
            }
            guard !entries.isEmpty else { return nil }
            guard let connection = state.connection, connection.isActive else {
                state.unsentAcknowledgements += entries
                return nil
            }
            return (connection, state.consumerID, entries)
        }
        if let (connection, consumerID, entries) = send {
            connection.write(.ack(Ack(consumerID: consumerID, messageIDs: entries)))
        }
    }

    /// A probe was taken from the queue: everything stored before it has been taken. It is acknowledged here and
    /// never reaches the application.
    func probeTaken(_ id: MessageID) {
        self.state.withLock { $0.probeOutstanding = false }
        self.acknowledge([id])
    }

    /// Whether the application has taken every message stored on this partition: the broker's last message id
    /// against the highest one taken; when that is inconclusive, a probe (``CaughtUpProbe``) is published. Apache
    /// Pulsar delivers an Exclusive or Failover subscription in order, a reconnected consumer's redeliveries first,
    /// so having taken the last message (or a later probe) means having taken them all.
    /// No answer (a broker without `GET_LAST_MESSAGE_ID`, a connection being replaced) counts as not caught up.
    func isCaughtUp() async -> Bool {
        let asked = self.state.withLock { state -> (PulsarConnection, UInt64)? in
            guard !state.lastMessageIDUnanswered, let connection = state.connection, connection.isActive else {
                return nil
            }
            return (connection, state.consumerID)
        }
        guard let (connection, consumerID) = asked else { return false }
        let answer: PulsarCommand
        do {
            answer = try await connection.request(topic: self.topic, timeout: Self.lastMessageIDTimeout) { id in
                .getLastMessageID(GetLastMessageID(consumerID: consumerID, requestID: id))
            }
        } catch {
            if error.code == .timeout {
                self.state.withLock { $0.lastMessageIDUnanswered = true }
                self.logger.warning(
                    "the broker does not answer GET_LAST_MESSAGE_ID: this topic never counts as idle, decisions wait for traffic",
                    metadata: ["topic": "\(self.topic)"]
                )
            }
            return false
        }
        guard case .getLastMessageIDResponse(let response) = answer else { return false }
        guard let last = response.lastMessageID else { return true }
        let stored = MessageID(
            ledgerId: last.ledgerID,
            entryId: last.entryID,
            partition: self.partition,
            batchIndex: last.batchIndex
        )
        let (caughtUp, probe, taken) = self.state.withLock { state in
            let caughtUp = state.order.hasTaken(upTo: stored)
            defer { if !caughtUp { state.probeOutstanding = true } }
            return (caughtUp, !caughtUp && !state.probeOutstanding, state.order.highestTaken)
        }
        guard !caughtUp else { return true }
        self.logger.debug(
            "not caught up",
            metadata: [
                "topic": "\(self.topic)", "last": "\(stored)", "taken": "\(taken.map { "\($0)" } ?? "none")",
                "probe": "\(probe)",
            ]
        )
        if probe {
            do {
                try await self.sendProbe()
            } catch {
                self.state.withLock { $0.probeOutstanding = false }
                self.logger.warning(
                    "publishing a caught-up probe failed",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)"]
                )
            }
        }
        return false
    }

    /// How long a `GET_LAST_MESSAGE_ID` may take before the broker is taken not to support it.
    static let lastMessageIDTimeout = Duration.seconds(5)

    /// Ends this subscription's broker consumer without closing the partition consumer, so that a later
    /// ``restart()`` subscribes afresh: the broker then delivers every unacknowledged message again, in order.
    func stop() async {
        let (connection, consumerID) = self.state.withLock { state in
            state.epoch += 1
            defer { state.connection = nil }
            return (state.connection, state.consumerID)
        }
        await Self.closeConsumer(connection, consumerID, topic: self.topic)
    }

    /// Subscribes again after ``stop()``, with the delivery order forgotten.
    func restart() async {
        self.state.withLock { state in
            state.order.reset()
            state.probeOutstanding = false
        }
        await self.resubscribe()
    }

    func close() async {
        let (connection, consumerID) = self.state.withLock { state in
            state.closed = true
            defer { state.connection = nil }
            return (state.connection, state.consumerID)
        }
        await Self.closeConsumer(connection, consumerID, topic: self.topic)
    }

    private static func closeConsumer(_ connection: PulsarConnection?, _ consumerID: UInt64, topic: String) async {
        guard let connection, connection.isActive else { return }
        connection.unregister(consumerID: consumerID)
        _ = try? await connection.request(topic: topic) { id in
            .closeConsumer(CloseConsumer(consumerID: consumerID, requestID: id))
        }
    }
}
