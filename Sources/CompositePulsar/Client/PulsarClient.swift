import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Connections, topic lookup and partition metadata for one Pulsar cluster.
///
/// An actor: it owns the connection pool, which producers and consumers share (one connection per broker, as
/// Pulsar clients do), and opens each connection once even when several callers need it at the same time.
public actor PulsarClient {
    struct PoolKey: Hashable {
        var endpoint: PulsarEndpoint
        /// The logical broker when connecting through a proxy (`CONNECT.proxy_to_broker_url`).
        var proxyToBroker: String?
    }

    public let configuration: PulsarClientConfiguration
    let serviceEndpoints: [PulsarEndpoint]
    let logger: Logger
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?
    private var pool: [PoolKey: Task<PulsarConnection, any Error>] = [:]
    private var partitionCounts: [String: Int] = [:]
    private var closed = false

    public init(
        configuration: PulsarClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) throws(PulsarError) {
        self.configuration = configuration
        self.serviceEndpoints = try PulsarEndpoint.parse(configuration.serviceURL)
        self.group = group
        self.logger = logger
        if self.serviceEndpoints.contains(where: \.tls) || configuration.tlsTrustCertificatesFile != nil {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let file = configuration.tlsTrustCertificatesFile {
                tls.trustRoots = .file(file)
            }
            if configuration.tlsAllowInsecureConnection {
                tls.certificateVerification = .none
            }
            do {
                self.tlsContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw PulsarError(.invalidURL, "TLS configuration is invalid: \(error)")
            }
        } else {
            self.tlsContext = nil
        }
    }

    /// A new producer or consumer id, unique within this client (and so within each of its connections).
    func nextID() -> UInt64 {
        Self.handleIDs.add(1, ordering: .relaxed).newValue
    }

    /// Producer and consumer ids only need to be unique per connection in Pulsar, but pulsar-lite scopes them to the
    /// broker and keeps those of a killed client's dead connection, refusing a new client's same ids; and it breaks
    /// ties between same-named Failover consumers by id, making a lower id active at once without rewinding. So ids
    /// are unique in the process and start from the wall clock (milliseconds, shifted left 20 bits): a later process
    /// has higher ids than an earlier one unless the earlier one used a million ids per millisecond it ran ahead.
    private static let handleIDs = Atomic<UInt64>(
        UInt64(max(0, Date().timeIntervalSince1970 * 1_000).rounded(.down)) << 20
    )

    /// A connection to the service URL: the first of its hosts that answers.
    func serviceConnection() async throws(PulsarError) -> PulsarConnection {
        var lastError = PulsarError(.connectionFailed, "no service endpoint")
        for endpoint in self.serviceEndpoints {
            do {
                return try await self.connection(PoolKey(endpoint: endpoint, proxyToBroker: nil))
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The pooled connection for `key`, opened if there is none or the previous one closed.
    func connection(_ key: PoolKey) async throws(PulsarError) -> PulsarConnection {
        guard !self.closed else { throw PulsarError(.closed, "the Pulsar client is closed") }
        if let task = self.pool[key], let connection = try? await task.value, connection.isActive {
            return connection
        }
        let configuration = self.configuration
        let tlsContext = self.tlsContext
        let group = self.group
        let logger = self.logger
        let task = Task<PulsarConnection, any Error> {
            try await PulsarConnection.connect(
                to: key.endpoint,
                proxyToBrokerURL: key.proxyToBroker,
                configuration: configuration,
                tlsContext: tlsContext,
                group: group,
                logger: logger
            )
        }
        self.pool[key] = task
        do {
            return try await task.value
        } catch {
            if self.pool[key] == task { self.pool[key] = nil }
            throw PulsarConnection.pulsarError(error, topic: nil)
        }
    }

    /// How many partitions `topic` has; 0 for a non-partitioned topic.
    public func partitions(of topic: String) async throws(PulsarError) -> Int {
        if let count = self.partitionCounts[topic] { return count }
        let connection = try await self.serviceConnection()
        let answer = try await connection.request(topic: topic) { id in
            .partitionedMetadata(PartitionedMetadata(topic: topic, requestID: id))
        }
        guard case .partitionedMetadataResponse(let response) = answer else {
            throw PulsarError(.malformed, "PARTITIONED_METADATA answered with \(answer.name)", topic: topic)
        }
        if response.failed {
            throw PulsarError(server: response.error ?? .unknown, message: response.message ?? "", topic: topic)
        }
        self.partitionCounts[topic] = Int(response.partitions)
        return Int(response.partitions)
    }

    /// The connection to the broker that serves `topic`, following redirects and proxy instructions.
    func brokerConnection(for topic: String) async throws(PulsarError) -> PulsarConnection {
        var connection = try await self.serviceConnection()
        guard self.configuration.lookup else { return connection }
        var authoritative = false
        for _ in 0...self.configuration.maxLookupRedirects {
            let asked = authoritative
            let answer = try await connection.request(topic: topic) { id in
                .lookup(Lookup(topic: topic, requestID: id, authoritative: asked))
            }
            guard case .lookupResponse(let response) = answer else {
                throw PulsarError(.malformed, "LOOKUP answered with \(answer.name)", topic: topic)
            }
            let next = try LookupDecision.decide(
                response,
                useTLS: self.serviceEndpoints[0].tls,
                serviceEndpoint: connection.endpoint,
                topic: topic
            )
            switch next {
            case .connect(let endpoint, let proxyToBroker):
                return try await self.connection(PoolKey(endpoint: endpoint, proxyToBroker: proxyToBroker))
            case .redirect(let endpoint, let proxyToBroker, let isAuthoritative):
                authoritative = isAuthoritative
                connection = try await self.connection(PoolKey(endpoint: endpoint, proxyToBroker: proxyToBroker))
            }
        }
        throw PulsarError(.server, "more than \(self.configuration.maxLookupRedirects) lookup redirects", topic: topic)
    }

    /// Closes every connection.
    public func close() async {
        self.closed = true
        let tasks = self.pool.values
        self.pool = [:]
        for task in tasks {
            if let connection = try? await task.value { await connection.close() }
        }
    }
}
