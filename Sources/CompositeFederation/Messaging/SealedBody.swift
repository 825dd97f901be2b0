public import CompositeCore
public import Crypto
import Foundation

/// A message body encrypted for named recipients only.
///
/// Sealing: a fresh random 256-bit content key encrypts the body once with ChaCha20-Poly1305, the message id,
/// sender and category as associated data (a ciphertext cannot be moved into another message). For every
/// recipient, an ephemeral X25519 key (new per message) agrees a secret with the recipient's configured agreement
/// key; HKDF-SHA256 (salt: both public keys; info: domain tag, message id, recipient name) turns it into a wrapping
/// key that seals the content key with ChaCha20-Poly1305. A node that is not a recipient has no wrapped key it can
/// open, so it learns nothing but the length.
public struct SealedBody: Sendable, Hashable {
    /// The ephemeral X25519 public key, raw bytes.
    public var ephemeralKey: [UInt8]
    /// Per recipient: the content key sealed with that recipient's wrapping key (nonce, ciphertext and tag).
    public var wrappedKeys: [String: [UInt8]]
    /// The body's canonical JSON sealed with the content key (nonce, ciphertext and tag).
    public var ciphertext: [UInt8]

    static let wrapDomain = "composite-federation/wrap/v1"

    /// Encrypts `body` for `recipients`, whose agreement keys are in `keys`.
    public static func seal(
        _ body: JSONValue,
        messageID: String,
        sender: String,
        category: String,
        recipients: [String],
        keys: [String: Curve25519.KeyAgreement.PublicKey]
    ) throws(FederationError) -> SealedBody {
        guard !recipients.isEmpty else {
            throw FederationError(.invalidRecipients, "encrypted data needs at least one named recipient")
        }
        let contentKey = SymmetricKey(size: .bits256)
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        do {
            var wrapped: [String: [UInt8]] = [:]
            for recipient in recipients {
                guard let recipientKey = keys[recipient] else {
                    throw FederationError(.invalidRecipients, key: recipient, "no agreement key configured")
                }
                let secret = try ephemeral.sharedSecretFromKeyAgreement(with: recipientKey)
                let wrapping = Self.wrappingKey(
                    secret: secret,
                    ephemeral: ephemeral.publicKey,
                    recipientKey: recipientKey,
                    messageID: messageID,
                    recipient: recipient
                )
                let keyBytes = contentKey.withUnsafeBytes { Data($0) }
                wrapped[recipient] = Array(try ChaChaPoly.seal(keyBytes, using: wrapping).combined)
            }
            let plaintext = JSONWriter.encode(body)
            let box = try ChaChaPoly.seal(
                plaintext,
                using: contentKey,
                authenticating: Self.associatedData(messageID: messageID, sender: sender, category: category)
            )
            return SealedBody(
                ephemeralKey: Array(ephemeral.publicKey.rawRepresentation),
                wrappedKeys: wrapped,
                ciphertext: Array(box.combined)
            )
        } catch let error as FederationError {
            throw error
        } catch {
            throw FederationError(.invalidPayload, "cannot encrypt the message body: \(error)")
        }
    }

    /// Decrypts the body as `recipient`; `nil` when this node has no wrapped key or the data does not authenticate.
    public func open(
        as recipient: String,
        with key: Curve25519.KeyAgreement.PrivateKey,
        messageID: String,
        sender: String,
        category: String
    ) -> JSONValue? {
        guard let wrapped = self.wrappedKeys[recipient],
            let ephemeral = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: self.ephemeralKey),
            let secret = try? key.sharedSecretFromKeyAgreement(with: ephemeral)
        else { return nil }
        let wrapping = Self.wrappingKey(
            secret: secret,
            ephemeral: ephemeral,
            recipientKey: key.publicKey,
            messageID: messageID,
            recipient: recipient
        )
        guard let keyBox = try? ChaChaPoly.SealedBox(combined: wrapped),
            let keyBytes = try? ChaChaPoly.open(keyBox, using: wrapping),
            let box = try? ChaChaPoly.SealedBox(combined: self.ciphertext),
            let plaintext = try? ChaChaPoly.open(
                box,
                using: SymmetricKey(data: keyBytes),
                authenticating: Self.associatedData(messageID: messageID, sender: sender, category: category)
            )
        else { return nil }
        return try? JSONParser.parse(Array(plaintext))
    }

    static func wrappingKey(
        secret: SharedSecret,
        ephemeral: Curve25519.KeyAgreement.PublicKey,
        recipientKey: Curve25519.KeyAgreement.PublicKey,
        messageID: String,
        recipient: String
    ) -> SymmetricKey {
        secret.hkdfDerivedSymmetricKey(
            using: SHA256.self,
            salt: ephemeral.rawRepresentation + recipientKey.rawRepresentation,
            sharedInfo: Array("\(Self.wrapDomain)\n\(messageID)\n\(recipient)".utf8),
            outputByteCount: 32
        )
    }

    static func associatedData(messageID: String, sender: String, category: String) -> [UInt8] {
        Array("composite-federation/body/v1\n\(messageID)\n\(sender)\n\(category)".utf8)
    }

    // MARK: - JSON

    var json: JSONValue {
        let keys = self.wrappedKeys.sorted { $0.key < $1.key }.map {
            (key: $0.key, value: JSONValue.string(Data($0.value).base64EncodedString()))
        }
        return .object(
            JSONObject([
                (key: "ephemeralKey", value: .string(Data(self.ephemeralKey).base64EncodedString())),
                (key: "keys", value: .object(JSONObject(keys))),
                (key: "ciphertext", value: .string(Data(self.ciphertext).base64EncodedString())),
            ])
        )
    }

    init(ephemeralKey: [UInt8], wrappedKeys: [String: [UInt8]], ciphertext: [UInt8]) {
        self.ephemeralKey = ephemeralKey
        self.wrappedKeys = wrappedKeys
        self.ciphertext = ciphertext
    }

    init(json: JSONValue) throws(FederationError) {
        func bytes(_ value: JSONValue?, _ name: String) throws(FederationError) -> [UInt8] {
            guard let text = value?.stringValue, let data = Data(base64Encoded: text) else {
                throw FederationError(.invalidPayload, key: "body.sealed.\(name)", "expected base64")
            }
            return Array(data)
        }
        guard let keys = json["keys"]?.objectValue else {
            throw FederationError(.invalidPayload, key: "body.sealed.keys", "expected an object")
        }
        var wrapped: [String: [UInt8]] = [:]
        for member in keys.members { wrapped[member.key] = try bytes(member.value, "keys.\(member.key)") }
        self.init(
            ephemeralKey: try bytes(json["ephemeralKey"], "ephemeralKey"),
            wrappedKeys: wrapped,
            ciphertext: try bytes(json["ciphertext"], "ciphertext")
        )
    }
}
