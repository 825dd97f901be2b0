public import CompositeCore

/// The messages a node has verified and stored, with their read status. A value type: the node actor owns one.
///
/// **Bounded per sender.** A participant may send messages in categories nobody reads; they would stay unread for
/// good. So each sender may hold at most ``Limits/messagesPerSender`` messages and ``Limits/bytesPerSender`` bytes of
/// bodies (as JSON): storing past either drops that sender's oldest messages, read ones first, and counts them in
/// ``dropped``. A flooding sender only ever pushes out its own messages.
public struct FederationInbox: Sendable {
    /// Which messages ``clear(status:olderThanMilliseconds:now:)`` removes.
    public enum ClearStatus: String, Sendable, Hashable {
        case unread
        case read
        case all
    }

    /// What one sender may hold.
    public struct Limits: Sendable, Hashable {
        public var messagesPerSender: Int
        public var bytesPerSender: Int

        /// 1,000 messages and 64 MiB per sender: far beyond a summary round (a request, a reply and receipts), far
        /// below what would strain a node.
        public init(messagesPerSender: Int = 1_000, bytesPerSender: Int = 64 * 1024 * 1024) {
            self.messagesPerSender = messagesPerSender
            self.bytesPerSender = bytesPerSender
        }
    }

    private struct Entry: Sendable {
        var message: FederationMessage
        /// The body's size as JSON, counted against the sender's bytes.
        var size: Int
    }

    public let limits: Limits
    private var entries: [Entry] = []
    /// Messages dropped to keep within ``limits``, per sender.
    public private(set) var dropped: [String: Int] = [:]

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Arrival order.
    public var messages: [FederationMessage] { self.entries.map(\.message) }

    /// Stores a delivered message, dropping the sender's oldest messages beyond ``limits``.
    public mutating func store(_ message: FederationMessage) {
        self.entries.append(Entry(message: message, size: JSONWriter.encode(message.body).count))
        let sender = message.sender
        var count = 0
        var bytes = 0
        for entry in self.entries where entry.message.sender == sender {
            count += 1
            bytes += entry.size
        }
        while count > self.limits.messagesPerSender || bytes > self.limits.bytesPerSender {
            let senders = self.entries.indices.filter { self.entries[$0].message.sender == sender }
            guard let index = senders.first(where: { self.entries[$0].message.status == .read }) ?? senders.first
            else { break }
            count -= 1
            bytes -= self.entries[index].size
            self.entries.remove(at: index)
            self.dropped[sender, default: 0] += 1
        }
    }

    /// The messages with `status`, in arrival order.
    public func messages(status: FederationMessage.Status) -> [FederationMessage] {
        self.entries.map(\.message).filter { $0.status == status }
    }

    /// Whether an unread message of `category` (and, when given, with id or reply link `messageID`) is there from
    /// every one of `senders`.
    public func hasUnread(from senders: [String], category: String, messageID: String?) -> Bool {
        senders.allSatisfy { sender in
            self.entries.contains { Self.matches($0.message, sender: sender, category: category, messageID: messageID) }
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
        for index in self.entries.indices {
            let message = self.entries[index].message
            guard senders.contains(message.sender),
                Self.matches(message, sender: message.sender, category: category, messageID: messageID)
            else { continue }
            self.entries[index].message.status = .read
            result[message.sender, default: []].append(self.entries[index].message)
        }
        return result
    }

    /// Deletes the messages with these ids; returns how many were deleted.
    public mutating func delete(_ ids: Set<String>) -> Int {
        let before = self.entries.count
        self.entries.removeAll { ids.contains($0.message.id) }
        return before - self.entries.count
    }

    /// Deletes the messages with `status` received at least `olderThanMilliseconds` before `now` (any age when
    /// `nil`); returns how many were deleted.
    public mutating func clear(status: ClearStatus, olderThanMilliseconds: Int64?, now: Timestamp) -> Int {
        let before = self.entries.count
        self.entries.removeAll { entry in
            let message = entry.message
            let statusMatches = status == .all || message.status.rawValue == status.rawValue
            let ageMatches = olderThanMilliseconds.map {
                now.millisecondsSinceEpoch - message.receivedAt.millisecondsSinceEpoch >= $0
            }
            return statusMatches && (ageMatches ?? true)
        }
        return before - self.entries.count
    }

    static func matches(_ message: FederationMessage, sender: String, category: String, messageID: String?) -> Bool {
        message.status == .unread && message.sender == sender && message.category == category
            && (messageID.map { message.id == $0 || message.inReplyTo == $0 } ?? true)
    }
}
