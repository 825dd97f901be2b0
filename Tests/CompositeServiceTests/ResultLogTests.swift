import CompositeBroker
import CompositeCore
import Foundation
import Logging
import Testing

@testable import CompositeService

/// The log line of each published result (the README's first command shows it) comes from the result's summary,
/// as the engine publishes it.
@Suite struct ResultLogTests {
    @Test func theHappyPathLogsItsResultWithScoreAndInterpretation() async throws {
        let root = ServiceProcess.root
        let fixture = root.appendingPathComponent("fixtures/happy-path.jsonl").path
        let patientFile = root.appendingPathComponent("fixtures/patients.jsonl").path
        let broker = InMemoryBroker()
        for message in try FixtureReader.read(contents: try TextFile.read(fixture), fileName: fixture) {
            broker.load(
                OutgoingMessage(payload: message.payload, key: message.key),
                to: message.topic,
                publishTime: message.publishTime
            )
        }
        let topics = [
            "persistent://krane-staging/tasks/orikami-events", "persistent://krane-staging/experiments/orikami-events",
        ]
        let consumer = try await broker.subscribe(topics: topics, subscription: "s")
        let capture = LogCapture()
        let logger = Logger(label: "result-log") { _ in capture }
        let driver = EngineDriver(
            configuration: EngineConfiguration(),
            catalog: try ReplayComparison.catalog(ReplayComparison.composites),
            broker: broker,
            consumer: consumer,
            patients: try JSONLinesPatientDirectory(contents: try TextFile.read(patientFile), fileName: patientFile),
            published: { CompositeProcessor.log($0, logger: logger) }
        )
        while let message = try await consumer.receive(timeout: .zero) { try await driver.process([message]) }
        try await driver.endOfInput()
        let results = capture.captured.all.filter { $0.contains("result published") }
        #expect(
            results == [
                "info composite result published error=none featureId=IMWGFrailty interpretation=frail occurrenceId=1 score=2"
            ]
        )
    }
}
