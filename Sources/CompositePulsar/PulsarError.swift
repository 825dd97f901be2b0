/// The Pulsar client's error: what failed, where, and the broker's own words when it sent any.
///
/// Never carries credentials: the token is not part of any message here.
public struct PulsarError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Hashable {
        /// A frame or message could not be decoded (bad checksum, truncated field, oversized frame).
        case malformed
        /// The service URL or a broker URL is not a `pulsar://` or `pulsar+ssl://` URL.
        case invalidURL
        /// The TCP or TLS connection failed or was closed.
        case connectionFailed
        /// The broker refused authentication.
        case authenticationFailed
        /// The broker answered a request with an error.
        case server
        /// A request got no answer in time.
        case timeout
        /// The client, producer or consumer was closed.
        case closed
        /// A message, with its metadata and properties, is larger than the broker's `maxMessageSize`.
        case messageTooLarge
    }

    public var code: Code
    public var reason: String
    /// The topic concerned, when there is one.
    public var topic: String?
    /// The broker's `ServerError` name when it sent one.
    public var serverError: String?

    public init(_ code: Code, _ reason: String, topic: String? = nil, serverError: String? = nil) {
        self.code = code
        self.reason = reason
        self.topic = topic
        self.serverError = serverError
    }

    static func malformed(_ reason: String) -> PulsarError { PulsarError(.malformed, reason) }

    /// Whether a fresh connection, lookup and retry can succeed.
    public var isRetriable: Bool {
        switch self.code {
        case .connectionFailed, .timeout: true
        case .server: self.retriableServerError
        case .malformed, .invalidURL, .authenticationFailed, .closed, .messageTooLarge: false
        }
    }

    var retriableServerError = false

    public var description: String {
        var text = "pulsar \(self.code)"
        if let serverError { text += " (\(serverError))" }
        if let topic { text += " on \(topic)" }
        return text + ": " + self.reason
    }
}

extension PulsarError {
    /// A broker `ERROR` or `SEND_ERROR` answer.
    init(server error: ServerError, message: String, topic: String?) {
        self.init(
            error == .authenticationError || error == .authorizationError ? .authenticationFailed : .server,
            message.isEmpty ? "the broker refused the request" : message,
            topic: topic,
            serverError: "\(error)"
        )
        self.retriableServerError = error.isRetriable
    }
}
