import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeKafka
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Issue 12's story on Kafka (Tansu), the real binary. Kafka stores one committed offset per partition; the
    /// adapter keeps the acknowledgements above it in the commit metadata, which Tansu does not keep. So an earlier
    /// composite that stays pending pins the committed offset, and every restart re-reads the decided October
    /// composite's messages above it: acknowledged messages that come back, as a broker that forgot them would send.
    @Suite(.timeLimit(.minutes(4)))
    struct KafkaDurableHoldingTests {
        @Test func octobersReturningMessagesNeverTakeJanuarysQuestionnaires() async throws {
            let kafka = KafkaServiceTests()
            let tansu = try kafka.startTansu()
            let broker = try KafkaTestCluster.broker(tansu.brokers)
            let directory = try temporaryDirectory("kafka-october")
            let patients = directory.appendingPathComponent("patients.jsonl")
            try #"{"tenant":"orikami","patientId":"patient-1","birthDate":"1941-03-02"}"#.appending("\n")
                .write(to: patients, atomically: true, encoding: .utf8)
            // A composite of another patient whose questionnaires never come: it holds the first offset.
            // Recent times and the largest carry age: the pending composite must stay on the input topic (carrying it
            // to the state topic would let the committed offset pass it, which is the point of carrying, not here).
            let now = Int64(Date().timeIntervalSince1970)
            let day: Int64 = 86_400
            var pinning = DurableHoldingServiceTests.cycle(base: 10, at: now - 100 * day, scores: [])
            pinning = [pinning[0]].map {
                var message = $0
                message.payload = Array(
                    String(decoding: message.payload, as: UTF8.self)
                        .replacingOccurrences(of: "patient-1", with: "patient-2").utf8
                )
                return message
            }
            let october = DurableHoldingServiceTests.cycle(base: 100, at: now - 95 * day, scores: [1, 2, 3])
            let january = DurableHoldingServiceTests.cycle(base: 200, at: now - 3 * 3_600, scores: [6, 8, 30])
            let expected = try await ReplayComparison.expected(pinning + october + january, patients: patients)
            #expect(expected.count == 2)
            let port = try TestTools.freePort()
            let environment = kafka.environment(tansu, patients: patients).merging([
                "HTTP_PORT": String(port), "CARRY_AGE_SECONDS": "31536000",
            ]) {
                _,
                given in given
            }
            let log = directory.appendingPathComponent("service.log")

            try await ServiceRunner.publish(pinning + october, to: broker)
            var service = try ServiceProcess(environment: environment, log: log)
            try await TestTools.waitUntil("October decided and its proof held; log \(log.path)") {
                await ServiceEndToEndTests.metric(port, "composite_held_messages", #"reason="proof""#) == 1
            }
            #expect(await service.terminate() == 0)

            // October's FutureTaskCreated re-published under a new id, then January.
            var republished = october[0]
            republished.publishTime = Timestamp(millisecondsSinceEpoch: (now - 4 * 3_600) * 1_000)
            try await ServiceRunner.publish([republished] + january, to: broker)
            service = try ServiceProcess(environment: environment, log: log)
            let published = try await kafka.waitForRecords(broker, count: 2, services: [service])
            try await TestTools.waitUntil("January decided and October's proof read back; log \(log.path)") {
                await ServiceEndToEndTests.metric(port, "composite_held_messages", #"reason="proof""#) == 2
            }
            // October's messages came back (read again above the pinned offset) and were recognised by its proof.
            let consumed = await ServiceEndToEndTests.metric(port, "composite_messages_consumed_total") ?? 0
            let octoberTasks = october.filter { $0.topic == DurableHoldingServiceTests.tasks }.count
            #expect(Int(consumed) >= pinning.count + octoberTasks + 1 + january.count)
            #expect(await service.terminate() == 0)
            #expect(ReplayComparison.distinct(published) == expected)
            let results = published.filter { if case .result = $0 { true } else { false } }
            #expect(results.count == 2, "one result per composite, none for October again")
            await broker.close()
            withExtendedLifetime(tansu) {}
        }
    }
}
