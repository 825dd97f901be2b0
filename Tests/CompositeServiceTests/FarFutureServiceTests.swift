import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Issue 13, defect 6, on the real binary: one message from a producer whose clock is decades ahead, between a
    /// composite and its questionnaires. It is dead-lettered with its reason, and the composite is scored as if it had
    /// never come: its watermark did not release every candidate.
    @Suite(.timeLimit(.minutes(2)))
    struct FarFutureServiceTests {
        @Test func aFarFutureMessageIsDeadLetteredAndTheCompositeIsStillScored() async throws {
            let fixture = ServiceProcess.root.appendingPathComponent("fixtures/happy-path.jsonl").path
            let happy = try FixtureReader.read(contents: try TextFile.read(fixture), fileName: fixture)
            var future = happy[0]
            future.publishTime = Timestamp(iso8601: "2099-01-01T00:00:00Z")!
            future.payload = Array(#"{"name":"TaskStarted","version":"v2","tenant":"orikami","data":{}}"#.utf8)
            let directory = try temporaryDirectory("far-future")
            let patients = ServiceProcess.root.appendingPathComponent("fixtures/patients.jsonl")
            let expected = try await ReplayComparison.expected(happy, patients: patients)
            #expect(expected.count == 1)
            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try await ServiceRunner.publish([happy[0], future] + happy.dropFirst(), to: broker)
            let service = try ServiceProcess(
                environment: [
                    "KRANE_TENANTS": "orikami", "DATA_DIR": data.path, "PATIENT_DIRECTORY": patients.path,
                    "COMPOSITES_DIR": ReplayComparison.composites, "HTTP_PORT": "0", "IDLE_SECONDS": "1",
                    "MAX_CLOCK_SKEW_SECONDS": "300",
                ],
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            let endToEnd = ServiceEndToEndTests()
            var records: [ReplayRecord] = []
            try await TestTools.waitUntil("the result and the dead letter published; log \(service.log.path)") {
                #expect(service.isRunning)
                records = try endToEnd.published(broker)
                return records.count >= 2
            }
            let results = records.filter { if case .result = $0 { true } else { false } }
            #expect(ReplayComparison.distinct(results) == expected)
            let reasons = records.compactMap { if case .deadLetter(_, let reason, _) = $0 { reason } else { nil } }
            #expect(reasons.count == 1)
            #expect(reasons.first?.hasPrefix("published at 2099-01-01T00:00:00.000Z, after ") == true)
        }
    }
}
