public import Crypto
import Foundation

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
