import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import CompositePulsar

/// The connection's NIO pipeline (frame decoder, frame encoder, connection handler) on an `EmbeddedChannel`: bytes
/// in, bytes out, time advanced by hand.
@Suite struct PulsarChannelTests {
    /// A channel with the client's pipeline, its handler and the handshake's future.
    struct Pipeline {
        let channel: EmbeddedChannel
        let handler: PulsarConnectionHandler
        let handshake: EventLoopFuture<Int>

        var loop: EmbeddedEventLoop { self.channel.embeddedEventLoop }

        /// Feeds the frame's bytes, as the broker would send them.
        func receive(_ frame: PulsarFrame) throws {
            var buffer = self.channel.allocator.buffer(capacity: 64)
            frame.write(to: &buffer)
            try self.channel.writeInbound(buffer)
        }

        /// Feeds raw bytes.
        func receive(bytes: ByteBuffer) throws {
            try self.channel.writeInbound(bytes)
        }

        /// The commands the client wrote, in order.
        func written() throws -> [PulsarCommand] {
            var commands: [PulsarCommand] = []
            while var buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
                while let frame = try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20) {
                    commands.append(frame.command)
                }
            }
            return commands
        }

        /// Completes the handshake with a CONNECTED (optionally announcing a maximum message size).
        func connect(maxMessageSize: Int32? = nil) throws {
            _ = try self.written()
            try self.receive(
                PulsarFrame(
                    .connected(Connected(serverVersion: "test", protocolVersion: 19, maxMessageSize: maxMessageSize))
                )
            )
        }
    }

    func pipeline(token: String? = "secret") throws -> Pipeline {
        let channel = EmbeddedChannel()
        let handshake = channel.eventLoop.makePromise(of: Int.self)
        var logger = Logger(label: "pulsar-channel-test")
        logger.logLevel = .critical
        let handler = PulsarConnectionHandler(
            machine: ConnectionStateMachine(proxyToBrokerURL: nil) {
                token.map { ConnectionStateMachine.Credentials(method: "token", data: Array($0.utf8)) }
            },
            handshake: handshake,
            keepAliveInterval: .seconds(30),
            logger: logger
        )
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(PulsarFrameDecoder()),
            MessageToByteHandler(PulsarFrameEncoder()),
            handler
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6650)).wait()
        return Pipeline(channel: channel, handler: handler, handshake: handshake.futureResult)
    }

    @Test func activationWritesConnectWithTheTokenAndConnectedCompletesTheHandshake() throws {
        let pipeline = try self.pipeline()
        guard case .connect(let connect)? = try pipeline.written().first else {
            Issue.record("expected CONNECT")
            return
        }
        #expect(connect.authMethodName == "token")
        #expect(connect.authData == Array("secret".utf8))
        try pipeline.receive(
            PulsarFrame(.connected(Connected(serverVersion: "t", protocolVersion: 19, maxMessageSize: 2048)))
        )
        #expect(try pipeline.handshake.wait() == 2048)
    }

    @Test func aFrameSplitAcrossReadsIsDecodedOnceComplete() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect()
        var whole = pipeline.channel.allocator.buffer(capacity: 64)
        PulsarFrame(.ping).write(to: &whole)
        let first = whole.readSlice(length: 5)!
        try pipeline.receive(bytes: first)
        #expect(try pipeline.written().isEmpty, "half a PING is not a PING")
        try pipeline.receive(bytes: whole)
        #expect(try pipeline.written() == [.pong])
    }

    @Test func theFrameLimitFollowsTheBrokersMaximumMessageSize() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect(maxMessageSize: 16)
        let pending = pipeline.loop.makePromise(of: PulsarCommand.self)
        pipeline.handler.request({ .flow(Flow(consumerID: $0, permits: 1)) }, timeout: .seconds(5), promise: pending)
        // 40 kB where the broker announced 16 bytes: the decoder refuses the frame, the handler closes the
        // connection and fails what waits on it.
        let oversized = ServerErrorResponse(
            requestID: 1,
            error: .unknown,
            message: String(repeating: "x", count: 40_000)
        )
        _ = try? pipeline.receive(PulsarFrame(.error(oversized)))
        #expect { try pending.futureResult.wait() } throws: { ($0 as? PulsarError)?.code == .malformed }
        #expect(!pipeline.channel.isActive)
    }

    @Test func aRequestIsAnsweredByItsResponseOrTimesOut() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect()
        let answered = pipeline.loop.makePromise(of: PulsarCommand.self)
        pipeline.handler.request({ .flow(Flow(consumerID: $0, permits: 1)) }, timeout: .seconds(5), promise: answered)
        #expect(try pipeline.written() == [.flow(Flow(consumerID: 1, permits: 1))])
        try pipeline.receive(PulsarFrame(.success(Success(requestID: 1))))
        #expect(try answered.futureResult.wait() == .success(Success(requestID: 1)))

        let unanswered = pipeline.loop.makePromise(of: PulsarCommand.self)
        pipeline.handler.request({ .flow(Flow(consumerID: $0, permits: 1)) }, timeout: .seconds(5), promise: unanswered)
        pipeline.loop.advanceTime(by: .seconds(5))
        #expect { try unanswered.futureResult.wait() } throws: { ($0 as? PulsarError)?.code == .timeout }
    }

    @Test func aMessageReachesItsConsumerWithItsPayload() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect()
        let heard = Mutex<[ConsumerEvent]>([])
        #expect(pipeline.handler.register(consumerID: 4) { event in heard.withLock { $0.append(event) } })
        let message = Message(consumerID: 4, messageID: MessageIDData(ledgerID: 1, entryID: 2))
        let metadata = MessageMetadata(producerName: "p", sequenceID: 1, publishTime: 1_700_000_000_000)
        try pipeline.receive(
            PulsarFrame(.message(message), payload: PulsarFrame.Payload(metadata: metadata, body: Array("hi".utf8)))
        )
        let events = heard.withLock { $0 }
        guard events.count == 1, case .message(let received, let payload) = events[0] else {
            Issue.record("expected one message, got \(events)")
            return
        }
        #expect(received == message)
        #expect(payload.body == Array("hi".utf8))
        #expect(payload.metadata.publishTime == 1_700_000_000_000)
    }

    @Test func keepAlivePingsAndASilentBrokerIsDisconnected() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect()
        let heard = Mutex<[ConsumerEvent]>([])
        _ = pipeline.handler.register(consumerID: 4) { event in heard.withLock { $0.append(event) } }
        pipeline.loop.advanceTime(by: .seconds(30))
        #expect(try pipeline.written() == [.ping])
        pipeline.loop.advanceTime(by: .seconds(60))
        #expect(!pipeline.channel.isActive, "two more silent intervals close the connection")
        let events = heard.withLock { $0 }
        guard case .disconnected(let error)? = events.last else {
            Issue.record("the consumer was not told: \(events)")
            return
        }
        #expect(error.code == .timeout)
    }

    @Test func aClosedConnectionFailsItsRequestsAndRefusesNewRegistrations() throws {
        let pipeline = try self.pipeline()
        try pipeline.connect()
        let pending = pipeline.loop.makePromise(of: PulsarCommand.self)
        pipeline.handler.request({ .flow(Flow(consumerID: $0, permits: 1)) }, timeout: .seconds(5), promise: pending)
        try pipeline.channel.close().wait()
        #expect { try pending.futureResult.wait() } throws: { ($0 as? PulsarError)?.code == .connectionFailed }
        #expect(!pipeline.handler.register(consumerID: 5) { _ in })
    }
}
