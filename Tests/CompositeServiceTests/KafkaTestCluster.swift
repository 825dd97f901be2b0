import CompositeBroker
import CompositeCore
import Foundation
import Logging
import Testing

@testable import CompositeKafka

/// A Kafka cluster for adapter tests: librdkafka's in-process mock cluster, or a real Tansu on loopback; plus the
/// scenarios both run.
final class KafkaTestCluster: @unchecked Sendable {
    enum Kind {
        case mock
        case tansu
    }

    let kind: Kind
    let brokers: String
    private var tansu: TansuServer?
    /// Keeps the mock cluster alive: it lives inside this client.
    private var mockHost: RDKafkaClient?
    private var createMockTopic: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, Int32) -> Int32)?
    private var mockCluster: OpaquePointer?

    init(_ kind: Kind) throws {
        self.kind = kind
        try TansuServer.fetchTools()
        switch kind {
        case .tansu:
            let server = try TansuServer()
            self.tansu = server
            self.brokers = server.brokers
        case .mock:
            let library = try RDKafkaLibrary.load(TansuServer.library)
            let host = try RDKafkaClient(
                library: library,
                kind: .producer,
                configuration: ["test.mock.num.brokers": "1"]
            )
            guard let handle = dlopen(TansuServer.library, RTLD_NOW),
                let clusterOf = dlsym(handle, "rd_kafka_handle_mock_cluster"),
                let bootstraps = dlsym(handle, "rd_kafka_mock_cluster_bootstraps"),
                let createTopic = dlsym(handle, "rd_kafka_mock_topic_create")
            else {
                Issue.record("librdkafka's mock cluster API is missing from \(TansuServer.library)")
                throw CancellationError()
            }
            typealias ClusterOf = @convention(c) (OpaquePointer?) -> OpaquePointer?
            typealias Bootstraps = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
            let cluster = unsafeBitCast(clusterOf, to: ClusterOf.self)(host.handle)
            self.mockCluster = cluster
            self.brokers = String(cString: unsafeBitCast(bootstraps, to: Bootstraps.self)(cluster)!)
            self.createMockTopic = unsafeBitCast(
                createTopic,
                to: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, Int32) -> Int32).self
            )
            self.mockHost = host
        }
    }

    /// Creates a one-partition topic (Kafka name).
    func createTopic(_ name: String) throws {
        if let tansu = self.tansu {
            try tansu.createTopic(name)
        } else {
            #expect(self.createMockTopic!(self.mockCluster, name, 1, 1) == 0)
        }
    }

    func broker(group: String? = nil, metadataLimit: Int = AcknowledgementMetadata.defaultLimit) throws -> KafkaBroker {
        try Self.broker(self.brokers, group: group, metadataLimit: metadataLimit)
    }

    /// An adapter on `brokers` with the tools' librdkafka and fast group settings.
    static func broker(
        _ brokers: String,
        group: String? = nil,
        metadataLimit: Int = AcknowledgementMetadata.defaultLimit
    ) throws -> KafkaBroker {
        var logger = Logger(label: "kafka-test")
        logger.logLevel = .warning
        return try KafkaBroker(
            configuration: KafkaConfiguration(
                brokers: brokers,
                library: TansuServer.library,
                group: group,
                properties: TansuServer.fastGroups,
                metadataLimit: metadataLimit
            ),
            logger: logger
        )
    }

    /// Receives until `count` messages arrived (riding out rebalances), then for `settle` more to catch extras.
    static func receive(
        _ consumer: any BrokerConsumer,
        count: Int,
        within timeout: Duration = .seconds(60),
        settle: Duration = .seconds(1)
    ) async throws -> [BrokerMessage] {
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: timeout)
        var messages: [BrokerMessage] = []
        var settling = false
        while clock.now < deadline {
            do {
                if let message = try await consumer.receive(timeout: .milliseconds(100)) { messages.append(message) }
            } catch let error as BrokerError where error.code == .assignmentChanged {
                messages = []  // Everything unacknowledged comes again.
                continue
            }
            if messages.count >= count, !settling {
                settling = true
                deadline = clock.now.advanced(by: settle)
            }
        }
        return messages
    }
}
