import NIOCore
import NIOHTTP1

/// Answers one request at a time on a connection: GET and HEAD of the four paths, 405 for any other method. A
/// connection idle for the request timeout, or whose request is not whole within it of the connection opening or
/// the previous answer, is closed.
final class HTTPEndpointHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: ServiceMetrics
    let readiness: Readiness
    let requestTimeout: TimeAmount
    var method = HTTPMethod.GET
    var path = "/"
    var keepAlive = true
    var deadline: Scheduled<Void>?

    init(metrics: ServiceMetrics, readiness: Readiness, requestTimeout: TimeAmount) {
        self.metrics = metrics
        self.readiness = readiness
        self.requestTimeout = requestTimeout
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.startDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.startDeadline(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadline?.cancel()
        context.fireChannelInactive()
    }

    /// A request must be whole within the timeout from the moment the connection could send it (opened, or the
    /// previous answer written): one sent a byte at a time, each byte resetting the idle timer, would otherwise
    /// hold the connection for ever.
    private func startDeadline(context: ChannelHandlerContext) {
        guard self.deadline == nil else { return }
        let channel = context.channel
        self.deadline = context.eventLoop.scheduleTask(in: self.requestTimeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.method = head.method
            self.path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "/")
            self.keepAlive = head.isKeepAlive
            self.startDeadline(context: context)
        case .body:
            break
        case .end:
            self.deadline?.cancel()
            self.deadline = nil
            self.answer(context: context)
            if self.keepAlive { self.startDeadline(context: context) }
        }
    }

    private func answer(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let body: String
        if self.method == .GET || self.method == .HEAD {
            let contentType: String
            (status, contentType, body) = self.respond(to: self.path)
            headers.add(name: "Content-Type", value: contentType)
        } else {
            (status, body) = (.methodNotAllowed, "method not allowed\n")
            headers.add(name: "Content-Type", value: "text/plain")
            headers.add(name: "Allow", value: "GET, HEAD")
        }
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !self.keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        if self.method != .HEAD {
            context.write(
                self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                promise: nil
            )
        }
        let keepAlive = self.keepAlive
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    func respond(to path: String) -> (HTTPResponseStatus, String, String) {
        switch path {
        case "/healthz":
            return (.ok, "text/plain", "ok\n")
        case "/readyz":
            let readiness = self.readiness.current
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
