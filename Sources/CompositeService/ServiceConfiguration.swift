public import CompositeCore
public import CompositeKafka
public import Logging

/// How `composite-service run` is configured: from the environment, over a `.env` file. Every key and its default
/// is documented in `.env.example`.
public struct ServiceConfiguration: Sendable {
    public enum BrokerKind: String, Sendable, Equatable {
        case embedded
        case memory
        case pulsar
        case kafka
    }

    public enum LogFormat: String, Sendable, Equatable {
        case text
        case json
    }

    /// `BROKER`. Default: `embedded`.
    public var broker: BrokerKind = .embedded
    /// `DATA_DIR`: where the embedded broker keeps its database. Default: `data`.
    public var dataDirectory = "data"
    /// `PULSAR_TENANT`: the broker tenant `P` of the topics. Default: `krane-staging`.
    public var brokerTenant = "krane-staging"
    /// `KRANE_TENANTS`: the Krane tenants `T` to consume, comma-separated. Required.
    public var tenants: [String] = []
    /// `COMPOSITES_DIR`. Default: `composites`.
    public var compositesDirectory = "composites"
    /// `PATIENT_DIRECTORY`: a JSON Lines patient file. Default: none (no patient is known).
    public var patientDirectory: String?
    /// `PATIENT_DIRECTORY=postgres://…` with `PATIENT_QUERY`, `PATIENT_CACHE_SIZE`, `PATIENT_CACHE_SECONDS`,
    /// `PATIENT_QUERY_TIMEOUT_SECONDS`: the clinical database instead of a file.
    public var patientDatabase: PostgresPatientDirectory.Configuration?
    /// `SUBSCRIPTION`. Default: `composite-service`.
    public var subscription = "composite-service"
    /// `LATENESS_SECONDS`, `CLAIM_WINDOW_SECONDS`, `PROOF_RETENTION_DAYS` (default 180), `CARRY_AGE_SECONDS`
    /// (default 259200, 3 days), `MAX_HELD_PER_TOPIC` (default 500).
    public var engine = EngineConfiguration()
    /// `IDLE_SECONDS`: a topic idle this long counts as read up to the wall clock. Default: 60.
    public var idleSeconds: Int64 = 60
    /// `CHECKPOINT_SECONDS`: how often each tenant's watermarks are checkpointed to its state topic (when they moved).
    /// Default: 10.
    public var checkpointSeconds: Int64 = 10
    /// `MAX_CLOCK_SKEW_SECONDS`: an input message published further ahead of the service's wall clock than this is
    /// dead-lettered and moves no watermark. Default: 300.
    public var maximumClockSkewSeconds: Int64 = 300
    /// `HTTP_HOST`: the address the endpoint listens on. `/pending` lists patient ids, so the default is loopback.
    /// Default: `127.0.0.1`.
    public var httpHost = "127.0.0.1"
    /// `HTTP_PORT`: health, readiness and Prometheus metrics; 0 disables the endpoint. Default: 8080.
    public var httpPort = 8080
    /// `LOG_FORMAT`: `text` or `json`. Default: `text`.
    public var logFormat: LogFormat = .text
    /// `LOG_LEVEL`: `trace` … `critical`. Default: `info`.
    public var logLevel = Logger.Level.info
    /// `PULSAR_URL`, `PULSAR_TOKEN`, `PULSAR_TOKEN_FILE`, `PULSAR_TLS_*`, `PULSAR_SUBSCRIPTION_TYPE`: the Pulsar
    /// broker; the token is never logged.
    public var pulsar = PulsarSettings()
    public var pulsarToken: String? { self.pulsar.token }
    /// `KAFKA_BROKERS` (required with `BROKER=kafka`), `KAFKA_LIBRARY`, `KAFKA_TOPIC_TEMPLATE`, `KAFKA_GROUP`,
    /// `KAFKA_CONFIG_*`: see docs/kafka.md.
    public var kafka: KafkaConfiguration?

    public init() {}

    /// The topics the service consumes: both topics of every tenant.
    public var topics: [String] {
        self.tenants.flatMap { tenant in
            [TopicKind.tasks, .experiments].map {
                TenantTopic(brokerTenant: self.brokerTenant, kind: $0, kraneTenant: tenant).fullName
            }
        }
    }

    /// The service's own topics, one per tenant: decision proofs (`docs/operations.md`, "The state topics").
    public var stateTopics: [String] {
        self.tenants.map {
            TenantTopic(brokerTenant: self.brokerTenant, kind: .tasks, kraneTenant: $0)
                .stateTopic(subscription: self.subscription)
        }
    }

