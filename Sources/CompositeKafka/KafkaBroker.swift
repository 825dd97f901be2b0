public import CompositeBroker
public import CompositeCore
public import Logging

/// A ``MessageBroker`` on Apache Kafka (or a Kafka-protocol broker) through librdkafka, loaded at run time.
///
/// Topics are mapped from the Pulsar-style names of events.md (``KafkaTopicMapping``); each Krane tenant's two topics
/// are consumed in their own consumer group so one instance owns the whole tenant; individual acknowledgements are
/// kept as committed offsets plus commit metadata (``PartitionAcknowledgements``). See docs/kafka.md.
public final class KafkaBroker: MessageBroker {
    public let configuration: KafkaConfiguration
    let library: RDKafkaLibrary
    let producer: KafkaProducer
    let logger: Logger

    /// Loads librdkafka, logs its version (warning below 2.2), and starts the producer.
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.library = try RDKafkaLibrary.load(configuration.library)
        let version = self.library.versionText
        if self.library.isAtLeast(major: 2, minor: 2) {
            logger.info(
                "librdkafka loaded",
                metadata: ["version": "\(version)", "library": "\(configuration.library)"]
            )
        } else {
            logger.warning(
                "librdkafka is older than 2.2; it cannot talk to brokers that send tagged fields (set KAFKA_LIBRARY)",
                metadata: ["version": "\(version)", "library": "\(configuration.library)"]
            )
        }
        self.producer = try KafkaProducer(library: self.library, properties: Self.properties(configuration))
    }

    /// `rd_kafka_version_str()` of the loaded library.
    public var libraryVersion: String { self.library.versionText }

    static func properties(_ configuration: KafkaConfiguration) -> [String: String] {
        ["bootstrap.servers": configuration.brokers].merging(configuration.properties) { _, given in given }
    }

    public func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
        try await self.publish([(message, topic)])[0]
    }

    /// Publishes messages in order, waiting once for all their delivery reports: for loading fixtures and backlogs.
    public func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID] {
        var mapped: [(message: OutgoingMessage, topic: String)] = []
        for entry in messages {
            do {
                mapped.append((entry.message, try self.configuration.topics.kafkaTopic(entry.topic)))
            } catch {
                throw BrokerError(.publishFailed, topic: entry.topic, reason: error.description)
            }
        }
        return try await self.producer.publish(mapped)
    }

    public func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
        let prefix = self.configuration.group ?? subscription
        var groups: [String: [(name: String, kafka: String)]] = [:]
        for topic in topics {
            // A tenant's state topic goes with its event topics, so the instance that owns the tenant reads its proofs.
            let tenant = TenantTopic(topic) ?? TenantTopic.owner(ofServiceTopic: topic)
            let group = tenant.map { "\(prefix).\($0.kraneTenant)" } ?? prefix
            do {
                groups[group, default: []].append((topic, try self.configuration.topics.kafkaTopic(topic)))
            } catch {
                throw BrokerError(.unknownTopic, topic: topic, reason: error.description)
            }
        }
        var members: [KafkaGroupMember] = []
        var routes: [(name: String, kafka: String, member: KafkaGroupMember)] = []
        for (group, entries) in groups.sorted(by: { $0.key < $1.key }) {
            do {
                let member = try KafkaGroupMember(
                    library: self.library,
                    group: group,
                    topics: entries.map(\.kafka),
                    properties: Self.properties(self.configuration),
                    metadataLimit: self.configuration.metadataLimit,
                    logger: self.logger
                )
                members.append(member)
                routes += entries.map { ($0.name, $0.kafka, member) }
            } catch {
                throw BrokerError(.connectionFailed, reason: error.description)
            }
        }
        return KafkaConsumer(members: members, topics: routes)
    }

    /// Waits for outstanding deliveries and stops the producer.
    public func close() async {
        await self.producer.close()
    }
}

extension KafkaConfiguration {
    /// Opens a broker on this cluster behind the seam, as the service uses it.
    public func openBroker(logger: Logger) throws(KafkaError) -> any MessageBroker {
        try KafkaBroker(configuration: self, logger: logger)
    }
}
