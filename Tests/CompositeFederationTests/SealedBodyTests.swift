import CompositeCore
import CompositeFederation
import Testing

@Suite struct SealedBodyTests {
    let keys = ["a": NodePrivateKeys.generate(), "b": NodePrivateKeys.generate(), "c": NodePrivateKeys.generate()]
    let secret = JSONValue.object(JSONObject([(key: "count", value: .number(.integer(42)))]))

    func seal(for recipients: [String]) throws -> SealedBody {
        try SealedBody.seal(
            self.secret,
            messageID: "m1",
            sender: "a",
            category: "summary",
            recipients: recipients,
            keys: self.keys.mapValues(\.publicKeys.agreement)
        )
    }

    func open(_ sealed: SealedBody, as node: String, messageID: String = "m1") -> JSONValue? {
        sealed.open(as: node, with: self.keys[node]!.agreement, messageID: messageID, sender: "a", category: "summary")
    }

    @Test func onlyTheNamedRecipientsCanRead() throws {
        let sealed = try self.seal(for: ["b"])
        #expect(self.open(sealed, as: "b") == self.secret)
        #expect(self.open(sealed, as: "c") == nil, "c has no wrapped key")
        // Even handed b's wrapped key under its own name, c's private key cannot unwrap it.
        var stolen = sealed
        stolen.wrappedKeys["c"] = sealed.wrappedKeys["b"]
        #expect(self.open(stolen, as: "c") == nil)
        // The wire form carries no plaintext.
        let envelope = FederationEnvelope(
            id: "m1",
            sender: "a",
            recipients: ["b"],
            category: "summary",
            timestamp: Timestamp(millisecondsSinceEpoch: 0),
            sequence: 1,
            body: .sealed(sealed)
        )
        #expect(!String(decoding: envelope.encoded(), as: UTF8.self).contains("count"))
    }

    @Test func sealedDataDoesNotAuthenticateInAnotherMessage() throws {
        let sealed = try self.seal(for: ["b", "c"])
        #expect(self.open(sealed, as: "c") == self.secret)
        #expect(self.open(sealed, as: "b", messageID: "m2") == nil)
        var tampered = sealed
        tampered.ciphertext[tampered.ciphertext.count - 1] ^= 1
        #expect(self.open(tampered, as: "b") == nil)
    }

    @Test func encryptingWithoutRecipientsIsAnError() throws {
        #expect(throws: FederationError.self) { try self.seal(for: []) }
        #expect(throws: FederationError.self) { try self.seal(for: ["stranger"]) }
    }
}
