import Logging
import NIOCore

/// What a consumer registered on a connection hears from it.
enum ConsumerEvent: Sendable {
    case message(Message, PulsarFrame.Payload)
    /// The broker closed the consumer, or the connection went away: subscribe again.
    case disconnected(PulsarError)
}

/// Carries out a ``ConnectionStateMachine``'s actions on one channel, and keeps the waiting requests, sends and
/// registered consumers and producers of that channel. Lives on the channel's event loop only.
final class PulsarConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = PulsarFrame
    typealias OutboundOut = PulsarFrame

    struct SendKey: Hashable {
        var producerID: UInt64
        var sequenceID: UInt64
    }

    private var machine: ConnectionStateMachine
    private let handshake: EventLoopPromise<Int>
    private let keepAliveInterval: TimeAmount
    private let logger: Logger
    private var keepAlive: RepeatedTask?
    private var context: ChannelHandlerContext?
    private var nextRequestID: UInt64 = 1
    private var requests: [UInt64: EventLoopPromise<PulsarCommand>] = [:]
    private var sends: [SendKey: EventLoopPromise<MessageIDData>] = [:]
    private var consumers: [UInt64: @Sendable (ConsumerEvent) -> Void] = [:]
    private var producers: [UInt64: @Sendable (PulsarError) -> Void] = [:]
    private var closedError: PulsarError?

    init(
        machine: ConnectionStateMachine,
        handshake: EventLoopPromise<Int>,
        keepAliveInterval: TimeAmount,
        logger: Logger
    ) {
        self.machine = machine
        self.handshake = handshake
        self.keepAliveInterval = keepAliveInterval
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard self.keepAlive == nil else { return }
        self.perform(self.machine.channelActive(), context: context)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.keepAlive = context.eventLoop.scheduleRepeatedTask(
            initialDelay: self.keepAliveInterval,
            delay: self.keepAliveInterval
        ) { _ in
            let handler = loopBound.value
            guard let context = handler.context else { return }
            handler.perform(handler.machine.keepAliveTick(), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        self.perform(self.machine.received(frame.command, payload: frame.payload), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure = error as? PulsarError ?? PulsarError(.connectionFailed, "\(error)")
        self.fail(failure, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.machine.channelInactive()
        // Recorded, so that a request or registration made after the close fails at once instead of waiting for
        // its timeout on a dead channel.
        if self.closedError == nil {
            self.closedError = PulsarError(.connectionFailed, "the broker closed the connection")
        }
        self.failEverything(self.closedError!)
        context.fireChannelInactive()
    }

    private func perform(_ action: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .write(let command):
            context.writeAndFlush(Self.wrapOutboundOut(PulsarFrame(command)), promise: nil)
        case .handshakeSucceeded(let size):
            self.handshake.succeed(size)
        case .handshakeFailed(let error):
            self.fail(error, context: context)
        case .completeRequest(let id, let command):
            self.requests.removeValue(forKey: id)?.succeed(command)
        case .sendReceipt(let receipt):
            let key = SendKey(producerID: receipt.producerID, sequenceID: receipt.sequenceID)
            let id = receipt.messageID ?? MessageIDData(ledgerID: 0, entryID: 0)
            self.sends.removeValue(forKey: key)?.succeed(id)
        case .sendError(let error):
            let key = SendKey(producerID: error.producerID, sequenceID: error.sequenceID)
            self.sends.removeValue(forKey: key)?.fail(
                PulsarError(server: error.error, message: error.message, topic: nil)
            )
        case .deliver(let consumerID, let message, let payload):
            self.consumers[consumerID]?(.message(message, payload))
        case .producerClosedByBroker(let id):
            self.logger.info("broker closed producer", metadata: ["producer": "\(id)"])
            self.producers.removeValue(forKey: id)?(PulsarError(.connectionFailed, "the broker closed the producer"))
            self.failSends { $0.producerID == id }
        case .consumerClosedByBroker(let id):
            self.logger.info("broker closed consumer", metadata: ["consumer": "\(id)"])
            self.consumers.removeValue(forKey: id)?(
                .disconnected(PulsarError(.connectionFailed, "the broker closed the consumer"))
            )
        case .closeConnection(let error):
            self.fail(error, context: context)
        }
    }

    private func fail(_ error: PulsarError, context: ChannelHandlerContext) {
        if self.closedError == nil { self.closedError = error }
        self.logger.debug("closing connection", metadata: ["reason": "\(error)"])
        self.failEverything(error)
        context.close(promise: nil)
    }

    private func failEverything(_ error: PulsarError) {
        self.keepAlive?.cancel()
        self.handshake.fail(error)
        let requests = self.requests
        self.requests = [:]
        for promise in requests.values { promise.fail(error) }
        self.failSends { _ in true }
        let consumers = self.consumers
        self.consumers = [:]
        for sink in consumers.values { sink(.disconnected(error)) }
        let producers = self.producers
        self.producers = [:]
        for onClosed in producers.values { onClosed(error) }
    }

    private func failSends(where matches: (SendKey) -> Bool) {
        let error = self.closedError ?? PulsarError(.connectionFailed, "the producer was closed before its receipt")
        for key in self.sends.keys where matches(key) { self.sends.removeValue(forKey: key)?.fail(error) }
    }

    // MARK: Operations, called on the event loop by PulsarConnection.

    func request(
        _ make: (UInt64) -> PulsarCommand,
        timeout: TimeAmount,
        promise: EventLoopPromise<PulsarCommand>
    ) {
        guard let context = self.context, self.closedError == nil else {
            promise.fail(self.closedError ?? PulsarError(.connectionFailed, "connection is closed"))
            return
        }
        let id = self.nextRequestID
        self.nextRequestID += 1
        self.requests[id] = promise
        let command = make(id)
        context.writeAndFlush(Self.wrapOutboundOut(PulsarFrame(command)), promise: nil)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let name = command.name
        context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.requests.removeValue(forKey: id)?.fail(
                PulsarError(.timeout, "no answer to \(name) within \(timeout.nanoseconds / 1_000_000) ms")
            )
        }
    }

    func send(_ frame: PulsarFrame, key: SendKey, promise: EventLoopPromise<MessageIDData>) {
        guard let context = self.context, self.closedError == nil else {
            promise.fail(self.closedError ?? PulsarError(.connectionFailed, "connection is closed"))
            return
        }
        self.sends[key] = promise
        context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
    }

    func write(_ command: PulsarCommand) {
        guard let context = self.context, self.closedError == nil else { return }
        context.writeAndFlush(Self.wrapOutboundOut(PulsarFrame(command)), promise: nil)
    }

    func register(consumerID: UInt64, sink: @escaping @Sendable (ConsumerEvent) -> Void) -> Bool {
        guard self.closedError == nil else { return false }
        self.consumers[consumerID] = sink
        return true
    }

    func unregister(consumerID: UInt64) {
        self.consumers.removeValue(forKey: consumerID)
    }

    func register(producerID: UInt64, onClosed: @escaping @Sendable (PulsarError) -> Void) -> Bool {
        guard self.closedError == nil else { return false }
        self.producers[producerID] = onClosed
        return true
    }

    func unregister(producerID: UInt64) {
        self.producers.removeValue(forKey: producerID)
    }
}
