import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositePulsar
import CompositeService
import Foundation
import Logging
import Testing

extension ProcessTests {
    /// The real binary with `BROKER=pulsar` against a real Pulsar-protocol broker (pulsar-lite) on loopback.
    ///
    /// The stream is published unbatched (as this service's producer publishes): pulsar-lite loses the rest of a
    /// partly acknowledged batch across restarts, which Apache Pulsar does not. pulsar-lite has no admin API, so the
    /// final check that nothing stays unacknowledged subscribes to the service's subscription after stopping it.
    @Suite(.timeLimit(.minutes(6)))
    struct PulsarServiceTests {
        let endToEnd = ServiceEndToEndTests()
        static let logger = Logger(label: "pulsar-service-test")

        func environment(_ server: PulsarLiteServer, patients: URL) -> [String: String] {
            var environment = self.endToEnd.environment(data: URL(fileURLWithPath: "/nonexistent"), patients: patients)
            environment["BROKER"] = "pulsar"
            environment["PULSAR_URL"] = server.serviceURL
            environment["DATA_DIR"] = nil
            return environment
        }

        /// Everything on the experiments and dead-letter topics, read from the start by a new subscription.
        func published(_ broker: PulsarBroker) async throws -> [ReplayRecord] {
            var topics = self.endToEnd.topics.filter { $0.contains("/experiments/") }
            topics += self.endToEnd.topics.map { TenantTopic($0)!.deadLetterTopic(subscription: self.endToEnd.subscription) }
            let consumer = try await broker.subscribe(topics: topics, subscription: "verify-\(UUID().uuidString)")
            defer { Task { await consumer.close() } }
            var records: [ReplayRecord] = []
            while let message = try await consumer.receive(timeout: .milliseconds(1500)) {
                if let record = ReplayComparison.record(topic: message.topic, payload: message.payload, properties: message.properties) {
                    records.append(record)
                }
            }
            return records
        }

        func distinct(_ records: [ReplayRecord]) -> Set<String> {
            ReplayComparison.distinct(records)
        }

        func waitForResults(_ broker: PulsarBroker, server: PulsarLiteServer, count: Int, service: ServiceProcess) async throws -> [ReplayRecord] {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(150))
            var records: [ReplayRecord] = []
            while clock.now < deadline {
                records = try await self.published(broker)
                if self.distinct(records).count >= count { return records }
                #expect(service.isRunning, "the service exited early; see \(service.log.path) and \(server.logPath)")
                try await Task.sleep(for: .milliseconds(500))
            }
            Issue.record("only \(self.distinct(records).count) of \(count) records after 150 s; logs \(service.log.path), \(server.logPath)")
            return records
        }

        /// Publishes the stream from this process, as the platform's other services would.
        func publish(_ messages: ArraySlice<FixtureMessage>, to broker: PulsarBroker) async throws {
            try await ServiceRunner.publish(Array(messages), to: broker)
        }

        @Test func killedAtRandomPointsItEndsWithTheResultsOfAnUninterruptedReplay() async throws {
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let directory = try temporaryDirectory("pulsar-crash")
            let (messages, patientFile) = GeneratedStream.make(patients: 150, seed: 11)
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let expected = try await ReplayComparison.expected(messages, patients: patients)
            #expect(expected.count > 120)

            var configuration = PulsarClientConfiguration(serviceURL: server.serviceURL)
            configuration.operationTimeout = .seconds(20)
            let broker = try PulsarBroker(configuration: configuration, logger: Self.logger)
            let log = directory.appendingPathComponent("service.log")
            var service = try ServiceProcess(environment: self.environment(server, patients: patients), log: log)
            var random = GeneratedStream.Random(state: 5)
            var kills = 0
            for start in stride(from: 0, to: messages.count, by: 60) {
                try await self.publish(messages[start..<min(messages.count, start + 60)], to: broker)
                try await Task.sleep(for: .milliseconds(Int64(random.next(80))))
                if random.next(5) == 0 {
                    service.kill()
                    kills += 1
                    service = try ServiceProcess(environment: self.environment(server, patients: patients), log: log)
                }
            }
            for _ in 0..<2 {
                try await Task.sleep(for: .milliseconds(Int64(100 + random.next(300))))
                service.kill()
                kills += 1
                service = try ServiceProcess(environment: self.environment(server, patients: patients), log: log)
            }
            // The end of the input, as replay's end of input (+infinity watermarks): a far-future message on every
            // topic. It is needed because a restarted engine knows only the watermarks of what was redelivered:
            // unrelated messages that had moved them were acknowledged at once (spec/semantics.md) and do not come
            // back. In production idle topics then advance with the wall clock (IDLE_SECONDS), which this test turns
            // off to stay deterministic.
            for topic in self.endToEnd.topics {
                let tenant = TenantTopic(topic)!.kraneTenant
                _ = try await broker.publish(
                    OutgoingMessage(
                        payload: GeneratedStream.endOfStream(tenant: tenant),
                        publishTime: Timestamp(millisecondsSinceEpoch: 4_102_444_800_000)  // 2100-01-01
                    ),
                    to: topic
                )
            }
            let published = try await self.waitForResults(broker, server: server, count: expected.count, service: service)
            #expect(kills >= 4)
            #expect(self.distinct(published) == expected)
            ReplayComparison.expectNoDifferingDuplicates(published)

            // Move the tasks watermarks a retention past everything, proofs read after the end of input included:
            // the proofs are released and, stopped, the service's subscription has nothing left to deliver.
            for tenant in GeneratedStream.tenants {
                _ = try await broker.publish(
                    OutgoingMessage(
                        payload: GeneratedStream.endOfStream(tenant: tenant),
                        publishTime: Timestamp(millisecondsSinceEpoch: 7_258_118_400_000)  // 2200-01-01
                    ),
                    to: "persistent://\(GeneratedStream.brokerTenant)/tasks/\(tenant)-events"
                )
            }
            try await Task.sleep(for: .seconds(3))
            #expect(await service.terminate(within: .seconds(5)) == 0)
            let leftover = try await broker.subscribe(topics: self.endToEnd.topics, subscription: self.endToEnd.subscription)
            let unacknowledged = try await leftover.receive(timeout: .seconds(2))
            #expect(unacknowledged == nil, "nothing stays unacknowledged once the proofs are released")
            await leftover.close()
            #expect(self.distinct(try await self.published(broker)) == expected)
            await broker.close()
        }
    }
}
