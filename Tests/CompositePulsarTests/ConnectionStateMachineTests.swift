import Synchronization
import Testing

@testable import CompositePulsar

@Suite struct ConnectionStateMachineTests {
    func machine(token: String? = "secret-token", proxy: String? = nil) -> ConnectionStateMachine {
        ConnectionStateMachine(proxyToBrokerURL: proxy) {
            token.map { ConnectionStateMachine.Credentials(method: "token", data: Array($0.utf8)) }
        }
    }

    @Test func handshakeSendsConnectWithTokenAndProxyTarget() {
        var machine = self.machine(proxy: "broker-2:6650")
        guard case .write(.connect(let connect)) = machine.channelActive() else {
            Issue.record("expected CONNECT")
            return
        }
        #expect(connect.authMethodName == "token")
        #expect(connect.authData == Array("secret-token".utf8))
        #expect(connect.proxyToBrokerURL == "broker-2:6650")
        #expect(connect.supportsAuthRefresh)
        #expect(connect.protocolVersion == ConnectionStateMachine.protocolVersion)
        #expect(machine.channelActive() == .none, "a second activation sends nothing")
    }

    @Test func connectedCarriesTheBrokersMessageSizeLimit() {
        var machine = self.machine()
        _ = machine.channelActive()
        #expect(
            machine.received(.connected(Connected(serverVersion: "s", protocolVersion: 19, maxMessageSize: 1000)))
                == .handshakeSucceeded(maxMessageSize: 1000)
        )
        #expect(machine.state == .connected(maxMessageSize: 1000))
        var defaulted = self.machine(token: nil)
        _ = defaulted.channelActive()
        #expect(
            defaulted.received(.connected(Connected(serverVersion: "s", protocolVersion: 19)))
                == .handshakeSucceeded(maxMessageSize: 5 * 1024 * 1024)
        )
    }

    @Test func refusedAuthenticationFailsTheHandshakeWithoutTheToken() {
        var machine = self.machine()
        _ = machine.channelActive()
        let action = machine.received(
            .error(ServerErrorResponse(requestID: 0, error: .authenticationError, message: "bad token"))
        )
        guard case .handshakeFailed(let error) = action else {
            Issue.record("expected a failed handshake, got \(action)")
            return
        }
        #expect(error.code == .authenticationFailed)
        #expect(!error.description.contains("secret-token"))
        #expect(machine.state == .closed)
    }

    @Test func anythingButConnectedDuringTheHandshakeIsAProtocolError() {
        var machine = self.machine()
        _ = machine.channelActive()
        guard case .handshakeFailed(let error) = machine.received(.success(Success(requestID: 1))) else {
            Issue.record("expected a failed handshake")
            return
        }
        #expect(error.code == .malformed)
    }

    @Test func pingIsAnsweredWithPongAtAnyTime() {
        var machine = self.machine()
        _ = machine.channelActive()
        #expect(machine.received(.ping) == .write(.pong))
        _ = machine.received(.connected(Connected(serverVersion: "s", protocolVersion: 19)))
        #expect(machine.received(.ping) == .write(.pong))
    }

    @Test func authChallengesAreAnsweredWithTheCurrentToken() {
        let token = Mutex("first")
        var machine = ConnectionStateMachine(proxyToBrokerURL: nil) {
            ConnectionStateMachine.Credentials(method: "token", data: Array(token.withLock { $0 }.utf8))
        }
        _ = machine.channelActive()
        _ = machine.received(.connected(Connected(serverVersion: "s", protocolVersion: 19)))
        token.withLock { $0 = "rotated" }
        let action = machine.received(.authChallenge(AuthChallenge(challenge: AuthData(methodName: "token", data: []))))
        #expect(
            action
                == .write(
                    .authResponse(
                        AuthResponse(
                            clientVersion: ConnectionStateMachine.clientVersion,
                            protocolVersion: ConnectionStateMachine.protocolVersion,
                            response: AuthData(methodName: "token", data: Array("rotated".utf8))
                        )
                    )
                )
        )
        var anonymous = self.machine(token: nil)
        _ = anonymous.channelActive()
        guard case .closeConnection(let error) = anonymous.received(.authChallenge(AuthChallenge(challenge: nil)))
        else {
            Issue.record("expected the connection to close")
            return
        }
        #expect(error.code == .authenticationFailed)
    }

    @Test func responsesAndDeliveriesAreRoutedToTheirOwners() {
        var machine = self.machine()
        _ = machine.channelActive()
        _ = machine.received(.connected(Connected(serverVersion: "s", protocolVersion: 19)))
        #expect(
            machine.received(.success(Success(requestID: 4)))
                == .completeRequest(id: 4, .success(Success(requestID: 4)))
        )
        let lookup = LookupResponse(requestID: 5, kind: .connect, brokerServiceURL: "pulsar://b:1")
        #expect(machine.received(.lookupResponse(lookup)) == .completeRequest(id: 5, .lookupResponse(lookup)))
        let receipt = SendReceipt(producerID: 1, sequenceID: 2, messageID: MessageIDData(ledgerID: 1, entryID: 1))
        #expect(machine.received(.sendReceipt(receipt)) == .sendReceipt(receipt))
        let message = Message(consumerID: 9, messageID: MessageIDData(ledgerID: 1, entryID: 1))
        let payload = PulsarFrame.Payload(
            metadata: MessageMetadata(producerName: "p", sequenceID: 1, publishTime: 9),
            body: [1, 2]
        )
        #expect(machine.received(.message(message), payload: payload) == .deliver(consumerID: 9, message, payload))
        #expect(
            machine.received(.message(message))
                == .closeConnection(PulsarError(.malformed, "MESSAGE without a payload"))
        )
        #expect(
            machine.received(.closeConsumer(CloseConsumer(consumerID: 9, requestID: 0)))
                == .consumerClosedByBroker(consumerID: 9)
        )
        #expect(
            machine.received(.closeProducer(CloseProducer(producerID: 1, requestID: 0)))
                == .producerClosedByBroker(producerID: 1)
        )
        #expect(machine.received(.other(type: 31)) == .none)
    }

    @Test func keepAlivePingsAndGivesUpOnASilentBroker() {
        var machine = self.machine()
        _ = machine.channelActive()
        _ = machine.received(.connected(Connected(serverVersion: "s", protocolVersion: 19)))
        #expect(machine.keepAliveTick() == .write(.ping))
        _ = machine.received(.pong)
        #expect(machine.keepAliveTick() == .write(.ping), "an answer resets the silence")
        #expect(machine.keepAliveTick() == .write(.ping))
        guard case .closeConnection(let error) = machine.keepAliveTick() else {
            Issue.record("expected the connection to close after two silent intervals")
            return
        }
        #expect(error.code == .timeout)
        #expect(error.isRetriable)
    }

    @Test func aBrokerThatNeverAnswersConnectTimesOut() {
        var machine = self.machine()
        _ = machine.channelActive()
        #expect(machine.keepAliveTick() == .none)
        guard case .handshakeFailed(let error) = machine.keepAliveTick() else {
            Issue.record("expected the handshake to time out")
            return
        }
        #expect(error.code == .timeout)
    }
}
