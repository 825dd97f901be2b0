public import CompositeCore

/// Decides what a node does with each envelope that arrives in its inbox. A pure state machine: no I/O, no clock
/// (the caller passes `now`), so every rule is unit-tested in isolation.
///
/// Checks, in order; the first failure rejects the envelope, counts it under its ``Rejection`` and nothing is
/// delivered:
/// 1. ``Rejection/malformed``: not a decodable envelope.
/// 2. ``Rejection/notAddressed``: this node is not among the recipients.
/// 3. ``Rejection/unknownSender``: the sender is not a configured participant.
/// 4. ``Rejection/badSignature``: the Ed25519 signature does not verify with the sender's configured key.
/// 5. ``Rejection/stale``: the signed timestamp is more than the skew window away from `now` (either direction).
/// 6. ``Rejection/replay``: the same sender's message id was already accepted within the window. A replay of an
///    ordinary message still yields ``Action/sendReceipt(to:messageID:)``: a sender retries with the same id when
///    the first receipt was lost, and answering again delivers nothing twice.
/// 7. ``Rejection/undecryptable``: a sealed body this node cannot open (no wrapped key for it, or tampering).
///
/// An accepted ordinary message yields ``Action/deliver(_:)`` and ``Action/sendReceipt(to:messageID:)``; an
/// accepted receipt yields ``Action/receiptReceived(from:messageID:)``.
public struct EnvelopeVerifier: Sendable {
    public enum Rejection: String, Sendable, Hashable, CaseIterable, Comparable {
        case malformed
        case notAddressed
        case unknownSender
        case badSignature
        case stale
        case replay
        case undecryptable

        public static func < (lhs: Rejection, rhs: Rejection) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public enum Action: Sendable, Hashable {
        /// Store the message in the inbox.
        case deliver(FederationMessage)
        /// Send a signed receipt for `messageID` to `to`.
        case sendReceipt(to: String, messageID: String)
        /// `from` confirmed it received our message `messageID`.
        case receiptReceived(from: String, messageID: String)
        /// The envelope was rejected (already counted).
        case reject(Rejection)
    }

    public let node: String
    let keys: NodePrivateKeys
    let participants: [String: NodePublicKeys]
    /// How far a signed timestamp may be from the receiver's clock, in milliseconds.
    public let skewMilliseconds: Int64
    /// Rejections so far, per reason.
    public private(set) var rejections: [Rejection: Int] = [:]
    /// Accepted (sender, id) pairs and until when they are remembered: the last accepted timestamp plus the skew.
    /// After that a copy would be stale anyway, so the set stays bounded by the traffic of one window.
    private var seen: [SeenKey: Timestamp] = [:]

    struct SeenKey: Hashable {
        var sender: String
        var id: String
    }

    /// - Parameters:
    ///   - keys: this node's private keys (the agreement key opens sealed bodies).
    ///   - participants: the configured public keys of every node that may send.
    public init(node: String, keys: NodePrivateKeys, participants: [String: NodePublicKeys], skewMilliseconds: Int64) {
        self.node = node
        self.keys = keys
        self.participants = participants
        self.skewMilliseconds = skewMilliseconds
    }

    /// How many ids are remembered for replay detection.
    public var rememberedCount: Int { self.seen.count }

    /// An envelope's bytes arrived at `now`.
    public mutating func received(_ bytes: [UInt8], now: Timestamp) -> [Action] {
        self.forget(before: now)
        guard let envelope = try? FederationEnvelope.decode(bytes) else { return self.reject(.malformed) }
        guard envelope.recipients.contains(self.node) else { return self.reject(.notAddressed) }
        guard let key = self.participants[envelope.sender]?.signing else { return self.reject(.unknownSender) }
        guard envelope.hasValidSignature(from: key) else { return self.reject(.badSignature) }
        // The timestamp is the sender's: any Int64 passes the signature check, so the distance is computed without
        // trapping. A distance beyond Int64 is stale by any skew.
        let (age, overflow) = now.millisecondsSinceEpoch.subtractingReportingOverflow(
            envelope.timestamp.millisecondsSinceEpoch
        )
        guard !overflow, age.magnitude <= self.skewMilliseconds.magnitude else { return self.reject(.stale) }
        let seenKey = SeenKey(sender: envelope.sender, id: envelope.id)
        let expiry = envelope.timestamp.adding(milliseconds: self.skewMilliseconds)
        if let remembered = self.seen[seenKey] {
            self.seen[seenKey] = max(remembered, expiry)
            var actions = self.reject(.replay)
            if envelope.kind == .message {
                actions.append(.sendReceipt(to: envelope.sender, messageID: envelope.id))
            }
            return actions
        }
        switch envelope.kind {
        case .receipt:
            guard case .plain(let body) = envelope.body, let acknowledged = body["messageId"]?.stringValue else {
                return self.reject(.malformed)
            }
            self.seen[seenKey] = expiry
            return [.receiptReceived(from: envelope.sender, messageID: acknowledged)]
        case .message:
            let body: JSONValue
            let encrypted: Bool
            switch envelope.body {
            case .plain(let plain):
                body = plain
                encrypted = false
            case .sealed(let sealed):
                guard
                    let opened = sealed.open(
                        as: self.node,
                        with: self.keys.agreement,
                        messageID: envelope.id,
                        sender: envelope.sender,
                        category: envelope.category
                    )
                else { return self.reject(.undecryptable) }
                body = opened
                encrypted = true
            }
            self.seen[seenKey] = expiry
            let message = FederationMessage(
                id: envelope.id,
                sender: envelope.sender,
                category: envelope.category,
                body: body,
                encrypted: encrypted,
                sentAt: envelope.timestamp,
                receivedAt: now,
                inReplyTo: envelope.inReplyTo
            )
            return [.deliver(message), .sendReceipt(to: envelope.sender, messageID: envelope.id)]
        }
    }

    private mutating func reject(_ reason: Rejection) -> [Action] {
        self.rejections[reason, default: 0] += 1
        return [.reject(reason)]
    }

    private mutating func forget(before now: Timestamp) {
        // Cheap enough at control-message rates; a heap would only pay off at thousands of messages per window.
        if self.seen.values.contains(where: { $0 < now }) {
            self.seen = self.seen.filter { $0.value >= now }
        }
    }
}
