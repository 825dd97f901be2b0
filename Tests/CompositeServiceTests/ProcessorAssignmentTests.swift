import CompositeBroker
import CompositeCore
import CompositeService
import Foundation
import Logging
import Testing

/// The processor's answer to a rebalance, with the in-memory broker's simulated one: drop the engine, rebuild it
/// from redelivery, and still publish exactly what an uninterrupted replay publishes.
struct ProcessorAssignmentTests {
    @Test func assignmentChangesMidStreamRebuildTheEngineAndEndWithTheReplayResults() async throws {
        let directory = try temporaryDirectory("assignment")
        let (messages, patientFile) = GeneratedStream.make(patients: 120, seed: 3)
        let patients = try ReplayComparison.writePatients(patientFile, into: directory)
        let expected = try await ReplayComparison.expected(messages, patients: patients)
        let broker = InMemoryBroker()
        let configuration = try ServiceConfiguration.load(environment: [
            "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "BROKER": "memory",
            "COMPOSITES_DIR": ReplayComparison.composites, "IDLE_SECONDS": "86400", "HTTP_PORT": "0",
        ])
        var logger = Logger(label: "assignment-test")
        logger.logLevel = .warning
        let metrics = ServiceMetrics()
        let processor = CompositeProcessor(
            configuration: configuration,
            broker: broker,
            patients: try JSONLinesPatientDirectory(contents: patientFile, fileName: patients.path),
            scorers: try ScorerSource(directory: ReplayComparison.composites, metrics: metrics, logger: logger),
            metrics: metrics,
            logger: logger
        )
        let running = Task { try await processor.run() }
        defer { running.cancel() }
        func records() -> [ReplayRecord] {
            broker.publishedMessages.compactMap {
                ReplayComparison.record(topic: $0.topic, payload: $0.payload, properties: $0.properties)
            }
        }
        let third = messages.count / 3
        for part in [messages[..<third], messages[third..<(2 * third)], messages[(2 * third)...]] {
            try await ServiceRunner.publish(Array(part), to: broker)
            try await Task.sleep(for: .milliseconds(150))
            broker.changeAssignment()
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while ReplayComparison.distinct(records()) != expected, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ReplayComparison.distinct(records()) == expected)
        ReplayComparison.expectNoDifferingDuplicates(records())
    }

    @Test func inMemoryConsumersThrowOnceAndThenRedeliverWhatWasNotAcknowledged() async throws {
        let broker = InMemoryBroker()
        for index in 0..<3 { _ = try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: "t") }
        let consumer = try await broker.subscribe(topics: ["t"], subscription: "s")
        let first = try #require(try await consumer.receive(timeout: .milliseconds(10)))
        try await consumer.acknowledge([MessageRef(topic: "t", id: first.id)])
        _ = try await consumer.receive(timeout: .milliseconds(10))
        broker.changeAssignment()
        await #expect(throws: BrokerError.self) { _ = try await consumer.receive(timeout: .milliseconds(10)) }
        var again: [UInt8] = []
        while let message = try await consumer.receive(timeout: .milliseconds(10)) { again += message.payload }
        #expect(again == [1, 2])
    }
}
