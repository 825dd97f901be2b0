/// Where to open a connection: host, port and whether to speak TLS, from a `pulsar://` or `pulsar+ssl://` URL.
public struct PulsarEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses a service or broker URL. A service URL may list several hosts (`pulsar://a:6650,b:6650`); each one
    /// becomes an endpoint. The port defaults to 6650, or 6651 with TLS.
    public static func parse(_ url: String) throws(PulsarError) -> [PulsarEndpoint] {
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("pulsar+ssl://") {
            tls = true
            rest = url.dropFirst("pulsar+ssl://".count)
        } else if url.hasPrefix("pulsar://") {
            tls = false
            rest = url.dropFirst("pulsar://".count)
        } else {
            throw PulsarError(.invalidURL, "\"\(url)\" must start with pulsar:// or pulsar+ssl://")
        }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var endpoints: [PulsarEndpoint] = []
        for hostPort in authority.split(separator: ",") {
            let parts = hostPort.split(separator: ":")
            guard let host = parts.first, !host.isEmpty, parts.count <= 2 else {
                throw PulsarError(.invalidURL, "\"\(url)\" has an invalid host \"\(hostPort)\"")
            }
            var port = tls ? 6651 : 6650
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), (1...65535).contains(parsed) else {
                    throw PulsarError(.invalidURL, "\"\(url)\" has an invalid port \"\(parts[1])\"")
                }
                port = parsed
            }
            endpoints.append(PulsarEndpoint(host: String(host), port: port, tls: tls))
        }
        guard !endpoints.isEmpty else { throw PulsarError(.invalidURL, "\"\(url)\" names no host") }
        return endpoints
    }

    /// `host:port`, as `CONNECT.proxy_to_broker_url` wants it.
    public var hostPort: String { "\(self.host):\(self.port)" }

    public var description: String { (self.tls ? "pulsar+ssl://" : "pulsar://") + self.hostPort }
}
