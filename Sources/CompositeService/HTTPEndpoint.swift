public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The operations endpoint: `/healthz`, `/readyz`, `/metrics` (Prometheus) and `/pending` (JSON).
///
/// It answers only GET and HEAD, and bounds what a client can hold: connections (``maximumConnections``), time
/// without a byte from the client and time to send a whole request (``requestTimeout``), and header size (NIO's
/// HTTP decoder refuses headers over 80 KiB with 400). `/pending` lists patient ids, so it listens on loopback
/// unless `HTTP_HOST` says otherwise (docs/operations.md).
public struct HTTPEndpoint: Service {
    /// Connections open at once; one more is closed as soon as it is accepted.
    public static let maximumConnections = 64
    /// How long a connection may go without sending a byte, and how long one request may take to arrive.
    public static let requestTimeout = TimeAmount.seconds(10)

    let host: String
    let port: Int
    let metrics: ServiceMetrics
    let readiness: Readiness
    let logger: Logger
    let requestTimeout: TimeAmount
    let maximumConnections: Int

    public init(
        host: String = "127.0.0.1",
        port: Int,
        metrics: ServiceMetrics,
        readiness: Readiness = Readiness(),
        logger: Logger,
        requestTimeout: TimeAmount = Self.requestTimeout,
        maximumConnections: Int = Self.maximumConnections
    ) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.maximumConnections = maximumConnections
    }

    public func run() async throws {
        let metrics = self.metrics
        let readiness = self.readiness
        let timeout = self.requestTimeout
        let limit = self.maximumConnections
        let open = ConnectionCount()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.enter(limit: limit) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.leave() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: timeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPEndpointHandler(metrics: metrics, readiness: readiness, requestTimeout: timeout)
                    )
                }
            }
            .bind(host: self.host, port: self.port).get()
        self.logger.info(
            "http endpoint listening",
            metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"]
        )
        try? await gracefulShutdown()
        try await channel.close()
    }
}

/// How many connections are open; shared by every event loop.
final class ConnectionCount: Sendable {
    private let count = Mutex(0)

    func enter(limit: Int) -> Bool {
        self.count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        self.count.withLock { $0 -= 1 }
    }
}
