import BrokerTestSupport
import CompositeService
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, defect 4: the operations endpoint listens on loopback by default, answers only GET and HEAD, and
/// bounds what a client can hold (idle and half-sent requests, header size).
@Suite(.timeLimit(.minutes(1)))
struct HTTPEndpointTests {
    /// Runs an endpoint on a free loopback port for `body`, with a short request timeout.
    func withEndpoint(
        requestTimeout: TimeAmount = .milliseconds(500),
        _ body: (Int) async throws -> Void
    ) async throws {
        let port = try TestTools.freePort()
        var logger = Logger(label: "http-test")
        logger.logLevel = .critical
        let endpoint = HTTPEndpoint(
            port: port,
            metrics: ServiceMetrics(),
            logger: logger,
            requestTimeout: requestTimeout
        )
        let group = ServiceGroup(services: [endpoint], logger: logger)
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await TestTools.waitForPort(port)
        try await body(port)
        await group.triggerGracefulShutdown()
    }

    /// Sends `request` on a new connection and returns everything the server sends until it closes the connection
    /// or 5 s pass.
    static func exchange(_ request: [UInt8], port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw CancellationError() }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    @Test func onlyGetAndHeadAreAnswered() async throws {
        try await self.withEndpoint { port in
            let get = try Self.exchange(Array("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(get.hasPrefix("HTTP/1.1 200 OK") && get.hasSuffix("ok\n"))
            let head = try Self.exchange(Array("HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(
                head.hasPrefix("HTTP/1.1 200 OK") && head.lowercased().contains("content-length: 3")
                    && !head.hasSuffix("ok\n")
            )
            for method in ["POST", "PUT", "DELETE"] {
                let answer = try Self.exchange(
                    Array("\(method) /pending HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8),
                    port: port
                )
                #expect(answer.hasPrefix("HTTP/1.1 405 Method Not Allowed"), "\(method)")
                #expect(answer.lowercased().contains("allow: get, head"))
            }
        }
    }

    @Test func idleAndHalfSentRequestsAreClosed() async throws {
        try await self.withEndpoint { port in
            let clock = ContinuousClock()
            let start = clock.now
            // Nothing sent: closed without an answer once the timeout passes (well before the client's own 5 s).
            let idle = try Self.exchange([], port: port)
            #expect(idle == "")
            // Half a request: the same.
            let halfSent = try Self.exchange(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8), port: port)
            #expect(halfSent == "")
            #expect(clock.now - start < .seconds(8), "both were closed by the server, not by the client's timeout")
        }
    }

    @Test func connectionsBeyondTheCapAreClosedAtOnce() async throws {
        // A timeout far longer than the test needs, so the held connections stay open under load.
        try await self.withEndpoint(requestTimeout: .seconds(30)) { port in
            var held: [Int32] = []
            defer { for fd in held { close(fd) } }
            for _ in 0..<HTTPEndpoint.maximumConnections {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                held.append(fd)
            }
            // Once the server has taken the held connections (on several event loops, in no fixed order), one more
            // is closed without an answer; until then a probe is answered and closed, freeing its slot.
            try await TestTools.waitUntil("a connection beyond the cap closed at once") {
                try Self.exchange(Array("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), port: port) == ""
            }
            for fd in held { close(fd) }
            held = []
            try await TestTools.waitUntil("a connection is answered again") {
                try Self.exchange(Array("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), port: port)
                    .hasPrefix("HTTP/1.1 200")
            }
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        try await self.withEndpoint { port in
            let header = "X-Big: " + String(repeating: "a", count: 100_000) + "\r\n"
            let answer = try Self.exchange(Array("GET /healthz HTTP/1.1\r\n\(header)\r\n".utf8), port: port)
            #expect(!answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"))
        }
    }

    @Test func theDefaultAddressIsLoopback() throws {
        let configuration = try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a"])
        #expect(configuration.httpHost == "127.0.0.1")
        let open = try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a", "HTTP_HOST": "0.0.0.0"])
        #expect(open.httpHost == "0.0.0.0")
        #expect(throws: ServiceError.self) {
            try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a", "HTTP_HOST": "a b"])
        }
    }
}
