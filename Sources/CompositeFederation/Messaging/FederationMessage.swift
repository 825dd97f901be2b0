public import CompositeCore

/// A verified message in a node's inbox, its body already decrypted when it was sealed for this node.
public struct FederationMessage: Sendable, Hashable {
    /// Read or not: ``FederationNode/awaitMessages(from:category:messageID:timeout:)`` marks what it returns as read.
    public enum Status: String, Sendable, Hashable {
        case unread
        case read
    }

    public var id: String
    public var sender: String
    public var category: String
    /// The body, decrypted when it was sealed.
    public var body: JSONValue
    /// Whether the body travelled sealed for the recipients.
    public var encrypted: Bool
    /// The sender's signed timestamp.
    public var sentAt: Timestamp
    /// This node's clock when the message was verified and stored.
    public var receivedAt: Timestamp
    /// The id of the message this one answers.
    public var inReplyTo: String?
    public var status: Status = .unread

    public init(
        id: String,
        sender: String,
        category: String,
        body: JSONValue,
        encrypted: Bool,
        sentAt: Timestamp,
        receivedAt: Timestamp,
        inReplyTo: String? = nil,
        status: Status = .unread
    ) {
        self.id = id
        self.sender = sender
        self.category = category
        self.body = body
        self.encrypted = encrypted
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.inReplyTo = inReplyTo
        self.status = status
    }
}
