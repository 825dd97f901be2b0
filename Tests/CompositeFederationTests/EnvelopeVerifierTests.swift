import CompositeCore
import CompositeFederation
import Testing

@Suite struct EnvelopeVerifierTests {
    let alice = NodePrivateKeys.generate()
    let bob = NodePrivateKeys.generate()
    let mallory = NodePrivateKeys.generate()
    let now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    func verifier() -> EnvelopeVerifier {
        EnvelopeVerifier(
            node: "bob",
            keys: self.bob,
            participants: ["alice": self.alice.publicKeys, "bob": self.bob.publicKeys],
            skewMilliseconds: 60_000
        )
    }

    func envelope(
        id: String = "m1",
        from sender: String = "alice",
        keys: NodePrivateKeys? = nil,
        at time: Timestamp? = nil,
        body: JSONValue = .string("hello")
    ) throws -> FederationEnvelope {
        var envelope = FederationEnvelope(
            id: id,
            sender: sender,
            recipients: ["bob"],
            category: "greeting",
            timestamp: time ?? self.now,
            sequence: 1,
            body: .plain(body)
        )
        try envelope.sign(with: (keys ?? self.alice).signing)
        return envelope
    }

    @Test func aValidMessageIsDeliveredAndAcknowledged() throws {
        var verifier = self.verifier()
        let actions = verifier.received(try self.envelope().encoded(), now: self.now)
        guard case .deliver(let message) = actions.first else {
            Issue.record("expected delivery, got \(actions)")
            return
        }
        #expect(message.sender == "alice" && message.body == .string("hello") && !message.encrypted)
        #expect(actions.dropFirst().first == .sendReceipt(to: "alice", messageID: "m1"))
        #expect(verifier.rejections.isEmpty)
    }

    @Test func aTamperedMessageIsRejectedAsBadSignature() throws {
        var envelope = try self.envelope()
        envelope.body = .plain(.string("tampered"))
        var verifier = self.verifier()
        #expect(verifier.received(envelope.encoded(), now: self.now) == [.reject(.badSignature)])
        var retargeted = try self.envelope()
        retargeted.category = "other"
        #expect(verifier.received(retargeted.encoded(), now: self.now) == [.reject(.badSignature)])
        #expect(verifier.rejections == [.badSignature: 2])
    }

    @Test func anUnknownSenderIsRejectedEvenWithAValidSignatureOfItsOwn() throws {
        var verifier = self.verifier()
        let stranger = try self.envelope(from: "mallory", keys: self.mallory)
        #expect(verifier.received(stranger.encoded(), now: self.now) == [.reject(.unknownSender)])
        // Claiming to be alice with mallory's key fails the signature check.
        let impostor = try self.envelope(from: "alice", keys: self.mallory)
        #expect(verifier.received(impostor.encoded(), now: self.now) == [.reject(.badSignature)])
        #expect(verifier.rejections == [.unknownSender: 1, .badSignature: 1])
    }

    @Test func staleMessagesAreRejectedInBothDirections() throws {
        var verifier = self.verifier()
        let old = try self.envelope(id: "old", at: self.now.adding(milliseconds: -60_001))
        let future = try self.envelope(id: "future", at: self.now.adding(milliseconds: 60_001))
        let edge = try self.envelope(id: "edge", at: self.now.adding(milliseconds: -60_000))
        #expect(verifier.received(old.encoded(), now: self.now) == [.reject(.stale)])
        #expect(verifier.received(future.encoded(), now: self.now) == [.reject(.stale)])
        #expect(verifier.received(edge.encoded(), now: self.now).count == 2)
        #expect(verifier.rejections == [.stale: 2])
    }

    @Test(arguments: [Int64.min, Int64.min + 1, Int64.max, Int64.max - 1])
    func correctlySignedTimestampsAtTheEndsOfInt64AreStale(_ milliseconds: Int64) throws {
        // The sender signs whatever time it likes: the distance to the receiver's clock must not overflow.
        var verifier = self.verifier()
        let envelope = try self.envelope(at: Timestamp(millisecondsSinceEpoch: milliseconds))
        #expect(verifier.received(envelope.encoded(), now: self.now) == [.reject(.stale)])
        let early = Timestamp(millisecondsSinceEpoch: -1)
        #expect(verifier.received(envelope.encoded(), now: early) == [.reject(.stale)])
        #expect(verifier.rejections == [.stale: 2])
    }

    @Test func aReplayIsRejectedButAnsweredWithAReceiptAgain() throws {
        var verifier = self.verifier()
        let bytes = try self.envelope().encoded()
        #expect(verifier.received(bytes, now: self.now).count == 2)
        let replay = verifier.received(bytes, now: self.now.adding(milliseconds: 1_000))
        #expect(replay == [.reject(.replay), .sendReceipt(to: "alice", messageID: "m1")])
        // A retry re-signed later with the same id is recognised too.
        let retry = try self.envelope(at: self.now.adding(milliseconds: 30_000))
        #expect(
            verifier.received(retry.encoded(), now: self.now.adding(milliseconds: 30_000)).first == .reject(.replay)
        )
        #expect(verifier.rejections == [.replay: 2])
    }

    @Test func replayMemoryIsForgottenOnceCopiesWouldBeStale() throws {
        var verifier = self.verifier()
        let bytes = try self.envelope().encoded()
        _ = verifier.received(bytes, now: self.now)
        #expect(verifier.rememberedCount == 1)
        let later = self.now.adding(milliseconds: 60_001)
        #expect(verifier.received(bytes, now: later) == [.reject(.stale)])
        #expect(verifier.rememberedCount == 0)
    }

    @Test func malformedAndMisaddressedEnvelopesAreRejected() throws {
        var verifier = self.verifier()
        #expect(verifier.received(Array("not json".utf8), now: self.now) == [.reject(.malformed)])
        #expect(verifier.received(Array("{\"v\":1}".utf8), now: self.now) == [.reject(.malformed)])
        var other = try self.envelope()
        other.recipients = ["carol"]
        try other.sign(with: self.alice.signing)
        #expect(verifier.received(other.encoded(), now: self.now) == [.reject(.notAddressed)])
        #expect(verifier.rejections == [.malformed: 2, .notAddressed: 1])
    }

    @Test func receiptsAreReportedAndNeverAcknowledged() throws {
        var receipt = FederationEnvelope(
            id: "r1",
            kind: .receipt,
            sender: "alice",
            recipients: ["bob"],
            category: "federation.receipt",
            timestamp: self.now,
            sequence: 2,
            body: .plain(.object(JSONObject([(key: "messageId", value: .string("m9"))])))
        )
        try receipt.sign(with: self.alice.signing)
        var verifier = self.verifier()
        #expect(
            verifier.received(receipt.encoded(), now: self.now) == [.receiptReceived(from: "alice", messageID: "m9")]
        )
    }

    @Test func envelopesSurviveEncodingUnchanged() throws {
        let body = JSONValue.object(
            JSONObject([(key: "x", value: .number(.decimal(0.1))), (key: "list", value: .array([.null, .bool(true)]))])
        )
        let envelope = try self.envelope(body: body)
        let decoded = try FederationEnvelope.decode(envelope.encoded())
        #expect(decoded == envelope)
        #expect(decoded.hasValidSignature(from: self.alice.publicKeys.signing))
    }
}
