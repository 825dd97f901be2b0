import CompositeBroker
public import CompositeCore
import Crypto

extension FederationNode {
    /// Sends one message to several nodes and waits for their signed receipts.
    ///
    /// Each attempt publishes the message (same id, re-signed with a fresh timestamp) to the inbox of every node
    /// that has not acknowledged yet, then waits for receipts. With a total `timeout`, all attempts share it and each
    /// is bounded by `attemptTimeout`; without one, every attempt but the last waits `attemptTimeout` and the last
    /// waits until the receipts arrive or the task is cancelled.
    ///
    /// - Parameters:
    ///   - encrypted: seal the body for `nodes` only (``SealedBody``).
    ///   - inReplyTo: the id of the message this one answers.
    /// - Throws: ``FederationError`` with ``FederationError/Code/unknownNode`` for a node that is not a participant,
    ///   ``FederationError/Code/invalidRecipients`` for an encrypted body without recipients, and
    ///   ``FederationError/Code/messageTooLarge`` when the encoded message exceeds
    ///   ``FederationEnvelope/maximumSize``; broker errors as they come.
    public func send(
        to nodes: [String],
        category: String,
        body: JSONValue,
        encrypted: Bool = false,
        inReplyTo: String? = nil,
        maxAttempts: Int = 1,
        timeout: Duration? = nil,
        attemptTimeout: Duration = .seconds(10)
    ) async throws -> SendResult {
        let recipients = Array(Set(nodes)).sorted()
        for node in recipients where node == self.id || self.configuration.participant(node) == nil {
            throw FederationError(.unknownNode, key: node, "not one of this node's participants")
        }
        let id = Self.randomID()
        let payload: FederationEnvelope.Body
        if encrypted {
            var keys: [String: Curve25519.KeyAgreement.PublicKey] = [:]
            for participant in self.configuration.participants { keys[participant.name] = participant.keys.agreement }
            payload = .sealed(
                try SealedBody.seal(
                    body,
                    messageID: id,
                    sender: self.id,
                    category: category,
                    recipients: recipients,
                    keys: keys
                )
            )
        } else {
            payload = .plain(body)
        }
        let clock = ContinuousClock()
        let overall = timeout.map { clock.now.advanced(by: $0) }
        var pending = recipients
        var attempt = 0
        while !pending.isEmpty, attempt < max(1, maxAttempts) {
            attempt += 1
            if let overall, clock.now >= overall { break }
            var envelope = self.envelope(
                kind: .message,
                to: recipients,
                category: category,
                body: payload,
                id: id,
                inReplyTo: inReplyTo
            )
            try envelope.sign(with: self.keys.signing)
            let bytes = envelope.encoded()
            guard bytes.count <= FederationEnvelope.maximumSize else {
                throw FederationError(
                    .messageTooLarge,
                    key: category,
                    "the message is \(bytes.count) bytes, over the limit of \(FederationEnvelope.maximumSize) bytes;"
                        + " send bulk data another way"
                )
            }
            for node in pending {
                _ = try await self.broker.publish(
                    OutgoingMessage(payload: bytes),
                    to: self.configuration.inboxTopic(for: node)
                )
            }
            let deadline: ContinuousClock.Instant?
            if let overall {
                deadline = min(clock.now.advanced(by: attemptTimeout), overall)
            } else {
                deadline = attempt == max(1, maxAttempts) ? nil : clock.now.advanced(by: attemptTimeout)
            }
            let waiting = pending
            try await self.wait(until: deadline) { node in
                waiting.allSatisfy { node.receipts[id]?.contains($0) ?? false }
            }
            pending = pending.filter { !(self.receipts[id]?.contains($0) ?? false) }
        }
        let acknowledged = recipients.filter { self.receipts[id]?.contains($0) ?? false }
        self.receipts[id] = nil
        return SendResult(messageID: id, acknowledged: acknowledged, notAcknowledged: pending)
    }

    /// Waits until an unread message of `category` has arrived from every one of `senders` (with id or reply link
    /// `messageID`, when given), or `timeout` passes (`nil`: no limit). Returns, per sender, every matching unread
    /// message (an empty list for a sender that sent none) and marks them read.
    public func awaitMessages(
        from senders: [String],
        category: String,
        messageID: String? = nil,
        timeout: Duration? = nil
    ) async throws -> [String: [FederationMessage]] {
        let clock = ContinuousClock()
        do {
            try await self.wait(until: timeout.map { clock.now.advanced(by: $0) }) { node in
                node.inbox.hasUnread(from: senders, category: category, messageID: messageID)
            }
        } catch is CancellationError {
            // Whatever has arrived is still returned.
        }
        return self.inbox.takeUnread(from: senders, category: category, messageID: messageID)
    }

