public import CompositeCore

/// The messages a node has verified and stored, with their read status. A value type: the node actor owns one.
public struct FederationInbox: Sendable {
    /// Which messages ``clear(status:olderThanMilliseconds:now:)`` removes.
    public enum ClearStatus: String, Sendable, Hashable {
        case unread
        case read
        case all
    }

    /// Arrival order.
    public private(set) var messages: [FederationMessage] = []

    public init() {}

    /// Stores a delivered message.
    public mutating func store(_ message: FederationMessage) {
        self.messages.append(message)
    }

    /// The messages with `status`, in arrival order.
    public func messages(status: FederationMessage.Status) -> [FederationMessage] {
        self.messages.filter { $0.status == status }
    }

    /// Whether an unread message of `category` (and, when given, with id or reply link `messageID`) is there from
    /// every one of `senders`.
    public func hasUnread(from senders: [String], category: String, messageID: String?) -> Bool {
        senders.allSatisfy { sender in
            self.messages.contains { Self.matches($0, sender: sender, category: category, messageID: messageID) }
        }
    }

    /// Returns the matching unread messages per sender (every sender is a key; no message is an empty list) and
    /// marks them read.
    public mutating func takeUnread(
        from senders: [String],
        category: String,
        messageID: String?
    ) -> [String: [FederationMessage]] {
        var result: [String: [FederationMessage]] = [:]
        for sender in senders { result[sender] = [] }
        for index in self.messages.indices {
            let message = self.messages[index]
            guard senders.contains(message.sender),
                Self.matches(message, sender: message.sender, category: category, messageID: messageID)
            else { continue }
            self.messages[index].status = .read
            result[message.sender, default: []].append(self.messages[index])
        }
        return result
    }

    /// Deletes the messages with these ids; returns how many were deleted.
    public mutating func delete(_ ids: Set<String>) -> Int {
        let before = self.messages.count
        self.messages.removeAll { ids.contains($0.id) }
        return before - self.messages.count
    }

    /// Deletes the messages with `status` received at least `olderThanMilliseconds` before `now` (any age when
    /// `nil`); returns how many were deleted.
    public mutating func clear(status: ClearStatus, olderThanMilliseconds: Int64?, now: Timestamp) -> Int {
        let before = self.messages.count
        self.messages.removeAll { message in
            let statusMatches = status == .all || message.status.rawValue == status.rawValue
            let ageMatches = olderThanMilliseconds.map {
                now.millisecondsSinceEpoch - message.receivedAt.millisecondsSinceEpoch >= $0
            }
            return statusMatches && (ageMatches ?? true)
        }
        return before - self.messages.count
    }

    static func matches(_ message: FederationMessage, sender: String, category: String, messageID: String?) -> Bool {
        message.status == .unread && message.sender == sender && message.category == category
            && (messageID.map { message.id == $0 || message.inReplyTo == $0 } ?? true)
    }
}