    /// Reads the configuration. `environment` wins over `dotEnv`; an invalid value fails with one line naming the key.
    public static func load(environment: [String: String], dotEnv: [String: String] = [:]) throws(ServiceError) -> Self
    {
        let values = dotEnv.merging(environment) { _, fromEnvironment in fromEnvironment }
        func fail(_ key: String, _ message: String) -> ServiceError {
            ServiceError(.invalidConfiguration, "invalid configuration: \(key) \(message)")
        }
        func value(_ key: String) -> String? {
            guard let value = values[key], !value.isEmpty else { return nil }
            return value
        }
        func integer(_ key: String, _ range: ClosedRange<Int64>) throws(ServiceError) -> Int64? {
            guard let text = value(key) else { return nil }
            guard let number = Int64(text), range.contains(number) else {
                throw fail(
                    key,
                    "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""
                )
            }
            return number
        }
        var configuration = Self()
        if let broker = value("BROKER") {
            guard let kind = BrokerKind(rawValue: broker) else {
                throw fail("BROKER", "must be embedded, memory, pulsar or kafka, got \"\(broker)\"")
            }
            configuration.broker = kind
        }
        configuration.dataDirectory = value("DATA_DIR") ?? configuration.dataDirectory
        if let tenant = value("PULSAR_TENANT") {
            guard !tenant.contains("/") else { throw fail("PULSAR_TENANT", "must not contain '/', got \"\(tenant)\"") }
            configuration.brokerTenant = tenant
        }
        guard let tenants = value("KRANE_TENANTS") else {
            throw fail("KRANE_TENANTS", "is required: the comma-separated Krane tenants to consume")
        }
        configuration.tenants = tenants.split(separator: ",").map { $0.trimmingCharacters(in: " ") }
        for tenant in configuration.tenants where tenant.isEmpty || tenant.contains("/") {
            throw fail("KRANE_TENANTS", "has an invalid tenant \"\(tenant)\"")
        }
        guard !configuration.tenants.isEmpty else { throw fail("KRANE_TENANTS", "names no tenant") }
        configuration.compositesDirectory = value("COMPOSITES_DIR") ?? configuration.compositesDirectory
        if let directory = value("PATIENT_DIRECTORY") {
            if PostgresURL.isPostgres(directory) {
                var database = PostgresPatientDirectory.Configuration(
                    url: try PostgresURL(directory, key: "PATIENT_DIRECTORY")
                )
                if let query = value("PATIENT_QUERY") {
                    guard query.contains("$1") else { throw fail("PATIENT_QUERY", "must use $1 for the patient id") }
                    database.query = query
                }
                if let size = try integer("PATIENT_CACHE_SIZE", 1...10_000_000) { database.cacheSize = Int(size) }
                if let expiry = try integer("PATIENT_CACHE_SECONDS", 0...86_400) {
                    database.cacheExpiry = .seconds(expiry)
                }
                if let timeout = try integer("PATIENT_QUERY_TIMEOUT_SECONDS", 1...600) {
                    database.queryTimeout = .seconds(timeout)
                }
                configuration.patientDatabase = database
            } else {
                configuration.patientDirectory = directory
            }
        }
        configuration.subscription = value("SUBSCRIPTION") ?? configuration.subscription
        if let lateness = try integer("LATENESS_SECONDS", 0...86_400) {
            configuration.engine.lateness = lateness * 1_000
        }
        if let window = try integer("CLAIM_WINDOW_SECONDS", 1...31_536_000) {
            configuration.engine.claimWindow = window * 1_000
            configuration.engine.decidedRetention = window * 1_000
        }
        if let days = try integer("PROOF_RETENTION_DAYS", 1...3_650) {
            configuration.engine.proofRetention = days * 86_400_000
        }
        if let age = try integer("CARRY_AGE_SECONDS", 1...31_536_000) { configuration.engine.carryAge = age * 1_000 }
        if let bound = try integer("MAX_HELD_PER_TOPIC", 1...1_000_000) {
            configuration.engine.maxHeldPerTopic = Int(bound)
        }
        configuration.engine.subscription = configuration.subscription
        if let idle = try integer("IDLE_SECONDS", 1...86_400) { configuration.idleSeconds = idle }
        if let every = try integer("CHECKPOINT_SECONDS", 1...3_600) { configuration.checkpointSeconds = every }
        if let skew = try integer("MAX_CLOCK_SKEW_SECONDS", 1...31_536_000_000) {
            configuration.maximumClockSkewSeconds = skew
        }
        if let port = try integer("HTTP_PORT", 0...65_535) { configuration.httpPort = Int(port) }
        if let host = value("HTTP_HOST") {
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".:-".contains($0) }) else {
                throw ServiceError(
                    .invalidConfiguration,
                    "invalid configuration: HTTP_HOST must be an address or host name, got \"\(host)\""
                )
            }
            configuration.httpHost = host
        }
        if let format = value("LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format) else {
                throw fail("LOG_FORMAT", "must be text or json, got \"\(format)\"")
            }
            configuration.logFormat = parsed
        }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw fail(
                    "LOG_LEVEL",
                    "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            configuration.logLevel = parsed
        }
        configuration.pulsar = try PulsarSettings.load(
            value: value,
            fail: fail,
            required: configuration.broker == .pulsar
        )
        if configuration.broker == .kafka {
            configuration.kafka = try Self.kafka(values, value: value, fail: fail)
        }
        return configuration
    }
}

