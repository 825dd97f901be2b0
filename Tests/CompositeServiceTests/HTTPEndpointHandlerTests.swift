import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import CompositeService

/// The operations endpoint's HTTP handler on an `EmbeddedChannel`: request bytes in, response bytes out, time
/// advanced by hand.
@Suite struct HTTPEndpointHandlerTests {
    struct Endpoint {
        let channel: EmbeddedChannel
        let readiness: Readiness

        /// Sends `request` (raw HTTP/1.1) and returns everything written back.
        func exchange(_ request: String) throws -> String {
            try self.channel.writeInbound(self.channel.allocator.buffer(string: request))
            var response = ""
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
                response += String(buffer: buffer)
            }
            return response
        }
    }

    func endpoint(requestTimeout: TimeAmount = .seconds(5)) throws -> Endpoint {
        let channel = EmbeddedChannel()
        let readiness = Readiness()
        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
        try channel.pipeline.syncOperations.addHandler(
            HTTPEndpointHandler(metrics: ServiceMetrics(), readiness: readiness, requestTimeout: requestTimeout)
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return Endpoint(channel: channel, readiness: readiness)
    }

    @Test func readinessAnswers503UntilReadyThen200WithItsReason() throws {
        let endpoint = try self.endpoint()
        let before = try endpoint.exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(before.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(before.hasSuffix("\r\n\r\nnot ready: starting\n"))
        endpoint.readiness.set(true, reason: "consuming 2 topics")
        let after = try endpoint.exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(after.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(after.hasSuffix("\r\n\r\nready: consuming 2 topics\n"))
        #expect(endpoint.channel.isActive, "keep-alive: the connection stays open")
    }

    @Test func headAnswersTheHeadersWithoutTheBodyAndAQueryStringIsIgnored() throws {
        let endpoint = try self.endpoint()
        let head = try endpoint.exchange("HEAD /healthz?probe=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: 3\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"), "no body")
    }

    @Test func otherMethodsGet405AndUnknownPaths404() throws {
        let endpoint = try self.endpoint()
        let post = try endpoint.exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(post.contains("Allow: GET, HEAD\r\n"))
        let missing = try endpoint.exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(missing.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
    }

    @Test func connectionCloseIsHonoured() throws {
        let endpoint = try self.endpoint()
        let response = try endpoint.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(response.contains("Connection: close\r\n"))
        #expect(!endpoint.channel.isActive)
    }

    /// A request sent a byte at a time (each byte resetting an idle timer) must not hold the connection for ever:
    /// it has the timeout from the connection opening, or from the previous answer, to be whole.
    @Test func aRequestNotWholeWithinTheTimeoutClosesTheConnection() throws {
        let endpoint = try self.endpoint(requestTimeout: .seconds(2))
        for byte in "GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8.prefix(8) {
            try endpoint.channel.writeInbound(endpoint.channel.allocator.buffer(bytes: [byte]))
            endpoint.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        }
        #expect(endpoint.channel.isActive)
        endpoint.channel.embeddedEventLoop.advanceTime(by: .milliseconds(400))
        #expect(!endpoint.channel.isActive, "2 s after the connection opened")
    }

    @Test func aKeptAliveConnectionGetsTheTimeoutAgainForItsNextRequest() throws {
        let endpoint = try self.endpoint(requestTimeout: .seconds(2))
        endpoint.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_500))
        #expect(try endpoint.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
        endpoint.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_500))
        #expect(endpoint.channel.isActive, "the answer started a new period")
        endpoint.channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        #expect(!endpoint.channel.isActive)
    }
}
