public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// The operations endpoint: `/healthz`, `/readyz`, `/metrics` (Prometheus) and `/pending` (JSON).
public struct HTTPEndpoint: Service {
    let host: String
    let port: Int
    let metrics: ServiceMetrics
    let logger: Logger

    public init(host: String = "0.0.0.0", port: Int, metrics: ServiceMetrics, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let metrics = self.metrics
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HTTPEndpointHandler(metrics: metrics))
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

/// Answers one request at a time on a connection.
final class HTTPEndpointHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: ServiceMetrics
    var path = "/"
    var keepAlive = true

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "/")
            self.keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let (status, contentType, body) = self.respond(to: self.path)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            if !self.keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(
                self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil
            )
            context.write(
                self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                promise: nil
            )
            let keepAlive = self.keepAlive
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }

    func respond(to path: String) -> (HTTPResponseStatus, String, String) {
        switch path {
        case "/healthz":
            return (.ok, "text/plain", "ok\n")
        case "/readyz":
            let readiness = self.metrics.isReady
            return (
                readiness.ready ? .ok : .serviceUnavailable, "text/plain",
                "\(readiness.ready ? "ready" : "not ready"): \(readiness.reason)\n"
            )
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", self.metrics.exposition())
        case "/pending":
            return (.ok, "application/json", PendingReport.json(self.metrics.latest.pending) + "\n")
        default:
            return (.notFound, "text/plain", "not found\n")
        }
    }
}
