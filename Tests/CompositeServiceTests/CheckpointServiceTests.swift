import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Semantics guarantee 7 on the real binary: "restarts do not stall". The story of issue 12: a patient-database
    /// outage holds every decision; the service is killed; the database comes back; the restarted service must take
    /// the decisions that were only waiting for a watermark, with no new traffic and an idle interval far away.
    @Suite(.timeLimit(.minutes(4)))
    struct CheckpointServiceTests {
        @Test func aServiceRestartedAfterAnOutageDecidesFromItsCheckpointWithoutTrafficOrTheIdleInterval() async throws
        {
            // The stream ends with a far-future message per topic, which the first run reads and acknowledges: only
            // a checkpoint carries the watermark it moved across the restart.
            let (messages, patientFile) = GeneratedStream.make(patients: 40, seed: 31)
            let server = try IdleAdvanceServiceTests.database(patientFile: patientFile)
            defer { try? server.stop() }
            try server.stop()
            let directory = try temporaryDirectory("checkpoint-restart")
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let expected = try await ReplayComparison.expected(messages, patients: patients)
            #expect(expected.count > 20)
            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try await ServiceRunner.publish(messages, to: broker)
            let environment = [
                "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "DATA_DIR": data.path,
                "PATIENT_DIRECTORY": server.url, "PATIENT_CACHE_SECONDS": "0", "PATIENT_QUERY_TIMEOUT_SECONDS": "2",
                "COMPOSITES_DIR": ReplayComparison.composites, "HTTP_PORT": "0", "LOG_LEVEL": "info",
                // The largest idle interval and the smallest checkpoint interval.
                "IDLE_SECONDS": "86400", "CHECKPOINT_SECONDS": "1",
            ]
            let endToEnd = ServiceEndToEndTests()
            let stateTopics = GeneratedStream.tenants.map {
                TenantTopic(brokerTenant: GeneratedStream.brokerTenant, kind: .tasks, kraneTenant: $0)
                    .stateTopic(subscription: endToEnd.subscription)
            }
            let end = messages.map(\.publishTime).max()!

            let first = try ServiceProcess(environment: environment, log: directory.appendingPathComponent("first.log"))
            defer { first.kill() }
            // Each poll reads the whole broker file, so it polls slowly: the service shares two cores with the suite.
            try await TestTools.waitUntil(
                "every tenant's checkpoint covers the end of its stream",
                timeout: .seconds(100),
                poll: .milliseconds(250)
            ) {
                #expect(first.isRunning, "the service exited; see \(first.log.path)")
                return try stateTopics.allSatisfy { topic in
                    try broker.messages(topic: topic, limit: 100_000).contains { message in
                        guard let json = try? JSONParser.parse(message.payload),
                            let checkpoint = WatermarkCheckpoint(json: json)
                        else { return false }
                        return checkpoint.tasks.watermark == end && checkpoint.experiments.watermark == end
                    }
                }
            }
            // Composites that expired need no patient; every other decision waits for the database.
            let scoredDuringTheOutage = try endToEnd.published(broker).filter {
                if case .result(_, let message) = $0 { message["data"]?["error"]?.isNull == true } else { false }
            }
            #expect(scoredDuringTheOutage.count == 0, "the outage held every decision that needs a patient's age")
            first.kill()

            try server.start()
            let second = try ServiceProcess(
                environment: environment,
                log: directory.appendingPathComponent("second.log")
            )
            defer { second.kill() }
            try await TestTools.waitUntil(
                "every expected record published and nothing but results held",
                timeout: .seconds(100),
                poll: .milliseconds(250)
            ) {
                #expect(second.isRunning, "the service exited; see \(second.log.path)")
                let published = ReplayComparison.distinct(try endToEnd.published(broker))
                let held = try endToEnd.unacknowledged(broker).others
                return published.count >= expected.count && held == 0
            }
            let records = try endToEnd.published(broker)
            let published = ReplayComparison.distinct(records)
            #expect(published == expected)
            endToEnd.expectNoDifferingDuplicates(records)
        }
    }
}
