import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Synchronization

/// Issue 14's recovery and memory lines. Recovery: a service on the embedded broker holds `pending` composites with
/// every component in (ten messages each) because the patient directory is down; it restarts with the directory back
/// and reads everything back. Memory: what an engine keeps per pending composite and per held message.
/// `swift run -c release CompositeBenchmarks recovery [pending]` and `... memory [pending]`.
enum RecoveryBenchmark {
    struct Recovery {
        var held: Int
        var pending: Int
        /// Until everything held was read back and `decided` composites were decided.
        var readBackSeconds: Double
        var firstResultSeconds: Double
        var decided: Int
    }

    /// Holding everything on the input topics (no carrying), as a service whose carry bound is the largest: the
    /// restart then reads all `10 × pending` messages back from the input, the worst case for recovery.
    static func configuration() -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.maxHeldPerTopic = 1_000_000
        configuration.carryAge = 365 * 86_400_000
        return configuration
    }

    static func recovery(pending: Int, catalog: ScorerCatalog) async throws -> Recovery {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "composite-recovery-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = try EmbeddedBrokerConfiguration(dataDirectory: directory.path).open()
        let stream = StreamGenerator.make(patients: pending)
        try EmbeddedBrokerBenchmark.load(stream, into: broker, batch: 10_000)
        let topics = Array(Set(stream.map(\.topic))).sorted()
        let state = TenantTopic(topics[0])!.stateTopic(subscription: Self.configuration().subscription)
        let subscribed = topics + [state]

        // First life: the directory is down, so every composite waits with all its messages held.
        let first = try await broker.subscribe(topics: subscribed, subscription: "composite-service")
        let outage = EngineDriver(
            engine: CompositeEngine(configuration: Self.configuration(), catalog: catalog),
            broker: broker,
            consumer: first,
            patients: UnreachablePatients()
        )
        try await outage.stateTopicsRead()
        while let message = try await first.receive(timeout: .zero) { try await outage.process(message) }
        let statistics = await outage.statistics
        precondition(statistics.pendingComposites == pending, "\(statistics.pendingComposites) pending of \(pending)")
        await first.close()

        // Second life: the directory is back. Time until everything is read back, and until every composite is decided.
        let results = Mutex(0)
        let clock = ContinuousClock()
        let began = clock.now
        let firstResult = Mutex<Duration?>(nil)
        let second = try await broker.subscribe(topics: subscribed, subscription: "composite-service")
        let driver = EngineDriver(
            engine: CompositeEngine(configuration: Self.configuration(), catalog: catalog),
            broker: broker,
            consumer: second,
            patients: EmbeddedBrokerBenchmark.FixedPatients(),
            published: { publication in
                guard case .result = publication.kind else { return }
                results.withLock { $0 += 1 }
                firstResult.withLock { $0 = $0 ?? (clock.now - began) }
            }
        )
        try await driver.stateTopicsRead()
        // As the service reads: what the consumer has buffered, a batch at a time.
        while true {
            let batch = try await EmbeddedBrokerBenchmark.batch(from: second, timeout: .zero)
            guard !batch.isEmpty else { break }
            try await driver.process(batch)
        }
        let readBack = clock.now - began
        // The stream's last composites wait for a later message to move the watermark past them (in the service,
        // the idle advance); every other one is decided by the time everything is read back.
        let decided = results.withLock { $0 }
        precondition(decided >= pending - 10, "\(decided) results of \(pending)")
        await second.close()
        return Recovery(
            held: statistics.unacknowledgedMessages,
            pending: pending,
            readBackSeconds: EmbeddedBrokerBenchmark.seconds(readBack),
            firstResultSeconds: EmbeddedBrokerBenchmark.seconds(firstResult.withLock { $0 } ?? readBack),
            decided: decided
        )
    }

    /// Resident memory an engine adds per pending composite and per held message, each payload in its own buffer as
    /// it comes from a broker (the generated stream is built before the first measurement).
    static func memory(pending: Int, catalog: ScorerCatalog) -> (perComposite: Double, perHeld: Double, held: Int) {
        let stream = StreamGenerator.make(patients: pending)
        let before = EngineBenchmark.residentBytes()
        var engine = CompositeEngine(configuration: Self.configuration(), catalog: catalog)
        for delivery in stream {
            var fresh = delivery
            fresh.payload = delivery.payload.withUnsafeBufferPointer { Array($0) }
            // Lookups stay unanswered: the composites wait, as during a directory outage.
            _ = engine.receive(fresh)
        }
        let grown = Double(EngineBenchmark.residentBytes() - before)
        let statistics = engine.statistics
        precondition(statistics.pendingComposites == pending, "\(statistics.pendingComposites) pending of \(pending)")
        return (
            grown / Double(pending), grown / Double(statistics.unacknowledgedMessages),
            statistics.unacknowledgedMessages
        )
    }

    struct UnreachablePatients: PatientDirectory {
        struct Unreachable: Error, CustomStringConvertible {
            var description: String { "the patient directory is unreachable (benchmark)" }
        }

        func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? { throw Unreachable() }
    }
}