extension ServiceConfiguration {
    static func kafka(
        _ values: [String: String],
        value: (String) -> String?,
        fail: (String, String) -> ServiceError
    ) throws(ServiceError) -> KafkaConfiguration {
        guard let brokers = value("KAFKA_BROKERS") else {
            throw fail("KAFKA_BROKERS", "is required with BROKER=kafka: the bootstrap servers, host:port[,host:port]")
        }
        for server in brokers.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = server.trimmingCharacters(in: " ").split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65_535).contains(port) else {
                throw fail("KAFKA_BROKERS", "must be host:port[,host:port], got \"\(brokers)\"")
            }
        }
        let mapping: KafkaTopicMapping
        do {
            mapping = try KafkaTopicMapping(
                template: value("KAFKA_TOPIC_TEMPLATE") ?? KafkaTopicMapping.defaultTemplate
            )
        } catch {
            throw fail("KAFKA_TOPIC_TEMPLATE", error.reason)
        }
        var properties: [String: String] = [:]
        let prefix = "KAFKA_CONFIG_"
        for (key, setting) in values where key.hasPrefix(prefix) && !setting.isEmpty {
            let suffix = String(key.dropFirst(prefix.count))
            guard !suffix.isEmpty else { throw fail(key, "names no librdkafka property") }
            properties[KafkaConfiguration.propertyName(environmentSuffix: suffix)] = setting
        }
        return KafkaConfiguration(
            brokers: brokers.replacing(" ", with: ""),
            library: value("KAFKA_LIBRARY") ?? KafkaConfiguration.defaultLibrary,
            topics: mapping,
            group: value("KAFKA_GROUP"),
            properties: properties
        )
    }
}

extension ServiceConfiguration: CustomStringConvertible {
    /// The configuration for the start-up log line; secrets are redacted.
    public var description: String {
        "broker=\(self.broker.rawValue) dataDir=\(self.dataDirectory) tenant=\(self.brokerTenant) "
            + "tenants=\(self.tenants.joined(separator: ",")) composites=\(self.compositesDirectory) "
            + "patients=\(self.patientDatabase.map { "\($0.url)" } ?? self.patientDirectory ?? "none") "
            + "subscription=\(self.subscription) "
            + "idleSeconds=\(self.idleSeconds) checkpointSeconds=\(self.checkpointSeconds) "
            + "carryAgeSeconds=\(self.engine.carryAge / 1_000) maxHeldPerTopic=\(self.engine.maxHeldPerTopic) "
            + "maxClockSkewSeconds=\(self.maximumClockSkewSeconds) httpHost=\(self.httpHost) httpPort=\(self.httpPort) "
            + (self.broker == .pulsar
                ? "pulsarURL=\(self.pulsar.url ?? "") subscriptionType=\(self.pulsar.subscriptionType.rawValue) " : "")
            + "pulsarToken=\(self.pulsarToken == nil && self.pulsar.tokenFile == nil ? "unset" : "<redacted>")"
            + (self.kafka.map {
                " kafkaBrokers=\($0.brokers) kafkaLibrary=\($0.library) kafkaTopics=\($0.topics.template) "
                    + "kafkaGroup=\($0.group ?? self.subscription) kafkaConfig=\($0.properties.keys.sorted())"
            } ?? "")
    }
}
