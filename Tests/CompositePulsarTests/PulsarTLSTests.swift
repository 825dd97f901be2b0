import BrokerTestSupport
import CompositeBroker
import CompositeCore
import Logging
import Testing

@testable import CompositePulsar

/// `pulsar+ssl://` through a real TLS endpoint, with a CA the test makes.
///
/// pulsar-lite speaks no TLS, so a TLS terminator relays to it. pulsar-lite also deviates from Apache Pulsar here:
/// its LOOKUP answer carries no `brokerServiceUrlTls`, which a TLS client needs, so these tests connect with
/// `lookup = false` (every topic through the service URL). Choosing the TLS URL from a lookup is covered by
/// `LookupAndEndpointTests`.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PulsarTLSTests {
    static let logger = Logger(label: "pulsar-tls-test")

    /// `timeout` bounds each operation: generous where it must succeed, short where a refusal is expected (no
    /// machine load turns a refused certificate into an accepted one; the bound only stops the retries sooner).
    func configuration(
        _ terminator: TLSTerminator,
        trust: String?,
        timeout: Duration = TestTools.hangBound
    ) -> PulsarClientConfiguration {
        var configuration = PulsarClientConfiguration(serviceURL: "pulsar+ssl://localhost:\(terminator.port)")
        configuration.tlsTrustCertificatesFile = trust
        configuration.lookup = false
        configuration.operationTimeout = timeout
        configuration.maxBackoff = .milliseconds(200)
        return configuration
    }

    /// pulsar-lite on loopback with a TLS terminator in front of it whose certificate names `hostname`.
    static func brokerBehindTLS(hostname: String = "localhost") async throws -> (PulsarLiteServer, TLSTerminator) {
        let server = try PulsarLiteServer()
        try await server.start()
        let terminator = try TLSTerminator(upstreamPort: server.port, hostname: hostname)
        try await terminator.waitUntilListening()
        return (server, terminator)
    }

    @Test func publishAndConsumeOverTLSWithTheTestCA() async throws {
        let (server, terminator) = try await Self.brokerBehindTLS()
        defer {
            terminator.stop()
            server.stop()
        }
        let broker = try PulsarBroker(
            configuration: self.configuration(terminator, trust: terminator.caFile),
            logger: Self.logger
        )
        let topic = "persistent://krane/tasks/tls"
        let id = try await broker.publish(OutgoingMessage(payload: Array("over tls".utf8), key: "k"), to: topic)
        let consumer = try await broker.subscribe(topics: [topic], subscription: "composite-service")
        let message = try await consumer.receive(timeout: TestTools.hangBound)
        #expect(message.map { String(decoding: $0.payload, as: UTF8.self) } == "over tls")
        #expect(message?.id == id)
        await consumer.close()
        await broker.close()
    }

    @Test func aCertificateFromAnUntrustedCAIsRefused() async throws {
        let (server, terminator) = try await Self.brokerBehindTLS()
        defer {
            terminator.stop()
            server.stop()
        }
        // The system trust store does not know the test CA.
        let broker = try PulsarBroker(
            configuration: self.configuration(terminator, trust: nil, timeout: .seconds(3)),
            logger: Self.logger
        )
        await #expect {
            _ = try await broker.publish(OutgoingMessage(payload: [1]), to: "persistent://krane/tasks/tls")
        } throws: { error in
            "\(error)".contains("connectionFailed")
        }
        await broker.close()

        // The explicit development switch accepts it.
        var insecure = self.configuration(terminator, trust: nil)
        insecure.tlsAllowInsecureConnection = true
        let relaxed = try PulsarBroker(configuration: insecure, logger: Self.logger)
        _ = try await relaxed.publish(OutgoingMessage(payload: [1]), to: "persistent://krane/tasks/tls")
        await relaxed.close()
    }

    @Test func theHostNameMustMatchTheCertificate() async throws {
        let (server, terminator) = try await Self.brokerBehindTLS(hostname: "broker.example.org")
        defer {
            terminator.stop()
            server.stop()
        }
        // Trusted CA, but the certificate names broker.example.org and the client dials localhost.
        let broker = try PulsarBroker(
            configuration: self.configuration(terminator, trust: terminator.caFile, timeout: .seconds(3)),
            logger: Self.logger
        )
        await #expect {
            _ = try await broker.publish(OutgoingMessage(payload: [1]), to: "persistent://krane/tasks/tls")
        } throws: { error in
            "\(error)".contains("connectionFailed")
        }
        await broker.close()
    }
}