    /// The inbox's messages with `status`, in arrival order.
    public func messages(status: FederationMessage.Status) -> [FederationMessage] {
        self.inbox.messages(status: status)
    }

    /// Deletes messages by id; returns how many were deleted.
    @discardableResult
    public func delete(_ ids: [String]) -> Int {
        self.inbox.delete(Set(ids))
    }

    /// Deletes the messages with `status` that arrived at least `olderThan` ago (any age when `nil`); returns how
    /// many were deleted.
    @discardableResult
    public func clear(status: FederationInbox.ClearStatus, olderThan: Duration? = nil) -> Int {
        let milliseconds = olderThan.map {
            $0.components.seconds * 1_000 + $0.components.attoseconds / 1_000_000_000_000_000
        }
        return self.inbox.clear(status: status, olderThanMilliseconds: milliseconds, now: self.now())
    }

    /// Sends a message, then awaits replies of the same category (carrying its id as `inReplyTo`) from every node
    /// that acknowledged it, for at most `responseTimeout` (`nil`: no limit).
    public func sendAndWaitForResponses(
        to nodes: [String],
        category: String,
        body: JSONValue,
        encrypted: Bool = false,
        maxAttempts: Int = 1,
        timeout: Duration? = nil,
        attemptTimeout: Duration = .seconds(10),
        responseTimeout: Duration? = nil
    ) async throws -> [String: [FederationMessage]] {
        let sent = try await self.send(
            to: nodes,
            category: category,
            body: body,
            encrypted: encrypted,
            maxAttempts: maxAttempts,
            timeout: timeout,
            attemptTimeout: attemptTimeout
        )
        var responses = try await self.awaitMessages(
            from: sent.acknowledged,
            category: category,
            messageID: sent.messageID,
            timeout: responseTimeout
        )
        for node in sent.notAcknowledged { responses[node] = [] }
        return responses
    }

    /// Checks which nodes are up: sends a ready check every `interval` until each has acknowledged or `timeout`
    /// passes. `nodes` defaults to every other participant.
    public func readyCheck(
        nodes: [String]? = nil,
        interval: Duration = .seconds(1),
        timeout: Duration = .seconds(30)
    ) async throws -> [String: Bool] {
        let targets = nodes ?? self.participants.map(\.name)
        let result = try await self.send(
            to: targets,
            category: Self.readyCategory,
            body: .null,
            maxAttempts: Int.max,
            timeout: timeout,
            attemptTimeout: interval
        )
        var ready: [String: Bool] = [:]
        for node in result.acknowledged { ready[node] = true }
        for node in result.notAcknowledged { ready[node] = false }
        return ready
    }

    /// Reports progress, 0...100. Progress only increases: a lower value (or one out of range) is refused with
    /// ``FederationError/Code/invalidProgress`` and the previous value stays.
    public func reportProgress(_ value: Int) throws(FederationError) {
        guard (0...100).contains(value) else {
            throw FederationError(.invalidProgress, key: self.id, "progress must be from 0 to 100, got \(value)")
        }
        guard value >= self.progress else {
            throw FederationError(
                .invalidProgress,
                key: self.id,
                "progress only increases: \(value) is below the current \(self.progress)"
            )
        }
        self.progress = value
    }

    /// Tells every other participant that this node's analysis is finished, then marks it finished.
    @discardableResult
    public func analysisFinished(timeout: Duration = .seconds(30)) async throws -> SendResult {
        let result = try await self.send(
            to: self.participants.map(\.name),
            category: Self.finishedCategory,
            body: .null,
            maxAttempts: 3,
            timeout: timeout,
            attemptTimeout: .seconds(5)
        )
        self.progress = 100
        self.isFinished = true
        return result
    }

    /// Polls `condition` on the actor until it holds or `deadline` (`nil`: none) passes.
    func wait(
        until deadline: ContinuousClock.Instant?,
        _ condition: (isolated FederationNode) -> Bool
    ) async throws {
        let clock = ContinuousClock()
        while !condition(self) {
            if let deadline, clock.now >= deadline { return }
            try await Task.sleep(for: Self.pollInterval)
        }
    }
}
