public import CompositeCore
public import Crypto
import Foundation

/// One federation message on the wire: who sent it to whom, what it is about, its body and the sender's signature.
///
/// Encoded as a JSON object (the project's own ``JSONValue``):
/// `{"v":1,"id":…,"kind":"message"|"receipt","sender":…,"recipients":[…],"category":…,"timestamp":ms,
/// "sequence":n,"inReplyTo":id|null,"body":{"plain":…}|{"sealed":{…}},"signature":base64}`.
///
/// The signature is Ed25519 over ``signedBytes``: a domain tag followed by the canonical encoding (keys sorted,
/// integral numbers as integers, no white space) of every member except `signature`. Everything that decides how a
/// message is handled — sender, recipients, category, id, time, reply link, and the body or its ciphertext — is
/// therefore covered.
public struct FederationEnvelope: Sendable, Hashable {
    /// Ordinary messages carry application data; receipts acknowledge a message by id.
    public enum Kind: String, Sendable, Hashable {
        case message
        case receipt
    }

    /// The body: readable by anyone who can read the inbox topic, or sealed for the recipients only.
    public enum Body: Sendable, Hashable {
        case plain(JSONValue)
        case sealed(SealedBody)
    }

    /// Largest encoded envelope accepted for sending: 2 MiB, the size FLAME allows for control messages. Bulk data
    /// belongs elsewhere.
    public static let maximumSize = 2 * 1024 * 1024
    /// Wire format version.
    public static let version = 1
    /// Prefix of the signed bytes, so a signature can never be replayed as a signature over another kind of data.
    static let signatureDomain = Array("composite-federation/envelope/v1\n".utf8)

    /// Unique per sender: 128 random bits in hex. Retries of the same message keep it.
    public var id: String
    public var kind: Kind
    public var sender: String
    public var recipients: [String]
    public var category: String
    /// The sender's clock when it signed (each retry re-signs with a fresh time).
    public var timestamp: Timestamp
    /// The sender's counter, increasing per message it sends; informational (it restarts with the process).
    public var sequence: UInt64
    /// The id of the message this one answers, if any.
    public var inReplyTo: String?
    public var body: Body
    /// Ed25519 over ``signedBytes``; empty until ``sign(with:)``.
    public var signature: [UInt8] = []

    public init(
        id: String,
        kind: Kind = .message,
        sender: String,
        recipients: [String],
        category: String,
        timestamp: Timestamp,
        sequence: UInt64,
        inReplyTo: String? = nil,
        body: Body
    ) {
        self.id = id
        self.kind = kind
        self.sender = sender
        self.recipients = recipients
        self.category = category
        self.timestamp = timestamp
        self.sequence = sequence
        self.inReplyTo = inReplyTo
        self.body = body
    }

    // MARK: - Signing

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] {
        Self.signatureDomain + JSONWriter.encode(self.json(includingSignature: false).canonical)
    }

    /// Signs the envelope with the sender's private key.
    public mutating func sign(with key: Curve25519.Signing.PrivateKey) throws(FederationError) {
        do {
            self.signature = Array(try key.signature(for: self.signedBytes))
        } catch {
            throw FederationError(.invalidPayload, key: self.sender, "cannot sign the message: \(error)")
        }
    }

    /// Whether ``signature`` is the given key's signature over ``signedBytes``.
    public func hasValidSignature(from key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(self.signature, for: self.signedBytes)
    }

    // MARK: - Encoding

    /// The wire bytes.
    public func encoded() -> [UInt8] {
        JSONWriter.encode(self.json(includingSignature: true))
    }

    func json(includingSignature: Bool) -> JSONValue {
        var object = JSONObject()
        object.append("v", .number(.integer(Self.version)))
        object.append("id", .string(self.id))
        object.append("kind", .string(self.kind.rawValue))
        object.append("sender", .string(self.sender))
        object.append("recipients", .array(self.recipients.map(JSONValue.string)))
        object.append("category", .string(self.category))
        object.append("timestamp", .number(.integer(Int(self.timestamp.millisecondsSinceEpoch))))
        // Sequences stay far below 2^53 in practice; JSON numbers beyond that would lose precision.
        object.append("sequence", .number(.integer(Int(clamping: self.sequence))))
        object.append("inReplyTo", self.inReplyTo.map(JSONValue.string) ?? .null)
        switch self.body {
        case .plain(let value): object.append("body", .object(JSONObject([(key: "plain", value: value)])))
        case .sealed(let sealed): object.append("body", .object(JSONObject([(key: "sealed", value: sealed.json)])))
        }
        if includingSignature { object.append("signature", .string(Data(self.signature).base64EncodedString())) }
        return .object(object)
    }

    /// Parses wire bytes; any missing or mistyped member is an ``FederationError/Code/invalidPayload`` error.
    public static func decode(_ bytes: [UInt8]) throws(FederationError) -> FederationEnvelope {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw FederationError(.invalidPayload, "not JSON: \(error)")
        }
        func field(_ name: String) throws(FederationError) -> JSONValue {
            guard let value = json[name] else { throw FederationError(.invalidPayload, key: name, "missing") }
            return value
        }
        func string(_ name: String) throws(FederationError) -> String {
            guard let value = try field(name).stringValue, !value.isEmpty else {
                throw FederationError(.invalidPayload, key: name, "expected a non-empty string")
            }
            return value
        }
        func integer(_ name: String) throws(FederationError) -> Int {
            guard case .number(let number) = try field(name), let value = number.exactInteger else {
                throw FederationError(.invalidPayload, key: name, "expected an integer")
            }
            return value
        }
        guard try integer("v") == Self.version else {
            throw FederationError(.invalidPayload, key: "v", "unsupported envelope version")
        }
        guard let kind = Kind(rawValue: try string("kind")) else {
            throw FederationError(.invalidPayload, key: "kind", "expected message or receipt")
        }
        guard case .array(let recipientValues) = try field("recipients") else {
            throw FederationError(.invalidPayload, key: "recipients", "expected a list")
        }
        let recipients = recipientValues.compactMap(\.stringValue)
        guard recipients.count == recipientValues.count else {
            throw FederationError(.invalidPayload, key: "recipients", "expected node names")
        }
        let inReplyTo = try field("inReplyTo")
        guard inReplyTo.isNull || inReplyTo.stringValue != nil else {
            throw FederationError(.invalidPayload, key: "inReplyTo", "expected a message id or null")
        }
        let body: Body
        if let plain = try field("body")["plain"] {
            body = .plain(plain)
        } else if let sealed = try field("body")["sealed"] {
            body = .sealed(try SealedBody(json: sealed))
        } else {
            throw FederationError(.invalidPayload, key: "body", "expected plain or sealed")
        }
        guard let signature = Data(base64Encoded: try string("signature")) else {
            throw FederationError(.invalidPayload, key: "signature", "expected base64")
        }
        let sequence = try integer("sequence")
        var envelope = FederationEnvelope(
            id: try string("id"),
            kind: kind,
            sender: try string("sender"),
            recipients: recipients,
            category: try string("category"),
            timestamp: Timestamp(millisecondsSinceEpoch: Int64(try integer("timestamp"))),
            sequence: UInt64(max(0, sequence)),
            inReplyTo: inReplyTo.stringValue,
            body: body
        )
        envelope.signature = Array(signature)
        return envelope
    }
}
