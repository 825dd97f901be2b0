import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeKafka
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// The real binary with `BROKER=kafka` against Tansu on loopback: a crash mid-stream, and two instances sharing
    /// two tenants through a rebalance, each ending with exactly the results of an uninterrupted replay.
    @Suite(.timeLimit(.minutes(6)))
    struct KafkaServiceTests {
        let subscription = "composite-service"

        var topics: [String] {
            GeneratedStream.tenants.flatMap { tenant in
                ["tasks", "experiments"].map { "persistent://\(GeneratedStream.brokerTenant)/\($0)/\(tenant)-events" }
            }
        }

        /// The input topics, their dead-letter topics and the tenants' state topics, as the service sees them. Tansu
        /// does not create topics on first use; operators create these too (docs/kafka.md).
        var allTopics: [String] {
            self.topics + self.topics.map { TenantTopic($0)!.deadLetterTopic(subscription: self.subscription) }
                + GeneratedStream.tenants.map {
                    TenantTopic(brokerTenant: GeneratedStream.brokerTenant, kind: .tasks, kraneTenant: $0)
                        .stateTopic(subscription: self.subscription)
                }
        }

        func environment(_ tansu: TansuServer, patients: URL) -> [String: String] {
            [
                "BROKER": "kafka", "KAFKA_BROKERS": tansu.brokers, "KAFKA_LIBRARY": TansuServer.library,
                "KAFKA_CONFIG_SESSION_TIMEOUT_MS": "6000", "KAFKA_CONFIG_HEARTBEAT_INTERVAL_MS": "500",
                "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "PATIENT_DIRECTORY": patients.path,
                "COMPOSITES_DIR": ReplayComparison.composites, "HTTP_PORT": "0", "IDLE_SECONDS": "86400",
                "LOG_LEVEL": "info",
            ]
        }

        /// Starts Tansu with every topic the service uses created with one partition.
        func startTansu() throws -> TansuServer {
            let tansu = try TansuServer()
            let mapping = try KafkaTopicMapping()
            for topic in self.allTopics { try tansu.createTopic(try mapping.kafkaTopic(topic)) }
            return tansu
        }

        /// A generated stream of 200 patients, what replay makes of it, and a Tansu with the topics and an adapter on it.
        func prepare(_ name: String, seed: UInt64) async throws -> (
            directory: URL, messages: [FixtureMessage], patients: URL, expected: Set<String>, tansu: TansuServer,
            broker: KafkaBroker
        ) {
            let directory = try temporaryDirectory(name)
            let (messages, patientFile) = GeneratedStream.make(patients: 200, seed: seed)
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let expected = try await ReplayComparison.expected(messages, patients: patients)
            let tansu = try self.startTansu()
            return (directory, messages, patients, expected, tansu, try KafkaTestCluster.broker(tansu.brokers))
        }

        /// Reads everything the service published (results and dead letters) through a consumer that never
        /// acknowledges, until `count` distinct records arrived.
        func waitForRecords(
            _ broker: KafkaBroker,
            count: Int,
            services: [ServiceProcess],
            within timeout: Duration = .seconds(240)
        ) async throws -> [ReplayRecord] {
            let reader = try await broker.subscribe(
                topics: self.allTopics,
                subscription: "test-reader-\(UUID().uuidString)"
            )
            defer { Task { await reader.close() } }
            var records: [ReplayRecord] = []
            var seen: Set<MessageRef> = []
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                do {
                    if let message = try await reader.receive(timeout: .milliseconds(200)) {
                        guard seen.insert(MessageRef(topic: message.topic, id: message.id)).inserted else { continue }
                        if let record = ReplayComparison.record(
                            topic: message.topic,
                            payload: message.payload,
                            properties: message.properties
                        ) {
                            records.append(record)
                        }
                        if ReplayComparison.distinct(records).count >= count { return records }
                    }
                } catch let error as BrokerError where error.code == .assignmentChanged {
                    continue
                }
                #expect(services.contains { $0.isRunning }, "no service is running; see \(services.map(\.log.path))")
            }
            Issue.record(
                "only \(ReplayComparison.distinct(records).count) of \(count) records within \(timeout); logs \(services.map(\.log.path))"
            )
            return records
        }

        @Test func killedMidStreamItEndsWithTheResultsOfAnUninterruptedReplay() async throws {
            let (directory, messages, patients, expected, tansu, broker) = try await self.prepare(
                "kafka-crash",
                seed: 42
            )
            let log = directory.appendingPathComponent("service.log")
            var service = try ServiceProcess(environment: self.environment(tansu, patients: patients), log: log)
            var random = GeneratedStream.Random(state: 11)
            var kills = 0
            for start in stride(from: 0, to: messages.count, by: 100) {
                try await ServiceRunner.publish(Array(messages[start..<min(messages.count, start + 100)]), to: broker)
                try await Task.sleep(for: .milliseconds(Int64(200 + random.next(400))))
                if random.next(5) == 0 || (kills == 0 && start >= messages.count / 2) {
                    service.kill()
                    kills += 1
                    service = try ServiceProcess(environment: self.environment(tansu, patients: patients), log: log)
                }
            }
            let published = try await self.waitForRecords(broker, count: expected.count, services: [service])
            #expect(kills >= 1)
            #expect(ReplayComparison.distinct(published) == expected)
            ReplayComparison.expectNoDifferingDuplicates(published)
            #expect(await service.terminate() == 0)
            await broker.close()
        }

        /// Waits for `service` to have joined every tenant's group: one assignment (possibly empty) per group.
        func waitUntilEveryGroupAssigned(_ service: ServiceProcess) async throws {
            try await TestTools.waitUntil("\(service.log.lastPathComponent): an assignment in every group") {
                service.logText.components(separatedBy: "kafka partitions assigned").count - 1
                    >= GeneratedStream.tenants.count
            }
        }

        @Test func twoInstancesShareTwoTenantsThroughRebalancesAndLoseNothing() async throws {
            let (directory, messages, patients, expected, tansu, broker) = try await self.prepare(
                "kafka-rebalance",
                seed: 5
            )
            let first = try ServiceProcess(
                environment: self.environment(tansu, patients: patients),
                log: directory.appendingPathComponent("first.log")
            )
            let half = messages.count / 2
            try await ServiceRunner.publish(Array(messages[..<half]), to: broker)
            try await self.waitUntilEveryGroupAssigned(first)
            // A second instance joins both tenants' groups: every group rebalances while the first is busy.
            let second = try ServiceProcess(
                environment: self.environment(tansu, patients: patients),
                log: directory.appendingPathComponent("second.log")
            )
            try await self.waitUntilEveryGroupAssigned(second)
            try await ServiceRunner.publish(Array(messages[half...]), to: broker)
            // Not a verdict: only lets the first be mid-stream when it leaves; any moment must lose nothing.
            try await Task.sleep(for: .seconds(2))
            // The first leaves: the second takes over whatever the first owned.
            #expect(await first.terminate() == 0)
            let published = try await self.waitForRecords(broker, count: expected.count, services: [second])
            #expect(ReplayComparison.distinct(published) == expected)
            ReplayComparison.expectNoDifferingDuplicates(published)
            #expect(await second.terminate() == 0)
            let logs =
                try String(contentsOf: first.log, encoding: .utf8) + String(contentsOf: second.log, encoding: .utf8)
            #expect(logs.contains("kafka partitions revoked"), "the groups should have rebalanced")
            await broker.close()
        }
    }
}
