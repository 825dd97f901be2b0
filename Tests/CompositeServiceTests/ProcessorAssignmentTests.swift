import CompositeBroker
import CompositeCore
import CompositeService
import Foundation
import Logging
import Testing

/// The processor's answer to a rebalance, with the in-memory broker's simulated one: drop the engine, rebuild it
/// from redelivery, and still publish exactly what an uninterrupted replay publishes.
struct ProcessorAssignmentTests {
    /// A processor over `broker` for the generated stream's tenants, running until the returned task is cancelled.
    static func startProcessor(
        on broker: InMemoryBroker,
        patientFile: String,
        patients: URL,
        metrics: ServiceMetrics = ServiceMetrics()
    ) throws -> (ServiceConfiguration, Task<Void, any Error>) {
        let configuration = try ServiceConfiguration.load(environment: [
            // The generated streams end in 2100 (ServiceProcess explains).
            "MAX_CLOCK_SKEW_SECONDS": "31536000000",
            "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "BROKER": "memory",
            "COMPOSITES_DIR": ReplayComparison.composites, "IDLE_SECONDS": "86400", "HTTP_PORT": "0",
        ])
        var logger = Logger(label: "assignment-test")
        logger.logLevel = .critical
        let processor = CompositeProcessor(
            configuration: configuration,
            broker: broker,
            patients: try JSONLinesPatientDirectory(contents: patientFile, fileName: patients.path),
            scorers: try ScorerSource(directory: ReplayComparison.composites, metrics: metrics, logger: logger),
            metrics: metrics,
            logger: logger
        )
        return (configuration, Task { try await processor.run() })
    }

    /// Waits up to 60 s for the broker to hold exactly the replay's records, then checks them and their duplicates.
    static func expectReplayResults(_ expected: Set<String>, from broker: InMemoryBroker) async throws {
        func records() -> [ReplayRecord] {
            broker.publishedMessages.compactMap {
                ReplayComparison.record(topic: $0.topic, payload: $0.payload, properties: $0.properties)
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while ReplayComparison.distinct(records()) != expected, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ReplayComparison.distinct(records()) == expected)
        ReplayComparison.expectNoDifferingDuplicates(records())
    }

    @Test func assignmentChangesMidStreamRebuildTheEngineAndEndWithTheReplayResults() async throws {
        let directory = try temporaryDirectory("assignment")
        let (messages, patientFile) = GeneratedStream.make(patients: 120, seed: 3)
        let patients = try ReplayComparison.writePatients(patientFile, into: directory)
        let expected = try await ReplayComparison.expected(messages, patients: patients)
        let broker = InMemoryBroker()
        let (_, running) = try Self.startProcessor(on: broker, patientFile: patientFile, patients: patients)
        defer { running.cancel() }
        let third = messages.count / 3
        for part in [messages[..<third], messages[third..<(2 * third)], messages[(2 * third)...]] {
            try await ServiceRunner.publish(Array(part), to: broker)
            try await Task.sleep(for: .milliseconds(150))
            broker.changeAssignment()
        }
        try await Self.expectReplayResults(expected, from: broker)
    }

    /// The Pulsar consumer's answer to a broker that broke a topic's order (`outOfOrder`, after subscribing again)
    /// gets the same rebuild from redelivery, and is counted for operators.
    @Test func aConsumerThatReportsDisorderMakesTheProcessorRebuildAndCountIt() async throws {
        let directory = try temporaryDirectory("disorder")
        let (messages, patientFile) = GeneratedStream.make(patients: 120, seed: 4)
        let patients = try ReplayComparison.writePatients(patientFile, into: directory)
        let expected = try await ReplayComparison.expected(messages, patients: patients)
        let broker = InMemoryBroker()
        let metrics = ServiceMetrics()
        let (_, running) = try Self.startProcessor(
            on: broker,
            patientFile: patientFile,
            patients: patients,
            metrics: metrics
        )
        defer { running.cancel() }
        let half = messages.count / 2
        try await ServiceRunner.publish(Array(messages[..<half]), to: broker)
        try await Task.sleep(for: .milliseconds(150))
        broker.changeAssignment(reporting: .outOfOrder)
        try await ServiceRunner.publish(Array(messages[half...]), to: broker)
        try await Self.expectReplayResults(expected, from: broker)
        #expect(metrics.exposition().contains(#"composite_engine_rebuilds_total{reason="out_of_order"} 1"#))
    }

    /// The engine acknowledges an unrelated message at once, even when it carried its topic's watermark far ahead. A
    /// rebuilt engine must get that progress back from the redelivery, or composites that wait for the watermark
    /// (expired ones) never decide: here each experiments topic's end-of-stream is acknowledged before the rebuild, as
    /// when one instance read a tenant's experiments topic to its end before its other group was assigned.
    @Test func aRebuiltEngineGetsBackTheWatermarksOfAcknowledgedMessages() async throws {
        let directory = try temporaryDirectory("assignment-watermark")
        let (messages, patientFile) = GeneratedStream.make(patients: 120, seed: 3)
        let patients = try ReplayComparison.writePatients(patientFile, into: directory)
        let expected = try await ReplayComparison.expected(messages, patients: patients)
        let broker = InMemoryBroker()
        let (configuration, running) = try Self.startProcessor(on: broker, patientFile: patientFile, patients: patients)
        defer { running.cancel() }
        // The experiments topics to their end-of-stream, the tasks topics only to their first half: the engine
        // acknowledges the end-of-stream messages while composites still wait for tasks.
        let tasks = messages.filter { $0.topic.contains("/tasks/") }
        let firstHalf = Set(tasks[..<(tasks.count / 2)])
        let early = messages.filter { !$0.topic.contains("/tasks/") || firstHalf.contains($0) }
        try await ServiceRunner.publish(early, to: broker)
        let experiments = GeneratedStream.tenants.map {
            "persistent://\(GeneratedStream.brokerTenant)/experiments/\($0)-events"
        }
        func endOfStreamAcknowledged() -> Bool {
            experiments.allSatisfy { topic in
                !broker.unacknowledged(topic: topic, subscription: configuration.subscription).contains {
                    String(decoding: $0.payload, as: UTF8.self).contains("EndOfStream")
                }
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while !endOfStreamAcknowledged(), clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(endOfStreamAcknowledged())
        broker.changeAssignment()
        try await ServiceRunner.publish(Array(tasks[(tasks.count / 2)...]), to: broker)
        try await Self.expectReplayResults(expected, from: broker)
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

    @Test func afterAnAssignmentChangeAcknowledgedMessagesAfterTheFirstUnacknowledgedComeAgain() async throws {
        let broker = InMemoryBroker()
        for index in 0..<4 { _ = try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: "t") }
        let consumer = try await broker.subscribe(topics: ["t"], subscription: "s")
        for _ in 0..<4 {
            let message = try #require(try await consumer.receive(timeout: .milliseconds(10)))
            if message.payload != [1] { try await consumer.acknowledge([MessageRef(topic: "t", id: message.id)]) }
        }
        broker.changeAssignment()
        await #expect(throws: BrokerError.self) { _ = try await consumer.receive(timeout: .milliseconds(10)) }
        var again: [UInt8] = []
        while let message = try await consumer.receive(timeout: .milliseconds(10)) { again += message.payload }
        #expect(again == [1, 2, 3])
    }
}
