import CompositeBroker
import CompositeCore
import Logging
import Synchronization

/// One subscription on one (partition) topic: subscribing, decoding deliveries (batches included), and subscribing
/// again after the connection or the broker drops it. Permits, acknowledgements, the delivery order and the
/// caught-up question are kept by a ``PartitionConsumerStateMachine``; this class performs what it returns.
///
/// A class with a lock rather than an actor: deliveries arrive on the connection's event loop and permits are
/// returned from `receive`, both synchronously and often.
final class PartitionConsumer: Sendable {
    /// The machine, and the connection its current subscription writes to.
    struct State {
        var machine: PartitionConsumerStateMachine
        var connection: PulsarConnection?

        var connectionActive: Bool { self.connection?.isActive ?? false }
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
    let state: Mutex<State>
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
        self.state = Mutex(
            State(
                machine: PartitionConsumerStateMachine(
                    partition: partition,
                    receiverQueueSize: client.configuration.receiverQueueSize
                )
            )
        )
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
        let epoch = self.state.withLock { $0.machine.subscribing() }
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
        let actions = self.state.withLock { state in
            state.connection = connection
            return state.machine.subscribed(consumerID: consumerID)
        }
        for action in actions { Self.perform(action, on: connection) }
        self.logger.debug("subscribed", metadata: ["topic": "\(topic)", "subscription": "\(subscription)"])
    }

    /// Called on the event loop for everything the connection hears for this consumer.
    private func handle(_ event: ConsumerEvent, epoch: Int) {
        switch event {
        case .message(let message, let payload):
            self.deliver(message, payload, epoch: epoch)
        case .disconnected(let error):
            let current = self.state.withLock { state -> Bool in
                guard state.machine.disconnected(epoch: epoch) else { return false }
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
        while !self.state.withLock({ $0.machine.isClosed }) {
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
        let wire = message.messageID
        let arrival = self.state.withLock { state -> (PartitionConsumerStateMachine.Arrival, PulsarConnection?)? in
            guard
                let arrival = state.machine.entryArrived(
                    decoded.map(\.id),
                    skipped: skipped,
                    ledgerID: wire.ledgerID,
                    entryID: wire.entryID,
                    epoch: epoch,
                    connectionActive: state.connectionActive
                )
            else { return nil }
            return (arrival, state.connection)
        }
        guard let (arrival, connection) = arrival else { return }
        let fresh = Set(arrival.fresh)
        self.queue.push(
            decoded.filter { fresh.contains($0.id) }.map {
                DeliveryQueue.Entry(message: $0, source: self, epoch: epoch)
            }
        )
        if let connection { for action in arrival.actions { Self.perform(action, on: connection) } }
    }

    /// The application took message `id` from the queue; the verdict says whether it came in order.
    func consumed(_ id: MessageID, epoch: Int) -> DeliveryOrder.Verdict {
        let (verdict, action, connection) = self.state.withLock { state in
            let (verdict, action) = state.machine.taken(id, epoch: epoch)
            return (verdict, action, state.connection)
        }
        if let action, let connection { Self.perform(action, on: connection) }
        return verdict
    }

    /// Acknowledges messages individually. A batched entry is acknowledged when all its messages are.
    func acknowledge(_ ids: [MessageID]) {
        self.performLocked { $0.machine.acknowledge(ids, connectionActive: $0.connectionActive) }
    }

    /// A probe was taken from the queue: everything stored before it has been taken. It is acknowledged here and
    /// never reaches the application.
    func probeTaken(_ id: MessageID) {
        self.performLocked { $0.machine.probeTaken(id, connectionActive: $0.connectionActive) }
    }

    /// Runs an input of the machine under the lock, then writes what it returned on the current connection.
    private func performLocked(_ input: (inout State) -> PartitionConsumerStateMachine.Action?) {
        let (action, connection) = self.state.withLock { state in (input(&state), state.connection) }
        if let action, let connection { Self.perform(action, on: connection) }
    }

    private static func perform(_ action: PartitionConsumerStateMachine.Action, on connection: PulsarConnection) {
        switch action {
        case .sendFlow(let consumerID, let permits):
            connection.write(.flow(Flow(consumerID: consumerID, permits: permits)))
        case .sendAck(let consumerID, let entries):
            connection.write(.ack(Ack(consumerID: consumerID, messageIDs: entries)))
        }
    }

    /// Whether the application has taken every message stored on this partition: the broker's last message id
    /// against the highest one taken; when that is inconclusive, a probe (``CaughtUpProbe``) is published. Apache
    /// Pulsar delivers an Exclusive or Failover subscription in order, a reconnected consumer's redeliveries first,
    /// so having taken the last message (or a later probe) means having taken them all.
    /// No answer (a broker without `GET_LAST_MESSAGE_ID`, a connection being replaced) counts as not caught up.
    func isCaughtUp() async -> Bool {
        let asked = self.state.withLock { state -> (PulsarConnection, UInt64)? in
            guard state.machine.mayAskForLastMessageID(connectionActive: state.connectionActive),
                let connection = state.connection
            else { return nil }
            return (connection, state.machine.consumerID)
        }
        guard let (connection, consumerID) = asked else { return false }
        let answer: PulsarCommand
        do {
            answer = try await connection.request(topic: self.topic, timeout: Self.lastMessageIDTimeout) { id in
                .getLastMessageID(GetLastMessageID(consumerID: consumerID, requestID: id))
            }
        } catch {
            if error.code == .timeout {
                self.state.withLock { $0.machine.lastMessageIDUnansweredInTime() }
                self.logger.warning(
                    "the broker does not answer GET_LAST_MESSAGE_ID: this topic never counts as idle, decisions wait for traffic",
                    metadata: ["topic": "\(self.topic)"]
                )
            }
            return false
        }
        guard case .getLastMessageIDResponse(let response) = answer else { return false }
        let stored = response.lastMessageID.map {
            MessageID(ledgerId: $0.ledgerID, entryId: $0.entryID, partition: self.partition, batchIndex: $0.batchIndex)
        }
        guard case .notCaughtUp(let probe, let taken) = self.state.withLock({ $0.machine.lastMessageID(stored) })
        else { return true }
        self.logger.debug(
            "not caught up",
            metadata: [
                "topic": "\(self.topic)", "last": "\(stored.map { "\($0)" } ?? "none")",
                "taken": "\(taken.map { "\($0)" } ?? "none")",
                "probe": "\(probe)",
            ]
        )
        if probe {
            do {
                try await self.sendProbe()
            } catch {
                self.state.withLock { $0.machine.probeFailed() }
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
            defer { state.connection = nil }
            return (state.connection, state.machine.stop())
        }
        await Self.closeConsumer(connection, consumerID, topic: self.topic)
    }

    /// Subscribes again after ``stop()``, with the delivery order forgotten.
    func restart() async {
        self.state.withLock { $0.machine.restarted() }
        await self.resubscribe()
    }

    func close() async {
        let (connection, consumerID) = self.state.withLock { state in
            defer { state.connection = nil }
            return (state.connection, state.machine.close())
        }
        await Self.closeConsumer(connection, consumerID, topic: self.topic)
    }

    private static func closeConsumer(_ connection: PulsarConnection?, _ consumerID: UInt64?, topic: String) async {
        guard let connection, let consumerID, connection.isActive else { return }
        connection.unregister(consumerID: consumerID)
        _ = try? await connection.request(topic: topic) { id in
            .closeConsumer(CloseConsumer(consumerID: consumerID, requestID: id))
        }
    }
}
