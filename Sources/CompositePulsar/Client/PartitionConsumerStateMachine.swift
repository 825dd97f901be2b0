import CompositeCore

/// The bookkeeping of one partition subscription, as a value: subscription epochs, flow permits, individual and
/// batch acknowledgements, acknowledgements kept while disconnected, the delivery order and the caught-up question.
///
/// It performs no I/O. Each input returns what to send for the subscription's broker consumer; ``PartitionConsumer``
/// owns the connection, sends it, and feeds the machine what the connection and the application do.
struct PartitionConsumerStateMachine {
    struct EntryKey: Hashable {
        var ledgerID: UInt64
        var entryID: UInt64
    }

    /// Which indexes of a batched entry the application has acknowledged; the entry is acknowledged when all are.
    struct BatchProgress: Equatable {
        var size: Int
        var acknowledged: Set<Int32>
    }

    /// A command to write on the current connection, for broker consumer `consumerID`.
    enum Action: Equatable {
        case sendFlow(consumerID: UInt64, permits: UInt32)
        case sendAck(consumerID: UInt64, entries: [MessageIDData])
    }

    /// What became of an entry the broker delivered.
    struct Arrival: Equatable {
        /// The messages to hand to the application, in order.
        var fresh: [MessageID]
        /// Acknowledgements and permits to send.
        var actions: [Action]
    }

    /// The answer to "has the application taken everything stored?", once the broker named its last message.
    enum CaughtUpAnswer: Equatable {
        case caughtUp
        /// Not yet; `sendProbe` when a probe message should be published (none is outstanding).
        case notCaughtUp(sendProbe: Bool, highestTaken: MessageID?)
    }

    let partition: Int32
    let receiverQueueSize: Int
    /// Bumped by every subscription and every stop: deliveries and permits of an older one are stale.
    private(set) var epoch = 0
    private(set) var consumerID: UInt64 = 0
    private(set) var isConnected = false
    private(set) var isClosed = false
    private var credits = 0
    private var acknowledged: AcknowledgedSet
    private(set) var unsentAcknowledgements: [MessageIDData] = []
    private(set) var batches: [EntryKey: BatchProgress] = [:]
    /// What the application has taken since this subscription began, and whether it came in order.
    private var order = DeliveryOrder()
    /// Set when the broker did not answer `GET_LAST_MESSAGE_ID` (pulsar-lite ignores it): never caught up then.
    private(set) var lastMessageIDUnanswered = false
    /// A caught-up probe was published and has not been taken yet.
    private(set) var probeOutstanding = false

    init(partition: Int32, receiverQueueSize: Int, acknowledgedCapacity: Int = 200_000) {
        self.partition = partition
        self.receiverQueueSize = max(2, receiverQueueSize)
        self.acknowledged = AcknowledgedSet(capacity: acknowledgedCapacity)
    }

    // MARK: - Subscription

    /// A subscription starts: returns its epoch.
    mutating func subscribing() -> Int {
        self.epoch += 1
        return self.epoch
    }

    /// The broker accepted the subscription as consumer `consumerID`: the acknowledgements kept while disconnected
    /// go first, then a full receiver queue of permits.
    mutating func subscribed(consumerID: UInt64) -> [Action] {
        self.consumerID = consumerID
        self.isConnected = true
        self.credits = 0
        var actions: [Action] = []
        if !self.unsentAcknowledgements.isEmpty {
            actions.append(.sendAck(consumerID: consumerID, entries: self.unsentAcknowledgements))
            self.unsentAcknowledgements = []
        }
        actions.append(.sendFlow(consumerID: consumerID, permits: UInt32(self.receiverQueueSize)))
        return actions
    }

    /// The connection of subscription `epoch` dropped. Returns whether to subscribe again (the current one, still
    /// open).
    mutating func disconnected(epoch: Int) -> Bool {
        guard epoch == self.epoch, !self.isClosed else { return false }
        self.isConnected = false
        return true
    }

    /// Ends the current broker consumer without closing; returns its id when it was connected. Later deliveries of
    /// it are stale; ``restarted()`` then subscribes afresh.
    mutating func stop() -> UInt64? {
        self.epoch += 1
        defer { self.isConnected = false }
        return self.isConnected ? self.consumerID : nil
    }

    /// A new subscription after ``stop()`` starts with the delivery order forgotten.
    mutating func restarted() {
        self.order.reset()
        self.probeOutstanding = false
    }

    /// Closes for good; returns the broker consumer's id when it was connected.
    mutating func close() -> UInt64? {
        self.isClosed = true
        defer { self.isConnected = false }
        return self.isConnected ? self.consumerID : nil
    }

    // MARK: - Deliveries

    /// A batched entry arrived: `alreadyAcknowledged` are the indexes the broker marked acknowledged (or compacted
    /// out), which count toward the entry's acknowledgement.
    mutating func batchArrived(ledgerID: UInt64, entryID: UInt64, size: Int, alreadyAcknowledged: Set<Int32>) {
        let key = EntryKey(ledgerID: ledgerID, entryID: entryID)
        var progress = self.batches[key] ?? BatchProgress(size: size, acknowledged: [])
        progress.acknowledged.formUnion(alreadyAcknowledged)
        self.batches[key] = progress
    }

