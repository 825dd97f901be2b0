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

extension ProcessTests {
    /// Issue 13, defect 4: the operations endpoint listens on loopback by default, answers only GET and HEAD, and
    /// bounds what a client can hold (connections, idle and half-sent requests, header size). Among the process
    /// tests, one at a time; the blocking socket calls run on dispatch threads, never on the cooperative pool.
    @Suite(.timeLimit(.minutes(3)))
    struct HTTPEndpointTests {
        static let get = Array("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8)

        /// Runs an endpoint on a free loopback port for `body`.
        func withEndpoint(
            requestTimeout: TimeAmount = .milliseconds(500),
            maximumConnections: Int = HTTPEndpoint.maximumConnections,
            _ body: (Int) async throws -> Void
        ) async throws {
            let port = try TestTools.freePort()
            var logger = Logger(label: "http-test")
            logger.logLevel = .critical
            let endpoint = HTTPEndpoint(
                port: port,
                metrics: ServiceMetrics(),
                logger: logger,
                requestTimeout: requestTimeout,
                maximumConnections: maximumConnections
            )
            let group = ServiceGroup(services: [endpoint], logger: logger)
            let running = Task { try await group.run() }
            defer { running.cancel() }
            try await TestTools.waitForPort(port)
            try await body(port)
            await group.triggerGracefulShutdown()
        }

        /// A blocking TCP connection to the endpoint, with a 20 s receive timeout.
        static func connected(_ port: Int) throws -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard result == 0 else {
                close(fd)
                throw CancellationError()
            }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }

        /// Sends `request` on `fd` and reads until the server closes, `until` holds for what arrived, or 20 s pass.
        /// Returns what arrived and whether the server closed the connection.
        static func converse(
            _ fd: Int32,
            _ request: [UInt8],
            until done: (String) -> Bool = { _ in false }
        ) -> (text: String, closedByServer: Bool) {
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                // Closed or reset by the server (a connection closed with the request unread is reset), not timed out.
                guard count > 0 else {
                    return (String(decoding: received, as: UTF8.self), count == 0 || errno == ECONNRESET)
                }
                received += buffer[..<count]
                if done(String(decoding: received, as: UTF8.self)) {
                    return (String(decoding: received, as: UTF8.self), false)
                }
            }
        }

        /// `request` on a new connection, off the cooperative pool.
        static func reply(_ request: [UInt8], port: Int) async throws -> (text: String, closedByServer: Bool) {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        with: Result {
                            let fd = try Self.connected(port)
                            defer { close(fd) }
                            return Self.converse(fd, request)
                        }
                    )
                }
            }
        }

        static func exchange(_ request: [UInt8], port: Int) async throws -> String {
            try await Self.reply(request, port: port).text
        }

        @Test func onlyGetAndHeadAreAnswered() async throws {
            try await self.withEndpoint { port in
                let get = try await Self.exchange(Self.get, port: port)
                #expect(get.hasPrefix("HTTP/1.1 200 OK") && get.hasSuffix("ok\n"))
                let head = try await Self.exchange(
                    Array("HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".utf8),
                    port: port
                )
                #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.lowercased().contains("content-length: 3"))
                #expect(!head.hasSuffix("ok\n"))
                for method in ["POST", "PUT", "DELETE"] {
                    let answer = try await Self.exchange(
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
                // Nothing sent, or half a request: the server closes the connection without an answer.
                let idle = try await Self.reply([], port: port)
                #expect(idle.text == "" && idle.closedByServer)
                let halfSent = try await Self.reply(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8), port: port)
                #expect(halfSent.text == "" && halfSent.closedByServer)
            }
        }

        @Test func connectionsBeyondTheCapAreClosedAtOnce() async throws {
            try await self.withEndpoint(requestTimeout: .seconds(60), maximumConnections: 3) { port in
                // Three connections, each answered once and kept open (HTTP/1.1 keep-alive): all three are counted.
                let held: [Int32] = try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue.global().async {
                        continuation.resume(
                            with: Result {
                                try (0..<3).map { _ in
                                    let fd = try Self.connected(port)
                                    let answer = Self.converse(fd, Array("GET /healthz HTTP/1.1\r\n\r\n".utf8)) {
                                        $0.hasSuffix("ok\n")
                                    }
                                    #expect(answer.text.hasPrefix("HTTP/1.1 200 OK") && !answer.closedByServer)
                                    return fd
                                }
                            }
                        )
                    }
                }
                // One more is closed without an answer.
                let refused = try await Self.reply(Self.get, port: port)
                #expect(refused.text == "" && refused.closedByServer)
                for fd in held { close(fd) }
                try await TestTools.waitUntil("a connection is answered again") {
                    try await Self.exchange(Self.get, port: port).hasPrefix("HTTP/1.1 200")
                }
            }
        }

        @Test func oversizedHeadersAreRefused() async throws {
            try await self.withEndpoint { port in
                let header = "X-Big: " + String(repeating: "a", count: 100_000) + "\r\n"
                let answer = try await Self.exchange(Array("GET /healthz HTTP/1.1\r\n\(header)\r\n".utf8), port: port)
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
}
