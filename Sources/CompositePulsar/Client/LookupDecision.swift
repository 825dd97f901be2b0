/// What to do with a `LOOKUP_RESPONSE`: connect to the serving broker, or ask again somewhere else.
///
/// Pure, so redirects and proxying are tested without a network.
enum LookupDecision: Equatable {
    case connect(PulsarEndpoint, proxyToBroker: String?)
    case redirect(PulsarEndpoint, proxyToBroker: String?, authoritative: Bool)

    /// - Parameters:
    ///   - useTLS: whether the client speaks TLS (then the TLS broker URL is required).
    ///   - serviceEndpoint: where the lookup was asked; with `proxy_through_service_url` every connection goes
    ///     there and names the logical broker in `CONNECT`.
    static func decide(
        _ response: LookupResponse,
        useTLS: Bool,
        serviceEndpoint: PulsarEndpoint,
        topic: String
    ) throws(PulsarError) -> LookupDecision {
        if response.kind == .failed {
            throw PulsarError(
                server: response.error ?? .unknown,
                message: response.message ?? "lookup failed",
                topic: topic
            )
        }
        let url = useTLS ? response.brokerServiceURLTLS : response.brokerServiceURL
        guard let url, !url.isEmpty else {
            throw PulsarError(
                .server,
                "lookup gave no \(useTLS ? "TLS " : "")broker URL (brokerServiceUrl\(useTLS ? "Tls" : ""))",
                topic: topic
            )
        }
        guard let broker = try PulsarEndpoint.parse(url).first else {
            throw PulsarError(.invalidURL, "lookup gave an empty broker URL", topic: topic)
        }
        let target: PulsarEndpoint
        let proxyToBroker: String?
        if response.proxyThroughServiceURL {
            target = serviceEndpoint
            proxyToBroker = broker.hostPort
        } else {
            target = broker
            proxyToBroker = nil
        }
        switch response.kind {
        case .connect: return .connect(target, proxyToBroker: proxyToBroker)
        case .redirect: return .redirect(target, proxyToBroker: proxyToBroker, authoritative: response.authoritative)
        case .failed: preconditionFailure("handled above")
        }
    }
}
