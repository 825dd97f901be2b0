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
        let level = configuration.logLevel
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
            return InMemoryBrokerConfiguration().openBroker()
        case .embedded:
            do {
                return try EmbeddedBrokerConfiguration(dataDirectory: configuration.dataDirectory).openBroker()
            } catch {
                throw ServiceError(
                    .invalidConfiguration,
                    file: configuration.dataDirectory,
                    "DATA_DIR: \(error.reason)"
                )
            }
        case .pulsar:
            for warning in configuration.pulsar.warnings { logger.warning("\(warning)") }
            do {
                return try configuration.pulsar.clientConfiguration.openBroker(
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
                return try kafka.openBroker(logger: logger)
            } catch {
                throw ServiceError(.invalidConfiguration, "invalid configuration: \(error)")
            }
        }
    }

    /// How many fixture messages go to the broker in one batch: one transaction on the embedded broker, one wait
    /// for delivery reports on Kafka; Pulsar's batch publishes them one after another.
    static let fixtureBatch = 1_000

    /// Publishes fixture messages (keeping their publish times) into a broker, in batches, each topic in order.
    public static func publish(
        _ messages: [FixtureMessage],
        to broker: any MessageBroker,
        progress: (Int) -> Void = { _ in }
    ) async throws {
        for start in stride(from: 0, to: messages.count, by: Self.fixtureBatch) {
            let batch = messages[start..<min(messages.count, start + Self.fixtureBatch)]
            _ = try await broker.publish(
                batch.map { (OutgoingMessage(payload: $0.payload, key: $0.key, publishTime: $0.publishTime), $0.topic) }
            )
            progress(start + batch.count)
        }
    }

    /// Runs the service: the broker, the scorer source, the processor and the HTTP endpoint in one service group.
    public static func run(
        configuration: ServiceConfiguration,
        broker: any MessageBroker,
        logger: Logger
    ) async throws {
        let metrics = ServiceMetrics()
        let readiness = Readiness()
        readiness.set(false, reason: "loading scorers")
        let scorers = try ScorerSource(directory: configuration.compositesDirectory, metrics: metrics, logger: logger)
        let patients: any PatientDirectory
        // The broker first: the group stops services in reverse order, so it closes after the processor's last
        // publications and acknowledgements.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: broker), .init(service: scorers),
        ]
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
            readiness: readiness,
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
                        readiness: readiness,
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
    }
}
