import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeKafka
import CompositePulsar
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Issue 13 on each broker, the real binary: the happy-path composite with poison messages between its events
    /// (not JSON, a duplicate key, a 100 KB version, a publish time in 2099). Each is dead-lettered with its reason
    /// and the composite is still scored as if they had never come.
    @Suite(.timeLimit(.minutes(4)))
    struct PoisonMessageServiceTests {
        static let tasks = "persistent://krane-staging/tasks/orikami-events"
        static let experiments = "persistent://krane-staging/experiments/orikami-events"
        static let patients = ServiceProcess.root.appendingPathComponent("fixtures/patients.jsonl")
        /// What each dead letter's reason starts with or contains.
        static let reasons = ["not JSON", #"duplicate key "score""#, #"version is "vvvv"#, "published at 2099-01-01"]

        /// The happy path, and the same with a poison message after each of its first four events.
        static func streams() throws -> (happy: [FixtureMessage], poisoned: [FixtureMessage]) {
            let file = ServiceProcess.root.appendingPathComponent("fixtures/happy-path.jsonl").path
            let happy = try FixtureReader.read(contents: try TextFile.read(file), fileName: file)
            let hugeVersion = String(repeating: "v", count: 100_000)
            let poisons: [(String, String, Timestamp?)] = [
                (Self.tasks, "{malformed", nil),
                (
                    Self.experiments,
                    #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"x","score":5,"score":1}}"#,
                    nil
                ),
                (Self.tasks, #"{"name":"TaskStarted","version":"\#(hugeVersion)","tenant":"orikami","data":{}}"#, nil),
                (
                    Self.tasks, #"{"name":"TaskStarted","version":"v2","tenant":"orikami","data":{"big":1e400}}"#,
                    Timestamp(iso8601: "2099-01-01T00:00:00Z")
                ),
            ]
            var poisoned: [FixtureMessage] = []
            for (index, message) in happy.enumerated() {
                poisoned.append(message)
                if index < poisons.count {
                    var poison = message
                    poison.topic = poisons[index].0
                    poison.payload = Array(poisons[index].1.utf8)
                    poison.publishTime = poisons[index].2 ?? message.publishTime
                    poisoned.append(poison)
                }
            }
            return (happy, poisoned)
        }

        /// The environment additions: the idle advance decides the last composite, and the far-future check is on.
        static let strict = ["IDLE_SECONDS": "1", "MAX_CLOCK_SKEW_SECONDS": "300"]

        static func check(_ records: [ReplayRecord], expected: Set<String>) {
            let results = records.filter { if case .result = $0 { true } else { false } }
            #expect(ReplayComparison.distinct(results) == expected)
            let reasons = Set(records.compactMap { if case .deadLetter(_, let reason, _) = $0 { reason } else { nil } })
            #expect(reasons.count == Self.reasons.count, "\(reasons)")
            for expectedReason in Self.reasons {
                #expect(reasons.contains { $0.contains(expectedReason) }, "no dead letter says \(expectedReason)")
            }
            #expect(reasons.allSatisfy { $0.utf8.count <= DeadLetterReason.limit + 32 })
        }

        @Test func onTheEmbeddedBroker() async throws {
            let (happy, poisoned) = try Self.streams()
            let expected = try await ReplayComparison.expected(happy, patients: Self.patients)
            let directory = try temporaryDirectory("poison-embedded")
            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try await ServiceRunner.publish(poisoned, to: broker)
            let endToEnd = ServiceEndToEndTests()
            let service = try ServiceProcess(
                environment: endToEnd.environment(data: data, patients: Self.patients)
                    .merging(Self.strict) { _, given in given },
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            var records: [ReplayRecord] = []
            try await TestTools.waitUntil("the result and four dead letters; log \(service.log.path)") {
                #expect(service.isRunning)
                records = try endToEnd.published(broker)
                return records.count >= expected.count + Self.reasons.count
            }
            Self.check(records, expected: expected)
        }

        @Test func onPulsar() async throws {
            let (happy, poisoned) = try Self.streams()
            let expected = try await ReplayComparison.expected(happy, patients: Self.patients)
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let pulsar = PulsarServiceTests()
            let broker = try PulsarBroker(
                configuration: PulsarClientConfiguration(serviceURL: server.serviceURL),
                logger: PulsarServiceTests.logger
            )
            try await pulsar.publish(poisoned[...], to: broker)
            let directory = try temporaryDirectory("poison-pulsar")
            let service = try ServiceProcess(
                environment: pulsar.environment(server, patients: Self.patients)
                    .merging(Self.strict) { _, given in given },
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            let records = try await pulsar.waitForResults(
                broker,
                server: server,
                count: expected.count + Self.reasons.count,
                service: service
            )
            Self.check(records, expected: expected)
            await broker.close()
        }

        @Test func onKafka() async throws {
            let (happy, poisoned) = try Self.streams()
            let expected = try await ReplayComparison.expected(happy, patients: Self.patients)
            let kafka = KafkaServiceTests()
            let tansu = try kafka.startTansu()
            let broker = try KafkaTestCluster.broker(tansu.brokers)
            try await ServiceRunner.publish(poisoned, to: broker)
            let directory = try temporaryDirectory("poison-kafka")
            let service = try ServiceProcess(
                environment: kafka.environment(tansu, patients: Self.patients).merging(Self.strict) { _, given in given
                },
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            let records = try await kafka.waitForRecords(
                broker,
                count: expected.count + Self.reasons.count,
                services: [service]
            )
            Self.check(records, expected: expected)
            await broker.close()
            withExtendedLifetime(tansu) {}
        }
    }
}
