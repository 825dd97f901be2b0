import CompositeBroker
import CompositeCore

/// A ``BrokerConsumer`` over every partition of the subscribed topics, fed by one receiver queue.
final class PulsarConsumer: BrokerConsumer {
    struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }

    private let queue: DeliveryQueue
    private let partitions: [PartitionKey: PartitionConsumer]

    init(queue: DeliveryQueue, partitions: [PartitionConsumer]) {
        self.queue = queue
        self.partitions = Dictionary(
            partitions.map { (PartitionKey(topic: $0.reportedTopic, partition: $0.partition), $0) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    func receive(timeout: Duration) async throws -> BrokerMessage? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let entry: DeliveryQueue.Entry?
            do {
                entry = try await self.queue.pop(timeout: max(.zero, deadline - clock.now))
            } catch {
                throw BrokerError(
                    error.code == .closed ? .closed : .connectionFailed,
                    topic: error.topic,
                    reason: error.description
                )
            }
            guard let entry else { return nil }
            guard case .outOfOrder(let late, let newer) = entry.source.consumed(entry.message.id, epoch: entry.epoch)
            else {
                if CaughtUpProbe.isProbe(entry.message.properties) {
                    entry.source.probeTaken(entry.message.id)
                    continue
                }
                return entry.message
            }
            try await self.startOver(late: late, newer: newer, topic: entry.message.topic)
        }
    }

    private func startOver(late: MessageID, newer: MessageID, topic: String) async throws -> Never {
        // The message is not handed on: the engine may already have acted on the newer ones as if nothing older were
        // left. Every partition subscribes afresh, so the broker delivers all that is unacknowledged again, in order,
        // and the caller rebuilds its state from that.
        await self.restartSubscriptions()
        throw BrokerError(
            .outOfOrder,
            topic: topic,
            reason:
                "the broker delivered \(late) for the first time after the newer \(newer); subscribing again to read in order"
        )
    }

    private func restartSubscriptions() async {
        for consumer in self.partitions.values { await consumer.stop() }
        self.queue.removeAll()
        for consumer in self.partitions.values { await consumer.restart() }
    }

    func acknowledge(_ messages: [MessageRef]) async throws {
        var grouped: [PartitionKey: [MessageID]] = [:]
        for message in messages {
            grouped[PartitionKey(topic: message.topic, partition: message.id.partition), default: []].append(message.id)
        }
        for (key, ids) in grouped {
            guard let consumer = self.partitions[key] else {
                throw BrokerError(
                    .unknownTopic,
                    topic: key.topic,
                    reason: "this consumer does not read partition \(key.partition)"
                )
            }
            consumer.acknowledge(ids)
        }
    }

    func isCaughtUp(on topic: String) async throws -> Bool {
        let partitions = self.partitions.values.filter { $0.reportedTopic == topic }
        guard !partitions.isEmpty else { return false }
        for partition in partitions where await !partition.isCaughtUp() { return false }
        return true
    }

    func close() async {
        for consumer in self.partitions.values { await consumer.close() }
        self.queue.fail(PulsarError(.closed, "consumer is closed"))
    }
}
