import BrokerTestSupport
import CompositeBroker
import CompositeCore
import Foundation
import Logging
import Testing

@testable import CompositeKafka

/// The Kafka adapter through ``MessageBroker``: against librdkafka's in-process mock cluster (which stores commit
/// metadata, like Apache Kafka) and against a real Tansu on loopback (which drops it; docs/kafka.md).
struct KafkaBrokerTests {
    static let topic = "persistent://krane-staging/tasks/orikami-events"
    static let kafkaTopic = "krane-staging.tasks.orikami-events"

    /// Publishes ten messages with publish times and a property; checks the receipts.
    static func publishTen(_ broker: KafkaBroker) async throws {
        var ids: [MessageID] = []
        for index in 0..<10 {
            ids.append(
                try await broker.publish(
                    OutgoingMessage(
                        payload: Array("m\(index)".utf8),
                        key: index == 0 ? "k" : nil,
                        properties: ["reason": "r\(index)"],
                        publishTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(index))
                    ),
                    to: Self.topic
                )
            )
        }
        #expect(ids.map(\.entryId) == Array(0..<10))
        #expect(ids.allSatisfy { $0.partition == 0 })
    }

    /// Consumes all ten, acknowledges `acknowledged`, closes; a new consumer of the group must receive `expected`.
    static func restartScenario(
        _ cluster: KafkaTestCluster,
        metadataLimit: Int = AcknowledgementMetadata.defaultLimit,
        acknowledged: [UInt64],
        expected: [UInt64]
    ) async throws {
        try cluster.createTopic(Self.kafkaTopic)
        let broker = try cluster.broker(metadataLimit: metadataLimit)
        try await Self.publishTen(broker)
        let subscription = "test-\(UUID().uuidString.prefix(8))"
        let first = try await broker.subscribe(topics: [Self.topic], subscription: subscription)
        let messages = try await KafkaTestCluster.receive(first, count: 10)
        #expect(messages.map(\.id.entryId) == Array(0..<10))
        #expect(messages.first?.topic == Self.topic)
        #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<10).map { "m\($0)" })
        #expect(messages.map(\.publishTime.millisecondsSinceEpoch) == (0..<10).map { 1_700_000_000_000 + Int64($0) })
        #expect(messages.first?.key == "k")
        #expect(messages.last?.properties["reason"] == "r9")
        try await first.acknowledge(
            messages.filter { acknowledged.contains($0.id.entryId) }.map { MessageRef(topic: $0.topic, id: $0.id) }
        )
        await first.close()

        let second = try await broker.subscribe(topics: [Self.topic], subscription: subscription)
        let again = try await KafkaTestCluster.receive(second, count: expected.count, settle: .seconds(2))
        #expect(again.map(\.id.entryId) == expected)
        await second.close()
        await broker.close()
    }

    /// The idle advance's question on Kafka: the high watermark against the position handed out, before and after
    /// a restart that redelivers what was held.
    @Test func mockClusterCaughtUpMeansThePositionHasReachedTheHighWatermark() async throws {
        let cluster = try KafkaTestCluster(.mock)
        try cluster.createTopic(Self.kafkaTopic)
        let broker = try cluster.broker()
        try await Self.publishTen(broker)
        let subscription = "caught-up-\(UUID().uuidString.prefix(8))"
        let first = try await broker.subscribe(topics: [Self.topic], subscription: subscription)
        #expect(try await !first.isCaughtUp(on: Self.topic), "nothing read yet")
        let messages = try await KafkaTestCluster.receive(first, count: 10, settle: .zero)
        #expect(messages.count == 10)
        #expect(try await first.isCaughtUp(on: Self.topic))
        #expect(try await !first.isCaughtUp(on: "persistent://krane-staging/tasks/unknown-events"), "not a topic of it")
        try await first.acknowledge(messages.prefix(5).map { MessageRef(topic: $0.topic, id: $0.id) })
        _ = try await broker.publish(OutgoingMessage(payload: Array("m10".utf8)), to: Self.topic)
        #expect(try await !first.isCaughtUp(on: Self.topic), "a message stored later")
        await first.close()

        // Restarted: the held messages and the new one come again; caught up only once they all have.
        let second = try await broker.subscribe(topics: [Self.topic], subscription: subscription)
        #expect(try await !second.isCaughtUp(on: Self.topic))
        let again = try await KafkaTestCluster.receive(second, count: 6, settle: .zero)
        #expect(again.map(\.id.entryId) == Array(5...10))
        #expect(try await second.isCaughtUp(on: Self.topic))
        await second.close()
        await broker.close()
    }

    /// Issue 13, defect 8: a message over `message.max.bytes` is `messageTooLarge`, which the engine driver answers
    /// by publishing a truncated dead letter (`EngineDriverTests`), not a failed publication that stops the service.
    @Test func mockClusterAMessageOverTheSizeLimitIsTooLarge() async throws {
        let cluster = try KafkaTestCluster(.mock)
        try cluster.createTopic(Self.kafkaTopic)
        var logger = Logger(label: "kafka-test")
        logger.logLevel = .critical
        let broker = try KafkaBroker(
            configuration: KafkaConfiguration(
                brokers: cluster.brokers,
                library: TansuServer.library,
                properties: TansuServer.fastGroups.merging(["message.max.bytes": "2000"]) { _, given in given }
            ),
            logger: logger
        )
        await #expect {
            try await broker.publish(OutgoingMessage(payload: Array(repeating: 1, count: 5_000)), to: Self.topic)
        } throws: { error in
            (error as? BrokerError)?.code == .messageTooLarge
        }
        _ = try await broker.publish(OutgoingMessage(payload: Array(repeating: 1, count: 500)), to: Self.topic)
        await broker.close()
    }

    @Test func mockClusterIndividualAcknowledgementsSurviveAConsumerRestart() async throws {
        try await Self.restartScenario(
            try KafkaTestCluster(.mock),
            acknowledged: [3, 4, 7],
            expected: [0, 1, 2, 5, 6, 8, 9]
        )
    }

    @Test func mockClusterAcknowledgementsBeyondTheMetadataBoundAreRedeliveredNotLost() async throws {
        // 12 bytes hold "ack1:" and one base64 quantum: the first range only (offset 1); 3, 5, 7 come back.
        try await Self.restartScenario(
            try KafkaTestCluster(.mock),
            metadataLimit: 12,
            acknowledged: [1, 3, 5, 7],
            expected: [0, 2, 3, 4, 5, 6, 7, 8, 9]
        )
    }

    /// A rebalance (simulated by flagging the member, as its rebalance callback does) after deliveries: the engine is
    /// rebuilt, and the new one must read the partition from its committed offset again, acknowledged messages
    /// included, or it never sees the watermark progress they carried (an acknowledged end-of-stream).
    @Test func mockClusterARebuildAfterARebalanceRedeliversAcknowledgedOffsetsAboveTheCommittedOne() async throws {
        let cluster = try KafkaTestCluster(.mock)
        try cluster.createTopic(Self.kafkaTopic)
        let broker = try cluster.broker()
        try await Self.publishTen(broker)
        let consumer = try await broker.subscribe(topics: [Self.topic], subscription: "rebuild")
        let messages = try await KafkaTestCluster.receive(consumer, count: 10)
        #expect(messages.map(\.id.entryId) == Array(0..<10))
        try await consumer.acknowledge(
            messages.filter { [0, 1, 3, 4, 7].contains($0.id.entryId) }.map { MessageRef(topic: $0.topic, id: $0.id) }
        )
        let kafka = try #require(consumer as? KafkaConsumer)
        kafka.members[0].state.withLock { $0.assignmentChanged = true }
        await #expect { _ = try await consumer.receive(timeout: .milliseconds(100)) } throws: { error in
            (error as? BrokerError)?.code == .assignmentChanged
        }
        let again = try await KafkaTestCluster.receive(consumer, count: 8, settle: .seconds(2))
        #expect(again.map(\.id.entryId) == Array(2..<10))
        await consumer.close()
        await broker.close()
    }

    /// The other tenant's group losing its partitions while only this one delivered: the engine is kept (no throw)
    /// and nothing is delivered twice.
    @Test func mockClusterARebalanceThatTakesPartitionsFromAGroupThatDeliveredNothingLeavesTheEngineAlone()
        async throws
    {
        let (broker, consumer, radboud, cluster) = try await Self.twoGroups("keep")
        defer { withExtendedLifetime(cluster) {} }
        radboud.state.withLock {
            $0.partitions = [:]
            $0.assignmentChanged = true
        }
        // A marker published now arrives after anything delivered twice (one partition keeps order): once it is
        // here, nothing before it can still come, however slow the machine.
        _ = try await broker.publish(OutgoingMessage(payload: Array("marker".utf8)), to: Self.topic)
        var extra: [BrokerMessage] = []
        var marker: BrokerMessage?
        try await TestTools.waitUntil("the marker") {
            guard let message = try await consumer.receive(timeout: .milliseconds(100)) else { return false }
            if message.payload == Array("marker".utf8) { marker = message } else { extra.append(message) }
            return marker != nil
        }
        #expect(extra.isEmpty)
        await consumer.close()
        await broker.close()
    }

    /// The other tenant's group gaining partitions, although it delivered nothing: the engine must be rebuilt, so
    /// that its read markers follow whatever the partitions' previous owner stored on the state topic, and every group
    /// is read again for it.
    @Test func mockClusterAGroupThatGainsPartitionsMakesTheEngineRebuild() async throws {
        let (broker, consumer, radboud, cluster) = try await Self.twoGroups("gain")
        defer { withExtendedLifetime(cluster) {} }
        radboud.state.withLock { $0.assignmentChanged = true }
        await #expect { _ = try await consumer.receive(timeout: .milliseconds(100)) } throws: { error in
            (error as? BrokerError)?.code == .assignmentChanged
        }
        let again = try await KafkaTestCluster.receive(consumer, count: 10, settle: .seconds(2))
        #expect(again.map(\.id.entryId) == Array(0..<10), "the tasks topic is read again from its committed offset")
        await consumer.close()
        await broker.close()
    }

    /// Two tenants' groups on a mock cluster; ten messages delivered from the first; the second tenant's member.
    static func twoGroups(_ subscription: String) async throws -> (
        broker: KafkaBroker, consumer: any BrokerConsumer, radboud: KafkaGroupMember, cluster: KafkaTestCluster
    ) {
        let cluster = try KafkaTestCluster(.mock)
        let other = "persistent://krane-staging/tasks/radboud-events"
        try cluster.createTopic(Self.kafkaTopic)
        try cluster.createTopic("krane-staging.tasks.radboud-events")
        let broker = try cluster.broker()
        try await Self.publishTen(broker)
        let consumer = try await broker.subscribe(topics: [Self.topic, other], subscription: subscription)
        let messages = try await KafkaTestCluster.receive(consumer, count: 10)
        #expect(messages.map(\.id.entryId) == Array(0..<10))
        let kafka = try #require(consumer as? KafkaConsumer)
        let radboud = try #require(kafka.members.first { $0.group.hasSuffix(".radboud") })
        return (broker, consumer, radboud, cluster)
    }

    @Test func aTopicWithMoreThanOnePartitionIsRefusedNamingIt() async throws {
        let cluster = try KafkaTestCluster(.mock)
        let broker = try cluster.broker()
        _ = try await broker.publish(OutgoingMessage(payload: [1]), to: Self.topic)  // auto-created, 4 partitions
        let consumer = try await broker.subscribe(topics: [Self.topic], subscription: "multi")
        await #expect {
            _ = try await KafkaTestCluster.receive(consumer, count: 1, within: .seconds(20))
        } throws: { error in
            "\(error)".contains("more than one partition") && "\(error)".contains(Self.kafkaTopic)
        }
        await consumer.close()
    }

    @Test func startupLogsTheLibraryVersionAndTwoPointTwoIsTheFloor() throws {
        try TansuServer.fetchTools()
        let capture = LogCapture()
        let broker = try KafkaBroker(
            configuration: KafkaConfiguration(brokers: "127.0.0.1:1", library: TansuServer.library),
            logger: Logger(label: "test") { _ in capture }
        )
        #expect(broker.libraryVersion == "2.16.0")
        #expect(
            capture.captured.all.contains { $0.hasPrefix("info librdkafka loaded") && $0.contains("version=2.16.0") }
        )
        // Debian 12's 2.0.2 (0x020002ff) is below the floor, 2.2.0 and 2.16.0 are not.
        #expect(!RDKafkaLibrary.isAtLeast(0x0200_02ff, major: 2, minor: 2))
        #expect(RDKafkaLibrary.isAtLeast(0x0202_00ff, major: 2, minor: 2))
        #expect(RDKafkaLibrary.isAtLeast(0x0210_00ff, major: 2, minor: 2))
    }

    @Test func aMissingLibraryFailsNamingKafkaLibrary() {
        #expect {
            _ = try KafkaBroker(
                configuration: KafkaConfiguration(brokers: "127.0.0.1:1", library: "/nonexistent/librdkafka.so.1"),
                logger: .init(label: "test")
            )
        } throws: { error in
            "\(error)".contains("KAFKA_LIBRARY=/nonexistent/librdkafka.so.1")
        }
    }
}

extension ProcessTests {
    /// The adapter against a real Kafka-protocol broker (Tansu) on loopback.
    @Suite(.timeLimit(.minutes(3)))
    struct TansuBrokerTests {
        @Test func tansuPrefixAcknowledgementsSurviveARestartAndDroppedMetadataOnlyRedelivers() async throws {
            // Tansu keeps committed offsets but not their metadata: 0-4 stay acknowledged, 7 comes back.
            try await KafkaBrokerTests.restartScenario(
                try KafkaTestCluster(.tansu),
                acknowledged: [0, 1, 2, 3, 4, 7],
                expected: [5, 6, 7, 8, 9]
            )
        }
    }
}
