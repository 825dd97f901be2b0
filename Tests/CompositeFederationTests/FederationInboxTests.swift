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

    @Test func aFloodingSenderPushesOutOnlyItsOwnOldestMessagesAndTheyAreCounted() {
        var inbox = FederationInbox()
        #expect(inbox.limits.messagesPerSender == 1_000)
        inbox.store(self.message("a1", from: "alice", "summary", at: 0))
        for index in 0..<1_005 { inbox.store(self.message("m\(index)", from: "mallory", "unread-category", at: 1)) }
        inbox.store(self.message("a2", from: "alice", "summary", at: 2))
        #expect(inbox.messages.count == 1_002)
        #expect(inbox.messages.filter { $0.sender == "mallory" }.first?.id == "m5")
        #expect(inbox.messages(status: .unread).filter { $0.sender == "alice" }.map(\.id) == ["a1", "a2"])
        #expect(inbox.dropped == ["mallory": 5])
    }

    @Test func readMessagesGoFirstAndTheBytesOfBodiesAreBoundedToo() {
        var inbox = FederationInbox(limits: .init(messagesPerSender: 3, bytesPerSender: 100))
        inbox.store(self.message("1", from: "b", "x", at: 0))
        inbox.store(self.message("2", from: "b", "y", at: 0))
        _ = inbox.takeUnread(from: ["b"], category: "y", messageID: nil)
        inbox.store(self.message("3", from: "b", "x", at: 0))
        inbox.store(self.message("4", from: "b", "x", at: 0))
        #expect(inbox.messages.map(\.id) == ["1", "3", "4"], "the read message 2 went first")
        var large = self.message("5", from: "b", "x", at: 0)
        large.body = .string(String(repeating: "z", count: 60))
        inbox.store(large)
        inbox.store(large)
        // Two bodies of 62 bytes exceed 100: only the newest stays.
        #expect(inbox.messages.map(\.id) == ["5"])
        #expect(inbox.dropped == ["b": 5])
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
