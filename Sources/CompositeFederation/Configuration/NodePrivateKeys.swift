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
