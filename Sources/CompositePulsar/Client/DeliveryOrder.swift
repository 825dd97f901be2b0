import CompositeCore

/// What one partition consumer has handed to the application, and whether the broker still delivers it in order.
///
/// The engine and the idle check both rely on an Exclusive or Failover subscription delivering each topic in order,
/// a reconnected consumer's redeliveries first (Apache Pulsar rewinds the cursor to the mark-delete position when
/// the active consumer changes). A broker that breaks this (pulsar-lite hands a newly active consumer newer messages
/// first and the previous consumer's unacknowledged ones later) shows it as a message that is older than one already
/// taken, yet neither held nor acknowledged by this consumer: a first arrival going backwards. Duplicates of held or
/// acknowledged messages are ordinary redeliveries and are not disorder.
///
/// A value type without I/O, so the rule is tested on its own.
struct DeliveryOrder {
    /// What taking a message means for the order of the partition.
    enum Verdict: Equatable {
        case inOrder
        /// `message` arrived for the first time after the newer `after` had been taken.
        case outOfOrder(message: MessageID, after: MessageID)
    }

    /// The highest message the application has taken since the last reset.
    private(set) var highestTaken: MessageID?
    /// Taken and not yet acknowledged.
    private var held: Set<MessageID> = []

    /// The application took `id`. `acknowledgedBefore` tells whether this consumer acknowledged it already.
    mutating func take(_ id: MessageID, acknowledgedBefore: Bool) -> Verdict {
        defer {
            if !acknowledgedBefore { self.held.insert(id) }
        }
        guard let highest = self.highestTaken, Self.position(of: id) < Self.position(of: highest) else {
            self.highestTaken = id
            return .inOrder
        }
        if acknowledgedBefore || self.held.contains(id) { return .inOrder }
        return .outOfOrder(message: id, after: highest)
    }

    /// An entry whose messages were all left out (acknowledged before) counts as taken: nothing of it is unread.
    mutating func passed(_ id: MessageID) {
        if self.highestTaken.map({ Self.position(of: $0) < Self.position(of: id) }) ?? true { self.highestTaken = id }
    }

    mutating func acknowledged(_ id: MessageID) {
        self.held.remove(id)
    }

    /// Whether everything up to `last` (the broker's last message id) has been taken.
    func hasTaken(upTo last: MessageID) -> Bool {
        guard let highest = self.highestTaken else { return false }
        return Self.position(of: highest) >= Self.position(of: last)
    }

    /// Forgets the order: the next message starts a new in-order run (a fresh subscription after a rewind).
    mutating func reset() {
        self.highestTaken = nil
        self.held = []
    }

    /// The order within one partition; a non-batched message (index -1) sorts before nothing of its own entry.
    private static func position(of id: MessageID) -> (UInt64, UInt64, Int32) {
        (id.ledgerId, id.entryId, id.batchIndex)
    }
}
