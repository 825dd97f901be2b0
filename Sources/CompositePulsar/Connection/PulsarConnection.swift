import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One open, handshaken connection to a broker (or to a proxy standing in for one).
final class PulsarConnection: Sendable {
    let channel: any Channel
    let maxMessageSize: Int
    let endpoint: PulsarEndpoint
    private let handler: NIOLoopBound<PulsarConnectionHandler>
    private let operationTimeout: TimeAmount

    private init(
        channel: any Channel,
        handler: NIOLoopBound<PulsarConnectionHandler>,
        maxMessageSize: Int,
        endpoint: PulsarEndpoint,
        operationTimeout: TimeAmount
    ) {
        self.channel = channel
        self.handler = handler
        self.maxMessageSize = maxMessageSize
        self.endpoint = endpoint
        self.operationTimeout = operationTimeout
    }

    var isActive: Bool { self.channel.isActive }

    /// Opens a TCP (and TLS) connection to `endpoint` and completes the CONNECT handshake.
    static func connect(
        to endpoint: PulsarEndpoint,
        proxyToBrokerURL: String?,
        configuration: PulsarClientConfiguration,
        tlsContext: NIOSSLContext?,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws(PulsarError) -> PulsarConnection {
        let eventLoop = group.next()
        let handshake = eventLoop.makePromise(of: Int.self)
        let keepAlive = TimeAmount.nanoseconds(configuration.keepAliveInterval.nanoseconds)
        let timeout = TimeAmount.nanoseconds(configuration.operationTimeout.nanoseconds)
        let credentials = configuration.credentials
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if endpoint.tls, let tlsContext {
                        let hostname = endpoint.host.isIPAddress ? nil : endpoint.host
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: hostname)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(PulsarFrameDecoder()),
                        MessageToByteHandler(PulsarFrameEncoder())
                    )
                    let handler = PulsarConnectionHandler(
                        machine: ConnectionStateMachine(proxyToBrokerURL: proxyToBrokerURL, credentials: credentials),
                        handshake: handshake,
                        keepAliveInterval: keepAlive,
                        logger: logger
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            handshake.fail(PulsarError(.connectionFailed, "cannot connect to \(endpoint): \(error)"))
            throw PulsarError(.connectionFailed, "cannot connect to \(endpoint): \(error)")
        }
        // A listener that accepts and never answers (a broker starting or stopping, a wrong port) must not hold the
        // caller, and with it every other caller waiting for this pooled connection, forever.
        let handshakeTimer = channel.eventLoop.scheduleTask(in: timeout) {
            handshake.fail(
                PulsarError(
                    .timeout,
                    "no answer to CONNECT from \(endpoint) within \(timeout.nanoseconds / 1_000_000) ms"
                )
            )
        }
        let maxMessageSize: Int
        do {
            defer { handshakeTimer.cancel() }
            maxMessageSize = try await handshake.futureResult.get()
        } catch {
            channel.close(promise: nil)
            let failure = error as? PulsarError ?? PulsarError(.connectionFailed, "\(error)")
            throw failure.code == .connectionFailed
                ? PulsarError(.connectionFailed, "handshake with \(endpoint) failed: \(failure.reason)") : failure
        }
        let handler = try? await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.handler(type: PulsarConnectionHandler.self),
                eventLoop: channel.eventLoop
            )
        }.get()
        guard let handler else { throw PulsarError(.connectionFailed, "connection to \(endpoint) closed during setup") }
        logger.debug("connected", metadata: ["endpoint": "\(endpoint)", "maxMessageSize": "\(maxMessageSize)"])
        return PulsarConnection(
            channel: channel,
            handler: handler,
            maxMessageSize: maxMessageSize,
            endpoint: endpoint,
            operationTimeout: timeout
        )
    }

    /// Sends a request and returns its answer; a broker `ERROR` answer is thrown. Without an answer within `timeout`
    /// (the operation timeout by default) it throws ``PulsarError/Code/timeout``.
    func request(
        topic: String?,
        timeout: Duration? = nil,
        _ make: @escaping @Sendable (UInt64) -> PulsarCommand
    ) async throws(PulsarError) -> PulsarCommand {
        let promise = self.channel.eventLoop.makePromise(of: PulsarCommand.self)
        let handler = self.handler
        let timeout = timeout.map { TimeAmount.nanoseconds($0.nanoseconds) } ?? self.operationTimeout
        self.channel.eventLoop.execute { handler.value.request(make, timeout: timeout, promise: promise) }
        let answer: PulsarCommand
        do {
            answer = try await promise.futureResult.get()
        } catch {
            throw Self.pulsarError(error, topic: topic)
        }
        if case .error(let error) = answer {
            throw PulsarError(server: error.error, message: error.message, topic: topic)
        }
        return answer
    }

    /// Sends a message and returns its id from the broker's receipt.
    func send(_ frame: PulsarFrame, producerID: UInt64, sequenceID: UInt64) -> EventLoopFuture<MessageIDData> {
        let promise = self.channel.eventLoop.makePromise(of: MessageIDData.self)
        let handler = self.handler
        let key = PulsarConnectionHandler.SendKey(producerID: producerID, sequenceID: sequenceID)
        self.channel.eventLoop.execute { handler.value.send(frame, key: key, promise: promise) }
        return promise.futureResult
    }

    /// Writes a command that has no answer (FLOW, ACK).
    func write(_ command: PulsarCommand) {
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.write(command) }
    }

    /// Routes this connection's MESSAGE frames for `consumerID` to `sink`; `false` if the connection is gone.
    func register(consumerID: UInt64, sink: @escaping @Sendable (ConsumerEvent) -> Void) async -> Bool {
        let handler = self.handler
        return
            (try? await self.channel.eventLoop.submit { handler.value.register(consumerID: consumerID, sink: sink) }
            .get())
            ?? false
    }

    func unregister(consumerID: UInt64) {
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.unregister(consumerID: consumerID) }
    }

    func register(producerID: UInt64, onClosed: @escaping @Sendable (PulsarError) -> Void) async -> Bool {
        let handler = self.handler
        return
            (try? await self.channel.eventLoop.submit {
                handler.value.register(producerID: producerID, onClosed: onClosed)
            }.get())
            ?? false
    }

    func unregister(producerID: UInt64) {
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.unregister(producerID: producerID) }
    }

    func close() async {
        try? await self.channel.close()
    }

    static func pulsarError(_ error: any Error, topic: String?) -> PulsarError {
        if var failure = error as? PulsarError {
            if failure.topic == nil { failure.topic = topic }
            return failure
        }
        return PulsarError(.connectionFailed, "\(error)", topic: topic)
    }
}

extension String {
    /// Whether this is an IPv4 or IPv6 literal (TLS sends no server name for those).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
