/// The life of one Pulsar connection as a value: the handshake, authentication challenges, keep-alive, and which
/// waiting request, producer or consumer each incoming command belongs to. It performs no I/O; the channel handler
/// carries out the actions it returns.
struct ConnectionStateMachine {
    enum State: Equatable {
        case initial
        case awaitingConnected
        case connected(maxMessageSize: Int)
        case closed
    }

    enum Action: Equatable {
        case none
        case write(PulsarCommand)
        case handshakeSucceeded(maxMessageSize: Int)
        case handshakeFailed(PulsarError)
        case completeRequest(id: UInt64, PulsarCommand)
        case sendReceipt(SendReceipt)
        case sendError(SendError)
        /// A MESSAGE for consumer `consumerID`, with its payload.
        case deliver(consumerID: UInt64, Message, PulsarFrame.Payload)
        case producerClosedByBroker(producerID: UInt64)
        case consumerClosedByBroker(consumerID: UInt64)
        /// The peer has been silent past the keep-alive limit, or broke the protocol: close the channel.
        case closeConnection(PulsarError)
    }

    struct Credentials: Equatable {
        var method: String
        var data: [UInt8]
    }

    static let protocolVersion: Int32 = 19
    static let clientVersion = "composite-service-pulsar 1.0"

    private(set) var state: State = .initial
    private let proxyToBrokerURL: String?
    /// Read anew on every handshake and challenge, so a rotated token file is picked up.
    private let credentials: () -> Credentials?
    private var silentTicks = 0

    init(proxyToBrokerURL: String?, credentials: @escaping () -> Credentials?) {
        self.proxyToBrokerURL = proxyToBrokerURL
        self.credentials = credentials
    }

    mutating func channelActive() -> Action {
        guard case .initial = self.state else { return .none }
        self.state = .awaitingConnected
        let credentials = self.credentials()
        return .write(
            .connect(
                Connect(
                    clientVersion: Self.clientVersion,
                    protocolVersion: Self.protocolVersion,
                    authMethodName: credentials?.method,
                    authData: credentials?.data,
                    proxyToBrokerURL: self.proxyToBrokerURL
                )
            )
        )
    }

    /// A frame arrived: its command, and the payload that follows a MESSAGE.
    mutating func received(_ command: PulsarCommand, payload: PulsarFrame.Payload? = nil) -> Action {
        self.silentTicks = 0
        switch (self.state, command) {
        case (.closed, _):
            return .none
        case (_, .ping):
            return .write(.pong)
        case (_, .pong):
            return .none
        case (_, .authChallenge):
            guard let credentials = self.credentials() else {
                return .closeConnection(
                    PulsarError(.authenticationFailed, "the broker asked for credentials; none are configured")
                )
            }
            return .write(
                .authResponse(
                    AuthResponse(
                        clientVersion: Self.clientVersion,
                        protocolVersion: Self.protocolVersion,
                        response: AuthData(methodName: credentials.method, data: credentials.data)
                    )
                )
            )
        case (.awaitingConnected, .connected(let connected)):
            let size = connected.maxMessageSize.map(Int.init) ?? PulsarFrame.defaultMaxMessageSize
            self.state = .connected(maxMessageSize: size)
            return .handshakeSucceeded(maxMessageSize: size)
        case (.awaitingConnected, .error(let error)):
            self.state = .closed
            return .handshakeFailed(PulsarError(server: error.error, message: error.message, topic: nil))
        case (.awaitingConnected, _), (.initial, _):
            self.state = .closed
            return .handshakeFailed(PulsarError(.malformed, "the broker sent \(command.name) before CONNECTED"))
        case (.connected, .sendReceipt(let receipt)):
            return .sendReceipt(receipt)
        case (.connected, .sendError(let error)):
            return .sendError(error)
        case (.connected, .message(let message)):
            guard let payload else { return .closeConnection(PulsarError(.malformed, "MESSAGE without a payload")) }
            return .deliver(consumerID: message.consumerID, message, payload)
        case (.connected, .closeProducer(let close)):
            return .producerClosedByBroker(producerID: close.producerID)
        case (.connected, .closeConsumer(let close)):
            return .consumerClosedByBroker(consumerID: close.consumerID)
        case (.connected, _):
            if let request = command.responseRequestID { return .completeRequest(id: request, command) }
            return .none
        }
    }

    /// Called every keep-alive interval: ping the broker, and give up after two intervals without a word from it.
    mutating func keepAliveTick() -> Action {
        guard case .connected = self.state else {
            if case .awaitingConnected = self.state, self.silentTicks >= 1 {
                self.state = .closed
                return .handshakeFailed(PulsarError(.timeout, "no CONNECTED within the keep-alive interval"))
            }
            self.silentTicks += 1
            return .none
        }
        self.silentTicks += 1
        if self.silentTicks > 2 {
            self.state = .closed
            return .closeConnection(PulsarError(.timeout, "the broker sent nothing for two keep-alive intervals"))
        }
        return .write(.ping)
    }

    mutating func channelInactive() {
        self.state = .closed
    }
}
