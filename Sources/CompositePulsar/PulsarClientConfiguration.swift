import Foundation

/// How to reach and authenticate with a Pulsar cluster.
public struct PulsarClientConfiguration: Sendable {
    /// `pulsar://host:6650` or `pulsar+ssl://host:6651`; several hosts may be listed, comma-separated.
    public var serviceURL: String
    /// The authentication token (JWT), if the cluster wants one. Never logged.
    public var token: String?
    /// A file holding the token, read again at every connection and challenge so a rotated token is picked up.
    public var tokenFile: String?
    /// PEM file of the certificate authorities to trust for `pulsar+ssl://`; the system's when `nil`.
    public var tlsTrustCertificatesFile: String?
    /// Development only: accept any certificate and any host name.
    public var tlsAllowInsecureConnection = false
    public var keepAliveInterval: Duration = .seconds(30)
    public var operationTimeout: Duration = .seconds(30)
    public var connectTimeout: Duration = .seconds(10)
    /// How many messages each consumer asks the broker for ahead of the application (Pulsar's receiver queue).
    public var receiverQueueSize = 1000
    /// Whether to look topics up. `false` sends every topic to the service URL: for a single broker behind a TLS
    /// terminator or load balancer whose lookup answers name an address clients cannot reach.
    public var lookup = true
    /// Lookup redirects followed before giving up.
    public var maxLookupRedirects = 20
    /// Reconnection backoff: the first delay, doubled after each failure up to `maxBackoff`, with jitter.
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(30)

    public init(serviceURL: String, token: String? = nil, tokenFile: String? = nil) {
        self.serviceURL = serviceURL
        self.token = token
        self.tokenFile = tokenFile
    }

    /// The current credentials: the token file wins over the token so it can be rotated.
    func credentials() -> ConnectionStateMachine.Credentials? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else { return nil }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return ConnectionStateMachine.Credentials(method: "token", data: Array(token.utf8))
        }
        if let token { return ConnectionStateMachine.Credentials(method: "token", data: Array(token.utf8)) }
        return nil
    }
}

extension Duration {
    /// The duration in whole nanoseconds, for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
