public import Crypto
import Foundation

/// A node's private keys: Ed25519 for signing what it sends, X25519 for opening what is encrypted for it.
///
/// Kept as raw bytes (swift-crypto's key types are not `Sendable` on every platform) and turned into keys when used.
/// The description shows only the public halves, so a stray log line cannot leak a private key.
public struct NodePrivateKeys: Sendable, CustomStringConvertible {
    private let signingBytes: [UInt8]
    private let agreementBytes: [UInt8]

    public init(signing: Curve25519.Signing.PrivateKey, agreement: Curve25519.KeyAgreement.PrivateKey) {
        self.signingBytes = Array(signing.rawRepresentation)
        self.agreementBytes = Array(agreement.rawRepresentation)
    }

    /// Parses the 32 raw bytes of each key; `nil` when either is not a valid key.
    public init?(signingRaw: some ContiguousBytes, agreementRaw: some ContiguousBytes) {
        guard let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: signingRaw),
            let agreement = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: agreementRaw)
        else { return nil }
        self.init(signing: signing, agreement: agreement)
    }

    /// Fresh random keys.
    public static func generate() -> NodePrivateKeys {
        NodePrivateKeys(signing: .init(), agreement: .init())
    }

    // The bytes were valid keys when stored, so rebuilding them cannot fail.
    public var signing: Curve25519.Signing.PrivateKey { try! .init(rawRepresentation: self.signingBytes) }
    public var agreement: Curve25519.KeyAgreement.PrivateKey { try! .init(rawRepresentation: self.agreementBytes) }

    /// The raw private bytes, base64, for writing a key file. Never log them.
    var signingBase64: String { Data(self.signingBytes).base64EncodedString() }
    var agreementBase64: String { Data(self.agreementBytes).base64EncodedString() }

    /// The public halves, as other nodes list them in their configuration.
    public var publicKeys: NodePublicKeys {
        NodePublicKeys(signing: self.signing.publicKey, agreement: self.agreement.publicKey)
    }

    public var description: String { "NodePrivateKeys(public: \(self.publicKeys))" }
}

/// A participant's public keys as configured: Ed25519 to verify its signatures, X25519 to encrypt for it.
public struct NodePublicKeys: Sendable, Hashable, CustomStringConvertible {
    private let signingBytes: [UInt8]
    private let agreementBytes: [UInt8]

    public init(signing: Curve25519.Signing.PublicKey, agreement: Curve25519.KeyAgreement.PublicKey) {
        self.signingBytes = Array(signing.rawRepresentation)
        self.agreementBytes = Array(agreement.rawRepresentation)
    }

    /// Parses the base64 raw representations used in configuration files.
    public init(signingBase64: String, agreementBase64: String) throws(FederationError) {
        guard let signingBytes = Data(base64Encoded: signingBase64),
            let signing = try? Curve25519.Signing.PublicKey(rawRepresentation: signingBytes)
        else { throw FederationError(.invalidConfiguration, key: "signingKey", "not a base64 Ed25519 public key") }
        guard let agreementBytes = Data(base64Encoded: agreementBase64),
            let agreement = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: agreementBytes)
        else { throw FederationError(.invalidConfiguration, key: "agreementKey", "not a base64 X25519 public key") }
        self.init(signing: signing, agreement: agreement)
    }

    // Valid when stored, see the initialisers.
    public var signing: Curve25519.Signing.PublicKey { try! .init(rawRepresentation: self.signingBytes) }
    public var agreement: Curve25519.KeyAgreement.PublicKey { try! .init(rawRepresentation: self.agreementBytes) }

    /// The Ed25519 key, base64 of its 32 raw bytes.
    public var signingBase64: String { Data(self.signingBytes).base64EncodedString() }
    /// The X25519 key, base64 of its 32 raw bytes.
    public var agreementBase64: String { Data(self.agreementBytes).base64EncodedString() }

    public var description: String { "signing \(self.signingBase64), agreement \(self.agreementBase64)" }
}
