import CompositePulsar
import Foundation

/// The `PULSAR_*` keys: how `BROKER=pulsar` reaches the cluster. Validated at start, so a wrong value fails with
/// the key's name before anything connects; the token is never part of an error or a log line.
public struct PulsarSettings: Sendable {
    /// `PULSAR_URL`: `pulsar://host:6650` or `pulsar+ssl://host:6651`. Required with `BROKER=pulsar`.
    public var url: String?
    /// `PULSAR_TOKEN`: a JWT for token authentication.
    public var token: String?
    /// `PULSAR_TOKEN_FILE`: a file holding the token, re-read at every connection (wins over `PULSAR_TOKEN`).
    public var tokenFile: String?
    /// `PULSAR_TLS_TRUST_CERTS`: PEM file of the CAs to trust; the system's otherwise.
    public var trustCertificatesFile: String?
    /// `PULSAR_TLS_ALLOW_INSECURE=true`: development only, no certificate or host name checks.
    public var allowInsecureConnection = false
    /// `PULSAR_LOOKUP=false`: connect every topic through `PULSAR_URL` without a lookup (one broker behind a TLS
    /// terminator or load balancer). Default: `true`.
    public var lookup = true
    /// `PULSAR_SUBSCRIPTION_TYPE`: `failover` (default), `exclusive`, `shared` or `key_shared`.
    public var subscriptionType: PulsarSubscriptionType = .failover

    public init() {}

    static func load(
        value: (String) -> String?,
        fail: (String, String) -> ServiceError,
        required: Bool
    ) throws(ServiceError) -> PulsarSettings {
        var settings = PulsarSettings()
        settings.url = value("PULSAR_URL")
        if let url = settings.url {
            do {
                _ = try PulsarEndpoint.parse(url)
            } catch {
                throw fail("PULSAR_URL", "must be pulsar://host:port or pulsar+ssl://host:port, got \"\(url)\"")
            }
        } else if required {
            throw fail("PULSAR_URL", "is required with BROKER=pulsar")
        }
        settings.token = value("PULSAR_TOKEN")
        if let file = value("PULSAR_TOKEN_FILE") {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw fail("PULSAR_TOKEN_FILE", "\"\(file)\" is not a readable file")
            }
            settings.tokenFile = file
        }
        if let file = value("PULSAR_TLS_TRUST_CERTS") {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw fail("PULSAR_TLS_TRUST_CERTS", "\"\(file)\" is not a readable file")
            }
            settings.trustCertificatesFile = file
        }
        for (key, assign) in [
            ("PULSAR_TLS_ALLOW_INSECURE", \PulsarSettings.allowInsecureConnection), ("PULSAR_LOOKUP", \.lookup),
        ] {
            guard let text = value(key) else { continue }
            guard let flag = Bool(text) else { throw fail(key, "must be true or false, got \"\(text)\"") }
            settings[keyPath: assign] = flag
        }
        if let type = value("PULSAR_SUBSCRIPTION_TYPE") {
            guard let parsed = PulsarSubscriptionType(rawValue: type) else {
                let names = PulsarSubscriptionType.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("PULSAR_SUBSCRIPTION_TYPE", "must be one of \(names), got \"\(type)\"")
            }
            settings.subscriptionType = parsed
        }
        return settings
    }

    /// The client configuration; call only with a validated `url`.
    public var clientConfiguration: PulsarClientConfiguration {
        var configuration = PulsarClientConfiguration(
            serviceURL: self.url ?? "pulsar://localhost:6650",
            token: self.token,
            tokenFile: self.tokenFile
        )
        configuration.tlsTrustCertificatesFile = self.trustCertificatesFile
        configuration.tlsAllowInsecureConnection = self.allowInsecureConnection
        configuration.lookup = self.lookup
        return configuration
    }

    /// What the service warns about at start: settings that work but put held messages at risk.
    public var warnings: [String] {
        var warnings: [String] = []
        if self.subscriptionType == .shared || self.subscriptionType == .keyShared {
            warnings.append(
                "PULSAR_SUBSCRIPTION_TYPE=\(self.subscriptionType.rawValue): the broker stops dispatching to Shared and Key_Shared subscriptions at maxUnackedMessagesPerConsumer (50,000 by default); held composites can stall the service. Use failover or exclusive."
            )
        }
        if self.allowInsecureConnection {
            warnings.append(
                "PULSAR_TLS_ALLOW_INSECURE=true: certificates and host names are not checked; never use this in production."
            )
        }
        if let url = self.url, url.hasPrefix("pulsar://"), self.token != nil || self.tokenFile != nil {
            warnings.append(
                "a token is configured but PULSAR_URL is not pulsar+ssl://: the token travels in clear text."
            )
        }
        return warnings
    }
}
