/// The federation module's error: what went wrong, with the node, file or key it concerns.
///
/// Messages never contain private key material: key errors name the file and the key's field, not its value.
public struct FederationError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Hashable {
        /// A federation configuration or key file is missing, malformed or inconsistent.
        case invalidConfiguration
        /// A message is larger than ``FederationEnvelope/maximumSize`` once encoded.
        case messageTooLarge
        /// Encrypted data was requested without recipients, or for a node without a known agreement key.
        case invalidRecipients
        /// A node is not one of the configured participants.
        case unknownNode
        /// Progress must stay within 0...100 and may only increase.
        case invalidProgress
        /// A message body could not be sealed, opened or decoded.
        case invalidPayload
        /// Node summaries cannot be combined (different histogram bins, for instance).
        case incompatibleSummaries
    }

    public var code: Code
    /// The file the error is about, for configuration errors.
    public var file: String?
    /// The 1-based line in ``file``, when the file format tells it.
    public var line: Int?
    /// The configuration key (a dotted path such as `participants.site-b.signingKey`) or node the error concerns.
    public var key: String?
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int? = nil, key: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var prefix = ""
        if let file { prefix += self.line.map { "\(file):\($0): " } ?? "\(file): " }
        if let key { prefix += "\(key): " }
        return prefix + self.message
    }
}
