import CompositeBroker
import CompositeCore
import Foundation
import Logging
import Synchronization

/// Apache Pulsar behind the service's ``MessageBroker`` protocol, over this module's own client.
///
/// - Publishing returns after the broker's receipt.
/// - Subscribing creates the subscription at the earliest message (so nothing published before the service first
///   started is missed) with the configured type, Failover by default; every partition of a partitioned topic is
///   consumed, and messages report the partitioned topic's name with the partition in their id.
public final class PulsarBroker: MessageBroker {
    public let client: PulsarClient
    public let subscriptionType: PulsarSubscriptionType
    public let consumerName: String
    private let logger: Logger

    /// Every instance subscribes under this one name. A Failover subscription picks its active consumer by name, and
    /// among equal names keeps the one registered first; so a restarted service never takes over from a consumer the
    /// broker still has registered, but waits until the broker drops it and rewinds the subscription, and all of a
    /// tenant's non-partitioned topics stay with one instance. (Distinct names let a newcomer whose name sorts first
    /// take over at once; pulsar-lite then skips the old consumer's unacknowledged messages until the next rewind.)
    public static let defaultConsumerName = "composite-service"
    private let producers = Mutex<[String: PulsarProducer]>([:])
    private let roundRobin = Mutex(0)

    public init(
        configuration: PulsarClientConfiguration,
        subscriptionType: PulsarSubscriptionType = .failover,
        consumerName: String? = nil,
        logger: Logger
    ) throws(PulsarError) {
        self.client = try PulsarClient(configuration: configuration, logger: logger)
        self.subscriptionType = subscriptionType
        self.consumerName = consumerName ?? Self.defaultConsumerName
        self.logger = logger
    }

    public func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
        do throws(PulsarError) {
            let partitions = try await self.client.partitions(of: topic)
            let partition = partitions > 0 ? self.partition(for: message.key, of: partitions) : -1
            let target = partition >= 0 ? "\(topic)-partition-\(partition)" : topic
            let producer = self.producer(for: target)
            let publishTime =
                message.publishTime.map { UInt64(clamping: $0.millisecondsSinceEpoch) }
                ?? UInt64(Date().timeIntervalSince1970 * 1000)
            let id = try await producer.send(
                PulsarOutgoing(
                    payload: message.payload,
                    key: message.key,
                    properties: message.properties,
                    publishTime: publishTime
                )
            )
            return MessageID(
                ledgerId: id.ledgerID,
                entryId: id.entryID,
                partition: partition,
                batchIndex: id.batchIndex
            )
        } catch {
            throw BrokerError(
                error.code == .messageTooLarge ? .messageTooLarge : .publishFailed,
                topic: topic,
                reason: error.description
            )
        }
    }

    private func producer(for target: String) -> PulsarProducer {
        self.producers.withLock { producers in
            if let producer = producers[target] { return producer }
            let producer = PulsarProducer(topic: target, client: self.client, logger: self.logger)
            producers[target] = producer
            return producer
        }
    }

    /// Publishes a caught-up probe (see ``CaughtUpProbe``) to one partition topic.
    private func sendProbe(to target: String) async throws(PulsarError) {
        _ = try await self.producer(for: target).send(
            PulsarOutgoing(
                payload: CaughtUpProbe.payload,
                key: nil,
                properties: [CaughtUpProbe.property: "1"],
                publishTime: UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            )
        )
    }

    /// Keyed messages always go to the same partition; unkeyed ones take turns.
    private func partition(for key: String?, of count: Int) -> Int32 {
        guard let key else {
            return Int32(
                self.roundRobin.withLock { next in
                    defer { next = (next + 1) % count }
                    return next
                }
            )
        }
        var hash: UInt32 = 0x811c_9dc5
        for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return Int32(hash % UInt32(count))
    }

    public func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
        let queue = DeliveryQueue()
        var consumers: [PartitionConsumer] = []
        do throws(PulsarError) {
            for topic in topics {
                let partitions = try await self.client.partitions(of: topic)
                let targets: [(String, Int32)] =
                    partitions > 0
                    ? (0..<partitions).map { ("\(topic)-partition-\($0)", Int32($0)) } : [(topic, Int32(-1))]
                for (target, partition) in targets {
                    let consumer = PartitionConsumer(
                        topic: target,
                        reportedTopic: topic,
                        partition: partition,
                        subscription: subscription,
                        subscriptionType: self.subscriptionType,
                        consumerName: self.consumerName,
                        client: self.client,
                        queue: queue,
                        logger: self.logger,
                        sendProbe: { () async throws(PulsarError) in try await self.sendProbe(to: target) }
                    )
                    try await consumer.subscribeRetrying()
                    consumers.append(consumer)
                }
            }
        } catch {
            for consumer in consumers { await consumer.close() }
            throw BrokerError(.connectionFailed, topic: error.topic, reason: error.description)
        }
        return PulsarConsumer(queue: queue, partitions: consumers)
    }

    /// Closes the producers and every connection.
    public func close() async {
        let producers = self.producers.withLock { producers in
            defer { producers = [:] }
            return Array(producers.values)
        }
        for producer in producers { await producer.close() }
        await self.client.close()
    }
}

extension PulsarClientConfiguration {
    /// Opens a broker on this cluster behind the seam, as the service uses it.
    public func openBroker(subscriptionType: PulsarSubscriptionType, logger: Logger) throws(PulsarError)
        -> any MessageBroker
    {
        try PulsarBroker(configuration: self, subscriptionType: subscriptionType, logger: logger)
    }
}
