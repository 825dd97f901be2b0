import CompositeCore
import CompositeFederation
import Testing

@Suite struct FederationInboxTests {
    func message(_ id: String, from sender: String, _ category: String, at time: Int64, replyTo: String? = nil)
        -> FederationMessage
    {
        FederationMessage(
            id: id,
            sender: sender,
            category: category,
            body: .null,
            encrypted: false,
            sentAt: Timestamp(millisecondsSinceEpoch: time),
            receivedAt: Timestamp(millisecondsSinceEpoch: time),
            inReplyTo: replyTo
        )
    }

    @Test func awaitingTakesMatchingUnreadMessagesPerSenderAndMarksThemRead() {
        var inbox = FederationInbox()
        inbox.store(self.message("1", from: "a", "x", at: 0))
        inbox.store(self.message("2", from: "b", "x", at: 0, replyTo: "q"))
        inbox.store(self.message("3", from: "b", "y", at: 0))
        #expect(inbox.hasUnread(from: ["a", "b"], category: "x", messageID: nil))
        #expect(!inbox.hasUnread(from: ["a", "b"], category: "x", messageID: "q"), "a has no reply to q")
        let taken = inbox.takeUnread(from: ["b", "c"], category: "x", messageID: "q")
        #expect(taken.mapValues { $0.map(\.id) } == ["b": ["2"], "c": []])
        #expect(inbox.messages(status: .read).map(\.id) == ["2"])
        #expect(inbox.messages(status: .unread).map(\.id) == ["1", "3"])
        #expect(!inbox.hasUnread(from: ["b"], category: "x", messageID: nil))
    }

    @Test func clearingSelectsByStatusAndAge() {
        var inbox = FederationInbox()
        inbox.store(self.message("old-unread", from: "a", "x", at: 0))
        inbox.store(self.message("old-read", from: "a", "y", at: 0))
        inbox.store(self.message("new-read", from: "a", "y", at: 9_000))
        _ = inbox.takeUnread(from: ["a"], category: "y", messageID: nil)
        let now = Timestamp(millisecondsSinceEpoch: 10_000)
        #expect(inbox.clear(status: .read, olderThanMilliseconds: 5_000, now: now) == 1)
        #expect(inbox.messages.map(\.id) == ["old-unread", "new-read"])
        #expect(inbox.clear(status: .unread, olderThanMilliseconds: nil, now: now) == 1)
        #expect(inbox.delete(["new-read", "missing"]) == 1)
        #expect(inbox.messages.isEmpty)
    }
}
