import CompositeCore
import CompositePulsar
import CompositeService
import Testing

@Suite struct ServiceConfigurationTests {
    @Test func defaultsApplyWhenOnlyTheTenantsAreGiven() throws {
        let configuration = try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "orikami, radboud"])
        #expect(configuration.broker == .embedded)
        #expect(configuration.tenants == ["orikami", "radboud"])
        #expect(configuration.dataDirectory == "data")
        #expect(configuration.engine == EngineConfiguration())
        #expect(configuration.idleSeconds == 60 && configuration.httpPort == 8080)
        #expect(
            configuration.topics == [
                "persistent://krane-staging/tasks/orikami-events",
                "persistent://krane-staging/experiments/orikami-events",
                "persistent://krane-staging/tasks/radboud-events",
                "persistent://krane-staging/experiments/radboud-events",
            ]
        )
    }

    /// The proof retention at its smallest and largest valid values, and the state topics it applies to.
    @Test(arguments: [("1", Int64(86_400_000)), ("3650", Int64(3_650) * 86_400_000)])
    func proofRetentionDaysBecomeTheEngineRetention(days: String, milliseconds: Int64) throws {
        let configuration = try ServiceConfiguration.load(
            environment: ["KRANE_TENANTS": "orikami", "PROOF_RETENTION_DAYS": days, "SUBSCRIPTION": "cs"]
        )
        #expect(configuration.engine.proofRetention == milliseconds)
        #expect(configuration.checkpointSeconds == 10)
        #expect(configuration.stateTopics == ["persistent://krane-staging/tasks/orikami-events-cs-state"])
    }

    /// The checkpoint interval at its smallest and largest valid values.
    @Test(arguments: [("1", Int64(1)), ("3600", Int64(3_600))])
    func checkpointSecondsAreReadAtTheirBounds(text: String, seconds: Int64) throws {
        let configuration = try ServiceConfiguration.load(
            environment: ["KRANE_TENANTS": "orikami", "CHECKPOINT_SECONDS": text]
        )
        #expect(configuration.checkpointSeconds == seconds)
        #expect(configuration.maximumClockSkewSeconds == 300)
    }

    /// The clock skew at its smallest and largest valid values (the largest: a thousand years).
    @Test(arguments: [("1", Int64(1)), ("31536000000", Int64(31_536_000_000))])
    func maximumClockSkewIsReadAtItsBounds(text: String, seconds: Int64) throws {
        let configuration = try ServiceConfiguration.load(
            environment: ["KRANE_TENANTS": "orikami", "MAX_CLOCK_SKEW_SECONDS": text]
        )
        #expect(configuration.maximumClockSkewSeconds == seconds)
    }

    /// The carry age and the bound on held messages per topic at their defaults, smallest and largest valid values.
    @Test(arguments: [
        ([:], Int64(259_200_000), 500),
        (["CARRY_AGE_SECONDS": "1", "MAX_HELD_PER_TOPIC": "1"], Int64(1_000), 1),
        (["CARRY_AGE_SECONDS": "31536000", "MAX_HELD_PER_TOPIC": "1000000"], Int64(31_536_000_000), 1_000_000),
    ])
    func carryingSettingsAreReadAtTheirBounds(environment: [String: String], age: Int64, bound: Int) throws {
        let configuration = try ServiceConfiguration.load(
            environment: environment.merging(["KRANE_TENANTS": "orikami"]) { given, _ in given }
        )
        #expect(configuration.engine.carryAge == age)
        #expect(configuration.engine.maxHeldPerTopic == bound)
    }

    @Test func theEnvironmentWinsOverTheDotEnvFile() throws {
        let dotEnv = try DotEnvFile.parse(
            "# comment\nexport KRANE_TENANTS=orikami\nLATENESS_SECONDS = \"120\"\nPULSAR_TENANT='krane-prod'\n\n",
            fileName: ".env"
        )
        let configuration = try ServiceConfiguration.load(environment: ["LATENESS_SECONDS": "60"], dotEnv: dotEnv)
        #expect(configuration.tenants == ["orikami"])
        #expect(configuration.brokerTenant == "krane-prod")
        #expect(configuration.engine.lateness == 60_000)
    }

    @Test(arguments: [
        ([:], "invalid configuration: KRANE_TENANTS is required: the comma-separated Krane tenants to consume"),
        (
            ["KRANE_TENANTS": "a", "BROKER": "rabbit"],
            #"invalid configuration: BROKER must be embedded, memory, pulsar or kafka, got "rabbit""#
        ),
        (
            ["KRANE_TENANTS": "a", "LATENESS_SECONDS": "soon"],
            #"invalid configuration: LATENESS_SECONDS must be a whole number from 0 to 86400, got "soon""#
        ),
        (
            ["KRANE_TENANTS": "a", "HTTP_PORT": "70000"],
            #"invalid configuration: HTTP_PORT must be a whole number from 0 to 65535, got "70000""#
        ),
        (["KRANE_TENANTS": "a,b/c"], #"invalid configuration: KRANE_TENANTS has an invalid tenant "b/c""#),
        (
            ["KRANE_TENANTS": "a", "BROKER": "kafka"],
            "invalid configuration: KAFKA_BROKERS is required with BROKER=kafka: the bootstrap servers, host:port[,host:port]"
        ),
        (
            ["KRANE_TENANTS": "a", "BROKER": "kafka", "KAFKA_BROKERS": "localhost"],
            #"invalid configuration: KAFKA_BROKERS must be host:port[,host:port], got "localhost""#
        ),
        (
            ["KRANE_TENANTS": "a", "BROKER": "kafka", "KAFKA_BROKERS": "k:9092", "KAFKA_TOPIC_TEMPLATE": "{tenant}"],
            #"invalid configuration: KAFKA_TOPIC_TEMPLATE must contain {topic}, got "{tenant}""#
        ),
        (
            ["KRANE_TENANTS": "a", "LOG_FORMAT": "xml"],
            #"invalid configuration: LOG_FORMAT must be text or json, got "xml""#
        ),
        (
            ["KRANE_TENANTS": "a", "PROOF_RETENTION_DAYS": "0"],
            #"invalid configuration: PROOF_RETENTION_DAYS must be a whole number from 1 to 3650, got "0""#
        ),
        (
            ["KRANE_TENANTS": "a", "PROOF_RETENTION_DAYS": "3651"],
            #"invalid configuration: PROOF_RETENTION_DAYS must be a whole number from 1 to 3650, got "3651""#
        ),
        (
            ["KRANE_TENANTS": "a", "MAX_CLOCK_SKEW_SECONDS": "0"],
            #"invalid configuration: MAX_CLOCK_SKEW_SECONDS must be a whole number from 1 to 31536000000, got "0""#
        ),
        (
            ["KRANE_TENANTS": "a", "MAX_CLOCK_SKEW_SECONDS": "31536000001"],
            #"invalid configuration: MAX_CLOCK_SKEW_SECONDS must be a whole number from 1 to 31536000000, got "31536000001""#
        ),
        (
            ["KRANE_TENANTS": "a", "CHECKPOINT_SECONDS": "0"],
            #"invalid configuration: CHECKPOINT_SECONDS must be a whole number from 1 to 3600, got "0""#
        ),
        (
            ["KRANE_TENANTS": "a", "CHECKPOINT_SECONDS": "3601"],
            #"invalid configuration: CHECKPOINT_SECONDS must be a whole number from 1 to 3600, got "3601""#
        ),
        (
            ["KRANE_TENANTS": "a", "CARRY_AGE_SECONDS": "0"],
            #"invalid configuration: CARRY_AGE_SECONDS must be a whole number from 1 to 31536000, got "0""#
        ),
        (
            ["KRANE_TENANTS": "a", "CARRY_AGE_SECONDS": "31536001"],
            #"invalid configuration: CARRY_AGE_SECONDS must be a whole number from 1 to 31536000, got "31536001""#
        ),
        (
            ["KRANE_TENANTS": "a", "MAX_HELD_PER_TOPIC": "0"],
            #"invalid configuration: MAX_HELD_PER_TOPIC must be a whole number from 1 to 1000000, got "0""#
        ),
        (
            ["KRANE_TENANTS": "a", "MAX_HELD_PER_TOPIC": "1000001"],
            #"invalid configuration: MAX_HELD_PER_TOPIC must be a whole number from 1 to 1000000, got "1000001""#
        ),
    ])
    func invalidValuesFailWithOneLineNamingTheKey(environment: [String: String], message: String) {
        #expect(throws: ServiceError(.invalidConfiguration, message)) {
            try ServiceConfiguration.load(environment: environment)
        }
    }

    @Test func theTokenNeverAppearsInTheLoggedConfiguration() throws {
        let configuration = try ServiceConfiguration.load(
            environment: ["KRANE_TENANTS": "a", "PULSAR_TOKEN": "eyJhbGciOiJIUzI1NiJ9.secret-token"])
        #expect(configuration.pulsarToken == "eyJhbGciOiJIUzI1NiJ9.secret-token")
        #expect(!configuration.description.contains("secret-token"))
        #expect(configuration.description.contains("pulsarToken=<redacted>"))
    }

    @Test func kafkaKeysConfigureTheAdapterAndPassPropertiesThrough() throws {
        let configuration = try ServiceConfiguration.load(environment: [
            "KRANE_TENANTS": "a", "BROKER": "kafka", "KAFKA_BROKERS": "k1:9092, k2:9093",
            "KAFKA_LIBRARY": "/opt/lib/librdkafka.so.1", "KAFKA_TOPIC_TEMPLATE": "{namespace}.{topic}",
            "KAFKA_GROUP": "composites", "KAFKA_CONFIG_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_CONFIG_SASL_PASSWORD": "hunter2",
        ])
        let kafka = try #require(configuration.kafka)
        #expect(configuration.broker == .kafka)
        #expect(kafka.brokers == "k1:9092,k2:9093")
        #expect(kafka.library == "/opt/lib/librdkafka.so.1")
        #expect(try kafka.topics.kafkaTopic("persistent://p/tasks/a-events") == "tasks.a-events")
        #expect(kafka.group == "composites")
        #expect(kafka.properties == ["session.timeout.ms": "6000", "sasl.password": "hunter2"])
        #expect(!configuration.description.contains("hunter2"))
        #expect(try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a"]).kafka == nil)
    }

    @Test(arguments: [
        (["BROKER": "pulsar"], "PULSAR_URL is required with BROKER=pulsar"),
        (
            ["PULSAR_URL": "http://pulsar:8080"],
            #"PULSAR_URL must be pulsar://host:port or pulsar+ssl://host:port, got "http://pulsar:8080""#
        ),
        (
            ["PULSAR_SUBSCRIPTION_TYPE": "queue"],
            #"PULSAR_SUBSCRIPTION_TYPE must be one of exclusive, shared, failover, key_shared, got "queue""#
        ),
        (
            ["PULSAR_TOKEN_FILE": "/nonexistent/token"],
            #"PULSAR_TOKEN_FILE "/nonexistent/token" is not a readable file"#
        ),
        (
            ["PULSAR_TLS_TRUST_CERTS": "/nonexistent/ca.pem"],
            #"PULSAR_TLS_TRUST_CERTS "/nonexistent/ca.pem" is not a readable file"#
        ),
        (["PULSAR_LOOKUP": "maybe"], #"PULSAR_LOOKUP must be true or false, got "maybe""#),
    ])
    func invalidPulsarSettingsNameTheKey(environment: [String: String], message: String) {
        #expect(throws: ServiceError(.invalidConfiguration, "invalid configuration: " + message)) {
            try ServiceConfiguration.load(
                environment: environment.merging(["KRANE_TENANTS": "a"]) { value, _ in value }
            )
        }
    }

    @Test func pulsarSettingsBecomeTheClientConfigurationAndRiskyOnesWarn() throws {
        let configuration = try ServiceConfiguration.load(environment: [
            "KRANE_TENANTS": "a", "BROKER": "pulsar", "PULSAR_URL": "pulsar://broker:6650",
            "PULSAR_TOKEN": "eyJ.secret", "PULSAR_SUBSCRIPTION_TYPE": "shared", "PULSAR_LOOKUP": "false",
        ])
        #expect(configuration.broker == .pulsar)
        let client = configuration.pulsar.clientConfiguration
        #expect(client.serviceURL == "pulsar://broker:6650")
        #expect(client.token == "eyJ.secret")
        #expect(client.lookup == false)
        #expect(configuration.pulsar.subscriptionType == .shared)
        let warnings = configuration.pulsar.warnings.joined(separator: "\n")
        #expect(warnings.contains("maxUnackedMessagesPerConsumer"))
        #expect(warnings.contains("clear text"))
        #expect(!warnings.contains("secret") && !configuration.description.contains("secret"))
        let quiet = try ServiceConfiguration.load(environment: [
            "KRANE_TENANTS": "a", "BROKER": "pulsar", "PULSAR_URL": "pulsar+ssl://broker:6651", "PULSAR_TOKEN": "t",
        ])
        #expect(quiet.pulsar.warnings.isEmpty, "failover over TLS is the recommended setup")
    }

    @Test func malformedDotEnvLinesNameFileAndLine() {
        #expect(throws: ServiceError(.invalidConfiguration, file: ".env", line: 2, "expected KEY=VALUE")) {
            try DotEnvFile.parse("A=1\nnot a pair\n", fileName: ".env")
        }
    }

    @Test func readinessStartsFalse() {
        let readiness = Readiness()
        #expect(readiness.current.ready == false)
        readiness.set(true, reason: "consuming")
        #expect(readiness.current == (true, "consuming"))
    }
}
