public import CompositeBroker
public import CompositeCore
import Foundation

/// A federation node over any ``MessageBroker``: its inbox is the topic
/// `persistent://<brokerTenant>/federation/<node>-inbox` (see ``FederationConfiguration/inboxTopic(for:)``), read
/// through the subscription `federation-<node>`.
///
/// Call ``run()`` (in a task of its own) for as long as the node takes part: it verifies what arrives, stores
/// messages in the inbox, answers with signed receipts and records the receipts others send. The messaging API
/// (``send(to:category:body:encrypted:inReplyTo:maxAttempts:timeout:attemptTimeout:)``,
/// ``awaitMessages(from:category:messageID:timeout:)`` and the rest) works while `run()` is running.
///
/// **Acknowledgement and restarts.** A broker message is acknowledged once it has been handled: verified and
/// stored in the inbox (and its receipt published), or rejected. The inbox and the replay memory live in memory
/// only, so after a restart the inbox starts empty; a sender whose receipt never arrived retries with the same id
/// and the message is delivered then. A message whose handling failed half-way (the receipt could not be
/// published) is not acknowledged: it comes back on the next subscription, and the replay check makes sure it is
/// not delivered twice within one process.
public actor FederationNode {
    /// What ``send(to:category:body:encrypted:inReplyTo:maxAttempts:timeout:attemptTimeout:)`` reports.
    public struct SendResult: Sendable, Hashable {
        /// The message's id, which replies carry as `inReplyTo`.
        public var messageID: String
        /// Nodes whose signed receipt arrived, sorted.
        public var acknowledged: [String]
        /// Nodes whose receipt did not arrive in time, sorted.
        public var notAcknowledged: [String]
    }

    /// Category of ready checks; such messages are answered with a receipt and never stored.
    public static let readyCategory = "federation.ready"
    /// Category of the message ``analysisFinished()`` sends.
    public static let finishedCategory = "analysis_finished"
    /// How often waiting operations look at the inbox again.
    static let pollInterval = Duration.milliseconds(5)

    public nonisolated let configuration: FederationConfiguration
    /// This node's name.
    public nonisolated var id: String { self.configuration.node }
    /// This node's role.
    public nonisolated var role: FederationConfiguration.Role { self.configuration.role }
    /// The other nodes (name, role, public keys).
    public nonisolated var participants: [FederationConfiguration.Participant] { self.configuration.others }

    let keys: NodePrivateKeys
    let broker: any MessageBroker
    let now: @Sendable () -> Timestamp
    var verifier: EnvelopeVerifier
    var inbox = FederationInbox()
    /// Per message id we sent, the nodes that sent a receipt for it.
    var receipts: [String: Set<String>] = [:]
    var sequence: UInt64 = 0
    /// The latest reported progress, 0...100.
    public internal(set) var progress = 0
    /// Whether ``analysisFinished()`` has been called.
    public internal(set) var isFinished = false
    /// Nodes that announced the end of their analysis.
    public private(set) var finishedParticipants: Set<String> = []

    /// - Parameters:
    ///   - now: this node's clock for signed timestamps and staleness checks. Default: the system clock.
    public init(
        configuration: FederationConfiguration,
        keys: NodePrivateKeys,
        broker: any MessageBroker,
        now: @escaping @Sendable () -> Timestamp = FederationNode.systemClock
    ) throws(FederationError) {
        guard let own = configuration.participant(configuration.node) else {
            throw FederationError(.unknownNode, key: configuration.node, "this node is not among the participants")
        }
        guard own.keys == keys.publicKeys else {
            throw FederationError(
                .invalidConfiguration,
                key: "participants.\(configuration.node)",
                "the configured public keys do not belong to this node's private keys"
            )
        }
        self.configuration = configuration
        self.keys = keys
        self.broker = broker
        self.now = now
        var participants: [String: NodePublicKeys] = [:]
        for participant in configuration.participants { participants[participant.name] = participant.keys }
        self.verifier = EnvelopeVerifier(
            node: configuration.node,
            keys: keys,
            participants: participants,
            skewMilliseconds: configuration.skewSeconds * 1_000
        )
    }

    /// The wall clock in milliseconds.
    public static let systemClock: @Sendable () -> Timestamp = {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    /// Envelopes rejected so far, per reason.
    public var rejections: [EnvelopeVerifier.Rejection: Int] { self.verifier.rejections }

    /// Verified messages dropped from the inbox to keep each sender within its bounds, per sender
    /// (``FederationInbox/Limits``).
    public var droppedInboxMessages: [String: Int] { self.inbox.dropped }

    // MARK: - Receiving

    /// Reads the inbox topic until the task is cancelled.
    public func run() async throws {
        let consumer = try await self.broker.subscribe(
            topics: [self.configuration.inboxTopic(for: self.id)],
            subscription: "federation-\(self.id)"
        )
        do {
            while !Task.isCancelled {
                guard let message = try await consumer.receive(timeout: .milliseconds(50)) else { continue }
                try await self.handle(message.payload)
                try await consumer.acknowledge([MessageRef(topic: message.topic, id: message.id)])
            }
        } catch is CancellationError {
            // Stopping is the normal end.
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// Verifies one envelope and carries out what the verifier decides.
    func handle(_ payload: [UInt8]) async throws {
        for action in self.verifier.received(payload, now: self.now()) {
            switch action {
            case .deliver(let message):
                if message.category == Self.finishedCategory { self.finishedParticipants.insert(message.sender) }
                if message.category != Self.readyCategory { self.inbox.store(message) }
            case .sendReceipt(let to, let messageID):
                var receipt = self.envelope(
                    kind: .receipt,
                    to: [to],
                    category: "federation.receipt",
                    body: .plain(.object(JSONObject([(key: "messageId", value: .string(messageID))]))),
                    id: Self.randomID()
                )
                try receipt.sign(with: self.keys.signing)
                _ = try await self.broker.publish(
                    OutgoingMessage(payload: receipt.encoded()),
                    to: self.configuration.inboxTopic(for: to)
                )
            case .receiptReceived(let from, let messageID):
                self.receipts[messageID, default: []].insert(from)
            case .reject:
                break
            }
        }
    }

    // MARK: - Envelopes

    func envelope(
        kind: FederationEnvelope.Kind,
        to recipients: [String],
        category: String,
        body: FederationEnvelope.Body,
        id: String,
        inReplyTo: String? = nil
    ) -> FederationEnvelope {
        self.sequence += 1
        return FederationEnvelope(
            id: id,
            kind: kind,
            sender: self.id,
            recipients: recipients,
            category: category,
            timestamp: self.now(),
            sequence: self.sequence,
            inReplyTo: inReplyTo,
            body: body
        )
    }

    /// 128 random bits in hex.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
