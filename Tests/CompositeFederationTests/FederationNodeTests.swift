import CompositeBroker
import CompositeCore
import CompositeFederation
import Testing

@Suite(.timeLimit(.minutes(2))) struct FederationNodeTests {
    @Test(arguments: TestBroker.allCases)
    func threeNodesExchangeMessagesWithReceipts(_ kind: TestBroker) async throws {
        let federation = TestFederation()
        let broker = try kind.make()
        let nodes = try federation.nodes(broker: broker)
        let (a, b, c) = (nodes[0], nodes[1], nodes[2])
        #expect(a.role == .aggregator && b.role == .default)
        #expect(a.participants.map(\.name) == ["site-b", "site-c"])
        try await withRunning(nodes) {
            let ready = try await a.readyCheck(interval: .milliseconds(200), timeout: Wait.bound)
            #expect(ready == ["site-b": true, "site-c": true])

            let sent = try await a.send(
                to: ["site-b", "site-c"],
                category: "question",
                body: .string("ready?"),
                timeout: Wait.bound,
                attemptTimeout: Wait.bound
            )
            #expect(sent.acknowledged == ["site-b", "site-c"] && sent.notAcknowledged.isEmpty)

            // b and c answer; a awaits both and the replies are marked read.
            for node in [b, c] {
                let question = try await node.awaitMessages(
                    from: ["site-a"],
                    category: "question",
                    timeout: Wait.bound
                )
                let message = try #require(question["site-a"]?.first)
                #expect(message.body == .string("ready?"))
                _ = try await node.send(
                    to: ["site-a"],
                    category: "question",
                    body: .string("yes from \(node.id)"),
                    encrypted: true,
                    inReplyTo: message.id,
                    timeout: Wait.bound
                )
            }
            let answers = try await a.awaitMessages(
                from: ["site-b", "site-c"],
                category: "question",
                messageID: sent.messageID,
                timeout: Wait.bound
            )
            #expect(answers["site-b"]?.map(\.body) == [.string("yes from site-b")])
            #expect(answers["site-c"]?.first?.encrypted == true)
            #expect(await a.messages(status: .unread).isEmpty)
            #expect(await a.messages(status: .read).count == 2)

            // sendAndWaitForResponses: c answers b's request.
            async let responses = b.sendAndWaitForResponses(
                to: ["site-c"],
                category: "ping",
                body: .null,
                timeout: Wait.bound,
                responseTimeout: Wait.bound
            )
            let ping = try await c.awaitMessages(from: ["site-b"], category: "ping", timeout: Wait.bound)
            let request = try #require(ping["site-b"]?.first)
            _ = try await c.send(to: ["site-b"], category: "ping", body: .string("pong"), inReplyTo: request.id)
            #expect(try await responses["site-c"]?.map(\.body) == [.string("pong")])

            // Deleting and clearing.
            #expect(await a.delete([answers["site-b"]![0].id, "unknown"]) == 1)
            #expect(await a.clear(status: .unread) == 0)
            #expect(await a.clear(status: .read, olderThan: .seconds(3_600)) == 0)
            #expect(await a.clear(status: .all) == 1)

            // Progress only increases; analysis finished reaches the others.
            try await a.reportProgress(40)
            await #expect(throws: FederationError.self) { try await a.reportProgress(30) }
            await #expect(throws: FederationError.self) { try await a.reportProgress(101) }
            #expect(await a.progress == 40)
            let finished = try await a.analysisFinished(timeout: Wait.bound)
            #expect(finished.acknowledged == ["site-b", "site-c"])
            #expect(await a.isFinished)
            #expect(await a.progress == 100)
            #expect(await b.finishedParticipants == ["site-a"])
        }
        // Ready checks retry every 200 ms; on a busy machine a retry can reach a node before its receipt went back,
        // and is then (correctly) counted as a replay. Nothing else may be rejected.
        for node in nodes {
            let rejections = await node.rejections
            #expect(rejections.keys.allSatisfy { $0 == .replay }, "\(node.id): \(rejections)")
        }
    }

    @Test(arguments: TestBroker.allCases)
    func aLostReceiptIsRecoveredByRetryingWithoutDeliveringTwice(_ kind: TestBroker) async throws {
        let federation = TestFederation()
        let broker = ReceiptDroppingBroker(base: try kind.make(), dropping: 1)
        let nodes = try federation.nodes(broker: broker)
        try await withRunning(nodes) {
            let sent = try await nodes[0].send(
                to: ["site-b"],
                category: "work",
                body: .number(.integer(7)),
                maxAttempts: 3,
                timeout: Wait.bound,
                // Long enough for a receipt on a loaded machine: the first attempt's receipt is dropped, so this only
                // sets when the retry goes out; short ones let every attempt expire before its receipt (seen under load).
                attemptTimeout: .seconds(8)
            )
            #expect(sent.acknowledged == ["site-b"])
            #expect(await nodes[1].messages(status: .unread).map(\.body) == [.number(.integer(7))])
            // The retry arrived as a replay: counted, answered, not delivered again.
            let rejections = await nodes[1].rejections
            #expect(rejections.keys.sorted() == [.replay] && rejections[.replay]! >= 1)
        }
    }

    @Test func messagesWaitInTheBrokerForANodeThatStartsLate() async throws {
        let federation = TestFederation()
        let broker = try TestBroker.embedded.make()
        let a = try federation.node("site-a", broker: broker)
        try await withRunning([a]) {
            // b is down: the message waits, unacknowledged, on its inbox topic. (No receipt can come from a node that
            // is not running, so the short timeout only bounds how long this takes, never the verdict.)
            let first = try await a.send(
                to: ["site-b"],
                category: "work",
                body: .string("queued"),
                timeout: .milliseconds(300)
            )
            #expect(first.notAcknowledged == ["site-b"])
            // b starts (a fresh process would do the same) and the next message is acknowledged; the queued one is
            // delivered too, since it was never acknowledged on the broker.
            let b = try federation.node("site-b", broker: broker)
            try await withRunning([b]) {
                let second = try await a.send(
                    to: ["site-b"],
                    category: "work",
                    body: .string("live"),
                    timeout: Wait.bound
                )
                #expect(second.acknowledged == ["site-b"])
                let received = try await b.awaitMessages(from: ["site-a"], category: "work", timeout: Wait.bound)
                #expect(received["site-a"]?.map(\.body) == [.string("queued"), .string("live")])
            }
        }
    }

    @Test func aNodeThatNeverAcknowledgesIsReportedAfterAllAttempts() async throws {
        let federation = TestFederation()
        let broker = InMemoryBroker()
        let nodes = try federation.nodes(broker: broker)
        // Only a and b run; c is down. c's verdict costs the whole timeout, so it is as short as b's receipt allows
        // on a loaded machine: a late receipt from the first attempt still counts during the second, so b has all
        // 20 s; the ready check runs alongside, not after, and retries b every second for 15 s.
        let (sent, ready) = try await withRunning([nodes[0], nodes[1]]) {
            async let sent = nodes[0].send(
                to: ["site-b", "site-c"],
                category: "work",
                body: .null,
                maxAttempts: 2,
                timeout: .seconds(20),
                attemptTimeout: .seconds(10)
            )
            async let ready = nodes[0].readyCheck(interval: .seconds(1), timeout: .seconds(15))
            return try await (sent, ready)
        }
        #expect(sent.acknowledged == ["site-b"] && sent.notAcknowledged == ["site-c"])
        #expect(ready == ["site-b": true, "site-c": false])
        // Reported only after all attempts: both went to c's inbox, the same message each time.
        let inbox = federation.configurations["site-c"]!.inboxTopic(for: "site-c")
        let attempts = try broker.publishedMessages.filter { $0.topic == inbox }
            .map { try FederationEnvelope.decode($0.payload) }
            .filter { $0.category == "work" }
        #expect(attempts.map(\.id) == [sent.messageID, sent.messageID])
    }

    @Test(arguments: TestBroker.allCases)
    func tamperedReplayedAndUnknownMessagesAreRejectedAndCounted(_ kind: TestBroker) async throws {
        let federation = TestFederation()
        let broker = try kind.make()
        let now = FederationNode.systemClock()
        // The nodes' clock stands still: "stale" and "fresh" do not depend on how long the machine takes.
        let nodes = try federation.names.map { try federation.node($0, broker: broker, now: { now }) }
        let inbox = federation.configurations["site-b"]!.inboxTopic(for: "site-b")
        func envelope(from sender: String, keys: NodePrivateKeys, id: String) throws -> FederationEnvelope {
            var envelope = FederationEnvelope(
                id: id,
                sender: sender,
                recipients: ["site-b"],
                category: "work",
                timestamp: now,
                sequence: 1,
                body: .plain(.string("payload"))
            )
            try envelope.sign(with: keys.signing)
            return envelope
        }
        let genuine = try envelope(from: "site-a", keys: federation.keys["site-a"]!, id: "genuine")
        var tampered = try envelope(from: "site-a", keys: federation.keys["site-a"]!, id: "tampered")
        tampered.body = .plain(.string("changed"))
        let stranger = try envelope(from: "site-x", keys: NodePrivateKeys.generate(), id: "stranger")
        var stale = try envelope(from: "site-c", keys: federation.keys["site-c"]!, id: "stale")
        stale.timestamp = now.adding(milliseconds: -3_600_000)
        try stale.sign(with: federation.keys["site-c"]!.signing)
        for bytes in [genuine.encoded(), tampered.encoded(), genuine.encoded(), stranger.encoded(), stale.encoded()] {
            _ = try await broker.publish(OutgoingMessage(payload: bytes), to: inbox)
        }
        try await withRunning(nodes) {
            let received = try await nodes[1].awaitMessages(from: ["site-a"], category: "work", timeout: Wait.bound)
            #expect(received["site-a"]?.map(\.id) == ["genuine"])
            try await Wait.until("four rejections") { await nodes[1].rejections.values.reduce(0, +) >= 4 }
            #expect(await nodes[1].rejections == [.badSignature: 1, .replay: 1, .unknownSender: 1, .stale: 1])
            #expect(await nodes[1].messages(status: .unread).isEmpty)
        }
    }

    @Test func anEncryptedMessageCannotBeReadByANodeItWasNotSealedFor() async throws {
        let federation = TestFederation()
        let broker = InMemoryBroker()
        let nodes = try federation.nodes(broker: broker)
        try await withRunning(nodes) {
            _ = try await nodes[0].send(
                to: ["site-b"],
                category: "secret",
                body: .string("for b only"),
                encrypted: true,
                timeout: Wait.bound
            )
        }
        // c copies the ciphertext from b's inbox topic into its own: it is not addressed to c, and even with the
        // recipient list rewritten the sealed body holds no key c can open (and the signature breaks).
        let copy = try #require(broker.publishedMessages.first { $0.topic.hasSuffix("site-b-inbox") })
        var envelope = try FederationEnvelope.decode(copy.payload)
        guard case .sealed(let sealed) = envelope.body else {
            Issue.record("expected a sealed body")
            return
        }
        #expect(!String(decoding: copy.payload, as: UTF8.self).contains("for b only"))
        let keys = federation.keys["site-c"]!
        #expect(
            sealed.open(
                as: "site-c",
                with: keys.agreement,
                messageID: envelope.id,
                sender: "site-a",
                category: "secret"
            ) == nil
        )
        envelope.recipients = ["site-c"]
        let inboxC = federation.configurations["site-c"]!.inboxTopic(for: "site-c")
        _ = try await broker.publish(OutgoingMessage(payload: copy.payload), to: inboxC)
        _ = try await broker.publish(OutgoingMessage(payload: envelope.encoded()), to: inboxC)
        try await withRunning([nodes[2]]) {
            try await Wait.until("two rejections") { await nodes[2].rejections.values.reduce(0, +) >= 2 }
        }
        #expect(await nodes[2].rejections == [.notAddressed: 1, .badSignature: 1])
        #expect(await nodes[2].messages(status: .unread).isEmpty)
    }

    @Test func oversizedMessagesAndUnknownRecipientsAreRefusedAtSendTime() async throws {
        let federation = TestFederation()
        let broker = InMemoryBroker()
        let node = try federation.node("site-a", broker: broker)
        let big = JSONValue.string(String(repeating: "x", count: FederationEnvelope.maximumSize))
        await #expect {
            try await node.send(to: ["site-b"], category: "bulk", body: big)
        } throws: { ($0 as? FederationError)?.code == .messageTooLarge }
        await #expect {
            try await node.send(to: ["site-z"], category: "x", body: .null)
        } throws: { ($0 as? FederationError)?.code == .unknownNode }
        await #expect {
            try await node.send(to: [], category: "x", body: .null, encrypted: true)
        } throws: { ($0 as? FederationError)?.code == .invalidRecipients }
        #expect(broker.publishedMessages.isEmpty)
    }
}
