import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeKafka
import CompositePulsar
import Foundation
public import Logging
import ServiceLifecycle

/// Builds the long-running service from its configuration and runs it until SIGTERM or SIGINT.
public enum ServiceRunner {
    /// Sets up logging as configured (human-readable text, or JSON lines).
    public static func bootstrapLogging(_ configuration: ServiceConfiguration) {
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = Self.logHandler(configuration.logFormat, label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The handler for one log format, writing to `stream` (standard error when `nil`). Both formats escape control
    /// characters in every value, so text from messages (a patient id holding a newline) cannot forge a line.
    public static func logHandler(
        _ format: ServiceConfiguration.LogFormat,
        label: String,
        stream: (any TextOutputStream & Sendable)? = nil
    ) -> any LogHandler {
        switch format {
        case .text:
            EscapingLogHandler(
                wrapping: stream.map { StreamLogHandler(label: label, stream: $0) }
                    ?? StreamLogHandler.standardError(label: label)
            )
        case .json: JSONLogHandler(label: label, stream: stream)
        }
    }

    /// Opens the configured broker, logging what the configuration puts at risk.
    public static func openBroker(
        _ configuration: ServiceConfiguration,
        logger: Logger = Logger(label: "composite-service")
    ) throws -> any MessageBroker {
        switch configuration.broker {
        case .memory:
            return InMemoryBroker()
        case .embedded:
            return try self.openEmbeddedBroker(dataDirectory: configuration.dataDirectory)
        case .pulsar:
            for warning in configuration.pulsar.warnings { logger.warning("\(warning)") }
            do {
                return try PulsarBroker(
                    configuration: configuration.pulsar.clientConfiguration,
                    subscriptionType: configuration.pulsar.subscriptionType,
                    logger: logger
                )
            } catch {
                throw ServiceError(.invalidConfiguration, "invalid configuration: PULSAR_URL \(error.reason)")
            }
        case .kafka:
            guard let kafka = configuration.kafka else {
                throw ServiceError(.invalidConfiguration, "invalid configuration: KAFKA_BROKERS is required")
            }
            do {
                return try KafkaBroker(configuration: kafka, logger: logger)
            } catch {
                throw ServiceError(.invalidConfiguration, "invalid configuration: \(error)")
            }
        }
    }

    public static func openEmbeddedBroker(dataDirectory: String) throws -> EmbeddedBroker {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ServiceError(
                .invalidConfiguration,
                file: dataDirectory,
                "DATA_DIR cannot be created: \(error.localizedDescription)"
            )
        }
        return try EmbeddedBroker(path: (dataDirectory as NSString).appendingPathComponent("broker.sqlite"))
    }

    /// Publishes fixture messages (keeping their publish times) into a broker, in batches.
    public static func publish(
        _ messages: [FixtureMessage],
        to broker: any MessageBroker,
        progress: (Int) -> Void = { _ in }
    ) async throws {
        if let embedded = broker as? EmbeddedBroker {
            var published = 0
            for start in stride(from: 0, to: messages.count, by: 1_000) {
                let batch = messages[start..<min(messages.count, start + 1_000)]
                _ = try embedded.publish(
                    batch.map {
                        EmbeddedBroker.Record(
                            message: OutgoingMessage(payload: $0.payload, key: $0.key),
                            topic: $0.topic,
                            publishTime: $0.publishTime
                        )
                    }
                )
                published += batch.count
                progress(published)
            }
        } else if let memory = broker as? InMemoryBroker {
            for message in messages {
                memory.load(
                    OutgoingMessage(payload: message.payload, key: message.key),
                    to: message.topic,
                    publishTime: message.publishTime
                )
            }
            progress(messages.count)
        } else if let kafka = broker as? KafkaBroker {
            // In order, one delivery-report wait per batch: the idempotent producer keeps each partition's order.
            for start in stride(from: 0, to: messages.count, by: 1_000) {
                let batch = messages[start..<min(messages.count, start + 1_000)]
                _ = try await kafka.publish(
                    batch.map {
                        (OutgoingMessage(payload: $0.payload, key: $0.key, publishTime: $0.publishTime), $0.topic)
                    }
                )
                progress(start + batch.count)
            }
        } else {
            // Networked brokers: one message at a time, each only after the previous receipt, so topic order holds.
            for (index, message) in messages.enumerated() {
                _ = try await broker.publish(
                    OutgoingMessage(payload: message.payload, key: message.key, publishTime: message.publishTime),
                    to: message.topic
                )
                if (index + 1) % 1_000 == 0 || index + 1 == messages.count { progress(index + 1) }
            }
        }
    }

    /// Runs the service: the scorer source, the processor and the HTTP endpoint in one service group.
    public static func run(
        configuration: ServiceConfiguration,
        broker: any MessageBroker,
        logger: Logger
    ) async throws {
        let metrics = ServiceMetrics()
        metrics.setReady(false, reason: "loading scorers")
        let scorers = try ScorerSource(directory: configuration.compositesDirectory, metrics: metrics, logger: logger)
        let patients: any PatientDirectory
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: scorers)]
        if let database = configuration.patientDatabase {
            for warning in database.url.warnings { logger.warning("\(warning)") }
            let directory = try PostgresPatientDirectory(configuration: database, logger: logger)
            services.append(.init(service: directory))
            patients = directory
        } else if let file = configuration.patientDirectory {
            patients = try JSONLinesPatientDirectory(contents: try TextFile.read(file), fileName: file)
        } else {
            patients = EmptyPatientDirectory()
        }
        let processor = CompositeProcessor(
            configuration: configuration,
            broker: broker,
            patients: patients,
            scorers: scorers,
            metrics: metrics,
            logger: logger
        )
        services.append(.init(service: processor, successTerminationBehavior: .gracefullyShutdownGroup))
        if configuration.httpPort > 0 {
            services.append(
                .init(
                    service: HTTPEndpoint(
                        host: configuration.httpHost,
                        port: configuration.httpPort,
                        metrics: metrics,
                        logger: logger
                    )
                )
            )
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        if let kafka = broker as? KafkaBroker { await kafka.close() }
    }
}
