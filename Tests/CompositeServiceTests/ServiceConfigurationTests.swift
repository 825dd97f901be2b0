import CompositeCore
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
            #"invalid configuration: BROKER must be embedded, memory or kafka, got "rabbit""#
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
        #expect(throws: ServiceError.self) {
            try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a", "BROKER": "pulsar"])
        }
    }

    @Test func malformedDotEnvLinesNameFileAndLine() {
        #expect(throws: ServiceError(.invalidConfiguration, file: ".env", line: 2, "expected KEY=VALUE")) {
            try DotEnvFile.parse("A=1\nnot a pair\n", fileName: ".env")
        }
    }

    @Test func readinessStartsFalse() {
        let metrics = ServiceMetrics()
        #expect(metrics.isReady.ready == false)
        metrics.setReady(true, reason: "consuming")
        #expect(metrics.isReady == (true, "consuming"))
    }
}
