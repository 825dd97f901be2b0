import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositePulsar
import CompositeService
import Foundation
import Logging

/// Through the Pulsar client against a real Pulsar-protocol broker (pulsar-lite on loopback): consume, reduce,
/// publish results and acknowledge, compared with the official client's raw consume-and-acknowledge rate of the
/// same topics in the same run.
enum PulsarBenchmark {
    struct Rates {
        var officialConsume: Double
        var rawConsume: Double
        var endToEnd: Double
        /// Engine rebuilds the broker's delivery order forced during the end-to-end run.
        var rebuilds: Int
    }

    static func run(stream: [Delivery], catalog: ScorerCatalog) async throws -> Rates {
        let server = try PulsarLiteServer()
        defer { server.stop() }
        try await server.start()
        let logger = Logger(label: "pulsar-benchmark")
        let broker = try PulsarBroker(
            configuration: PulsarClientConfiguration(serviceURL: server.serviceURL),
            logger: logger
        )
        for delivery in stream {
            _ = try await broker.publish(
                OutgoingMessage(payload: delivery.payload, publishTime: delivery.publishTime),
                to: delivery.topic
            )
        }
        let topics = Array(Set(stream.map(\.topic))).sorted()

        let official = try OfficialPulsarClient.consumeRate(
            serviceURL: server.serviceURL,
            topics: topics,
            count: stream.count
        )

        // Our client alone: receive and acknowledge, no engine.
        let clock = ContinuousClock()
        let raw = try await broker.subscribe(topics: topics, subscription: "raw")
        var rawCount = 0
        let rawStart = clock.now
        while let message = try await raw.receive(timeout: .seconds(1)) {
            try await raw.acknowledge([MessageRef(topic: message.topic, id: message.id)])
            rawCount += 1
        }
        let rawSeconds = EmbeddedBrokerBenchmark.seconds(clock.now - rawStart - .seconds(1))
        await raw.close()

        let consumer = try await broker.subscribe(
            topics: topics + EmbeddedBrokerBenchmark.stateTopics(of: topics),
            subscription: "composite-service"
        )
        func makeDriver() -> EngineDriver {
            EngineDriver(
                engine: CompositeEngine(catalog: catalog),
                broker: broker,
                consumer: consumer,
                patients: EmbeddedBrokerBenchmark.FixedPatients()
            )
        }
        var driver = makeDriver()
        // Distinct stream messages: after a rebuild the unacknowledged ones come again and count once.
        var consumed: Set<MessageRef> = []
        var rebuilds = 0
        let start = clock.now
        while consumed.count < stream.count {
            do {
                let batch = try await EmbeddedBrokerBenchmark.batch(from: consumer, timeout: .seconds(5))
                guard !batch.isEmpty else { break }
                try await driver.process(batch)
                for message in batch where EmbeddedBrokerBenchmark.isInput(message, of: topics) {
                    consumed.insert(MessageRef(topic: message.topic, id: message.id))
                }
            } catch let error as BrokerError where error.code == .outOfOrder || error.code == .assignmentChanged {
                // As the service does: pulsar-lite sometimes redelivers an unacknowledged state-topic message after
                // newer ones; the client subscribes again and the engine is rebuilt from what comes back.
                rebuilds += 1
                driver = makeDriver()
            }
        }
        try await driver.endOfInput()
        let seconds = EmbeddedBrokerBenchmark.seconds(clock.now - start)
        await consumer.close()
        await broker.close()
        server.stop()
        return Rates(
            officialConsume: official,
            rawConsume: Double(rawCount) / rawSeconds,
            endToEnd: Double(consumed.count) / seconds,
            rebuilds: rebuilds
        )
    }
}
