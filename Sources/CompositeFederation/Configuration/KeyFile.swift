import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A node's key file: its name and the base64 raw bytes of its Ed25519 and X25519 private keys, as YAML.
///
/// ```yaml
/// node: site-a
/// signingKey: <base64, 32 bytes>
/// agreementKey: <base64, 32 bytes>
/// ```
/// Written with permissions 0600. Errors about it name the file and key, never the value.
public enum KeyFile {
    /// Reads a key file; returns the node name and its keys.
    public static func load(path: String) throws(FederationError) -> (node: String, keys: NodePrivateKeys) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw FederationError(.invalidConfiguration, file: path, "cannot be read")
        }
        return try Self.parse(text, file: path)
    }

    /// Parses the text of a key file.
    public static func parse(_ text: String, file: String) throws(FederationError) -> (
        node: String, keys: NodePrivateKeys
    ) {
        let root = try ConfigurationNode.parse(text, file: file)
        let members = try root.members(allowed: ["node", "signingKey", "agreementKey"])
        let node = try root.required("node", in: members).text()
        let signing = try root.required("signingKey", in: members)
        let agreement = try root.required("agreementKey", in: members)
        guard let signingBytes = signing.string.flatMap({ Data(base64Encoded: $0) }), signingBytes.count == 32 else {
            throw signing.error("expected the base64 of a 32-byte Ed25519 private key")
        }
        guard let agreementBytes = agreement.string.flatMap({ Data(base64Encoded: $0) }), agreementBytes.count == 32
        else { throw agreement.error("expected the base64 of a 32-byte X25519 private key") }
        guard let keys = NodePrivateKeys(signingRaw: signingBytes, agreementRaw: agreementBytes) else {
            throw root.error("the keys are not valid Curve25519 private keys")
        }
        return (node, keys)
    }

    /// The text of a key file for `node`.
    public static func text(node: String, keys: NodePrivateKeys) -> String {
        "node: \(node)\nsigningKey: \(keys.signingBase64)\nagreementKey: \(keys.agreementBase64)\n"
    }

    /// Writes a new key file readable by its owner only; refuses to overwrite anything already at `path`.
    ///
    /// The file is created by `open(2)` with `O_CREAT | O_EXCL` and mode 0600, so it is never readable by others, not
    /// even for a moment, and a file or link that appears at `path` (however late) is never replaced.
    public static func write(node: String, keys: NodePrivateKeys, to path: String) throws(FederationError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            let code = errno
            guard code != EEXIST else {
                throw FederationError(.invalidConfiguration, file: path, "already exists; not overwriting a key file")
            }
            throw FederationError(
                .invalidConfiguration,
                file: path,
                "cannot be created: \(String(cString: strerror(code)))"
            )
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            // The umask can only take bits away; make the mode exactly owner read and write.
            guard fchmod(descriptor, mode_t(0o600)) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
            }
            try handle.write(contentsOf: Data(Self.text(node: node, keys: keys).utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            // The file is ours (O_EXCL): a half-written key file must not be left behind.
            try? handle.close()
            unlink(path)
            throw FederationError(.invalidConfiguration, file: path, "cannot be written: \(error.localizedDescription)")
        }
    }

    /// The participant entry other nodes put under `participants:` in their configuration.
    public static func participantEntry(node: String, role: FederationConfiguration.Role, keys: NodePublicKeys)
        -> String
    {
        "  \(node):\n    role: \(role.rawValue)\n"
            + "    signingKey: \(keys.signingBase64)\n    agreementKey: \(keys.agreementBase64)\n"
    }
}