    /// The messages of one entry of subscription `epoch` arrived (`skipped`: batch indexes left out). Messages
    /// acknowledged before are acknowledged again instead of handed on; their permits and the skipped ones' come
    /// back. Returns `nil` for a stale subscription's entry: it comes again, in order, to the current one.
    mutating func entryArrived(
        _ ids: [MessageID],
        skipped: Int,
        ledgerID: UInt64,
        entryID: UInt64,
        epoch: Int,
        connectionActive: Bool
    ) -> Arrival? {
        guard epoch == self.epoch else { return nil }
        let redelivered = ids.filter { self.acknowledged.contains($0) }
        var actions: [Action] = []
        if !redelivered.isEmpty, let ack = self.acknowledge(redelivered, connectionActive: connectionActive) {
            actions.append(ack)
        }
        let known = Set(redelivered)
        let fresh = redelivered.isEmpty ? ids : ids.filter { !known.contains($0) }
        if fresh.isEmpty {
            // Nothing of this entry is left for the application: it counts as taken, for the caught-up question.
            self.order.passed(
                MessageID(ledgerId: ledgerID, entryId: entryID, partition: self.partition, batchIndex: .max)
            )
        }
        if skipped + redelivered.count > 0, let flow = self.returnPermits(skipped + redelivered.count, epoch: epoch) {
            actions.append(flow)
        }
        return Arrival(fresh: fresh, actions: actions)
    }

    /// The application took message `id` of subscription `epoch`: whether it came in order, and its permit.
    mutating func taken(_ id: MessageID, epoch: Int) -> (verdict: DeliveryOrder.Verdict, action: Action?) {
        let verdict = self.order.take(id, acknowledgedBefore: self.acknowledged.contains(id))
        return (verdict, self.returnPermits(1, epoch: epoch))
    }

    /// `count` messages left the receiver queue: permits go back in halves of the queue.
    mutating func returnPermits(_ count: Int, epoch: Int) -> Action? {
        guard epoch == self.epoch, self.isConnected else { return nil }
        self.credits += count
        guard self.credits >= self.receiverQueueSize / 2 else { return nil }
        defer { self.credits = 0 }
        return .sendFlow(consumerID: self.consumerID, permits: UInt32(self.credits))
    }

    // MARK: - Acknowledgements

    /// Acknowledges messages individually; a batched entry is acknowledged when all its messages are. Without an
    /// active connection the entries wait for the next subscription.
    mutating func acknowledge(_ ids: [MessageID], connectionActive: Bool) -> Action? {
        var entries: [MessageIDData] = []
        for id in ids {
            self.acknowledged.insert(id)
            self.order.acknowledged(id)
            let wire = MessageIDData(ledgerID: id.ledgerId, entryID: id.entryId, partition: self.partition)
            guard id.batchIndex >= 0 else {
                entries.append(wire)
                continue
            }
            let key = EntryKey(ledgerID: id.ledgerId, entryID: id.entryId)
            guard var progress = self.batches[key] else {
                // The batch's progress was already completed and forgotten: acknowledge the entry again.
                entries.append(wire)
                continue
            }
            progress.acknowledged.insert(id.batchIndex)
            if progress.acknowledged.count >= progress.size {
                self.batches[key] = nil
                entries.append(wire)
            } else {
                self.batches[key] = progress
            }
        }
        guard !entries.isEmpty else { return nil }
        guard self.isConnected, connectionActive else {
            self.unsentAcknowledgements += entries
            return nil
        }
        return .sendAck(consumerID: self.consumerID, entries: entries)
    }

    /// A probe was taken: everything stored before it has been taken. It is acknowledged and never handed on.
    mutating func probeTaken(_ id: MessageID, connectionActive: Bool) -> Action? {
        self.probeOutstanding = false
        return self.acknowledge([id], connectionActive: connectionActive)
    }

    // MARK: - Caught up

    /// Whether the broker can be asked for its last message id now; a broker that never answered is not asked again.
    func mayAskForLastMessageID(connectionActive: Bool) -> Bool {
        !self.lastMessageIDUnanswered && self.isConnected && connectionActive
    }

    /// `GET_LAST_MESSAGE_ID` timed out: the broker does not support it, and the partition never counts as caught up.
    mutating func lastMessageIDUnansweredInTime() {
        self.lastMessageIDUnanswered = true
    }

    /// The broker's last stored message (`nil`: the partition is empty). Apache Pulsar delivers an Exclusive or
    /// Failover subscription in order, redeliveries first, so having taken the last message (or a later probe)
    /// means having taken them all; otherwise one probe is asked for until it is taken.
    mutating func lastMessageID(_ stored: MessageID?) -> CaughtUpAnswer {
        guard let stored, !self.order.hasTaken(upTo: stored) else { return .caughtUp }
        defer { self.probeOutstanding = true }
        return .notCaughtUp(sendProbe: !self.probeOutstanding, highestTaken: self.order.highestTaken)
    }

    /// Publishing the probe failed: the next question asks for one again.
    mutating func probeFailed() {
        self.probeOutstanding = false
    }
}
