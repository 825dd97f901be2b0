import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation

/// End to end through the embedded broker: publish the stream durably, then consume, reduce, publish results and
/// acknowledge through the same `EngineDriver` the service runs.
enum EmbeddedBrokerBenchmark {
    static func run(stream: [Delivery], catalog: ScorerCatalog) async throws -> (
        publishRate: Double, endToEndRate: Double
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "composite-bench-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = try EmbeddedBrokerConfiguration(dataDirectory: directory.path).open()
        let clock = ContinuousClock()
        let publishStart = clock.now
        try Self.load(stream, into: broker, batch: 1_000)
        let publishSeconds = seconds(clock.now - publishStart)
        let topics = Array(Set(stream.map(\.topic))).sorted()
        let consumer = try await broker.subscribe(
            topics: topics + Self.stateTopics(of: topics),
            subscription: "composite-service"
        )
        let driver = EngineDriver(
            engine: CompositeEngine(catalog: catalog),
            broker: broker,
            consumer: consumer,
            patients: FixedPatients()
        )
        let start = clock.now
        var consumed = 0
        while true {
            let batch = try await Self.batch(from: consumer, timeout: .zero)
            guard !batch.isEmpty else { break }
            try await driver.process(batch)
            consumed += batch.filter { Self.isInput($0, of: topics) }.count
        }
        try await driver.endOfInput()
        await consumer.close()
        let elapsed = seconds(clock.now - start)
        return (Double(stream.count) / publishSeconds, Double(consumed) / elapsed)
    }

    /// As the service reads: what the consumer has buffered, up to the processor's batch size, so that results go to
    /// the broker together (group commit).
    static func batch(from consumer: any BrokerConsumer, timeout: Duration) async throws -> [BrokerMessage] {
        var batch: [BrokerMessage] = []
        var next = try await consumer.receive(timeout: timeout)
        while let message = next {
            batch.append(message)
            guard batch.count < CompositeProcessor.batchSize else { break }
            next = try await consumer.receive(timeout: .zero)
        }
        return batch
    }

    /// The tenants' state topics, which the service reads too: decision proofs and carried copies go there.
    static func stateTopics(of topics: [String]) -> [String] {
        let subscription = EngineConfiguration().subscription
        return Array(Set(topics.compactMap { TenantTopic($0)?.stateTopic(subscription: subscription) })).sorted()
    }

    /// A message of the benchmark's stream (not a result read back, not the service's own state).
    static func isInput(_ message: BrokerMessage, of topics: [String]) -> Bool {
        topics.contains(message.topic)
            && !message.payload.starts(with: Array(#"{"name":"CompositeScoreGenerated""#.utf8))
    }

    /// Publishes `stream` with its publish times, `batch` messages per transaction.
    static func load(_ stream: [Delivery], into broker: EmbeddedBroker, batch: Int) throws {
        for start in stride(from: 0, to: stream.count, by: batch) {
            _ = try broker.store(
                stream[start..<min(stream.count, start + batch)].map {
                    (OutgoingMessage(payload: $0.payload, publishTime: $0.publishTime), $0.topic)
                }
            )
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    struct FixedPatients: PatientDirectory {
        func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? {
            PatientRecord(birthDate: CivilDate(year: 1941, month: 3, day: 2))
        }
    }
}
