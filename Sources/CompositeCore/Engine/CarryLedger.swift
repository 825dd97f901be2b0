import DequeModule

/// The engine's record of held input messages for carrying (contract `semantics.md`, durable holding; guarantee 6):
/// what each one is, where it physically is now (its original on the input topic, or its newest copy on the state
/// topic), since when it has been there, and how many each topic holds.
///
/// A held message is keyed by its identity (original topic and id) everywhere in the engine; only acknowledgements
/// need to know where it physically is, and only carrying needs its payload.
struct CarryLedger {
    struct Entry {
        var copy: CarriedMessage
        /// The original, or the newest confirmed copy.
        var location: HeldRef
        /// When the message arrived at `location` (publish time of the original or of the copy).
        var since: Timestamp
        /// Bumped at every move, so that queue entries of earlier locations are recognised as stale.
        var generation: UInt32 = 0
        /// A copy has been asked for and not yet confirmed.
        var carrying = false
    }

    private struct Queued {
        var identity: HeldRef
        var generation: UInt32
    }

    private var entries: [HeldRef: Entry] = [:]
    private var copyOwners: [HeldRef: HeldRef] = [:]
    /// Per physical topic slot, the messages there in order of arrival (oldest first). Entries of messages that have
    /// moved or been released are skipped lazily, and dropped in bulk once they outnumber the live ones.
    private var queues: [Int32: Deque<Queued>] = [:]
    /// Messages physically held on each topic slot, including those whose copy is in flight.
    private(set) var heldPerSlot: [Int32: Int] = [:]
    private var carryingPerSlot: [Int32: Int] = [:]

    /// Copies on the state topics that stand for held messages.
    var copiesHeld: Int { self.copyOwners.count }

    /// Where the held message `identity` physically is; `nil` when the ledger does not know it.
    func location(of identity: HeldRef) -> HeldRef? { self.entries[identity]?.location }

    /// The message a copy on a state topic stands for, when it is the current location of a held message.
    func identity(ofCopy copy: HeldRef) -> HeldRef? { self.copyOwners[copy] }

    /// What a copy of `identity` carries.
    func message(_ identity: HeldRef) -> CarriedMessage? { self.entries[identity]?.copy }

    /// Records a held message at `location` (itself, or the copy it was read back from).
    mutating func hold(_ identity: HeldRef, as copy: CarriedMessage, at location: HeldRef, since: Timestamp) {
        guard self.entries[identity] == nil else { return }
        self.entries[identity] = Entry(copy: copy, location: location, since: since)
        if location != identity { self.copyOwners[location] = identity }
        self.enqueue(identity, generation: 0, on: location.topic)
    }

    /// Forgets a message that is being acknowledged; returns where it physically is, or `nil` when the ledger did not
    /// know it (the caller then acknowledges the identity itself).
    mutating func release(_ identity: HeldRef) -> HeldRef? {
        guard let entry = self.entries.removeValue(forKey: identity) else { return nil }
        if entry.location != identity { self.copyOwners[entry.location] = nil }
        self.heldPerSlot[entry.location.topic, default: 1] -= 1
        if entry.carrying { self.carryingPerSlot[entry.location.topic, default: 1] -= 1 }
        return entry.location
    }

    /// The message now lives at `copy` (a confirmed carry, or a copy read back while the message was held from
    /// elsewhere). Returns the earlier location, which the caller acknowledges; `nil` when `identity` is not held.
    mutating func move(_ identity: HeldRef, to copy: HeldRef, since: Timestamp) -> HeldRef? {
        guard var entry = self.entries[identity] else { return nil }
        let previous = entry.location
        guard previous != copy else { return nil }
        if previous != identity { self.copyOwners[previous] = nil }
        self.heldPerSlot[previous.topic, default: 1] -= 1
        if entry.carrying {
            self.carryingPerSlot[previous.topic, default: 1] -= 1
            entry.carrying = false
        }
        entry.location = copy
        entry.since = since
        entry.generation &+= 1
        self.copyOwners[copy] = identity
        self.entries[identity] = entry
        self.enqueue(identity, generation: entry.generation, on: copy.topic)
        return previous
    }

    /// A carry was asked for but cannot complete (the broker named no message id): the message stays where it was
    /// and may be carried again.
    mutating func carryAbandoned(_ identity: HeldRef) {
        guard var entry = self.entries[identity], entry.carrying else { return }
        entry.carrying = false
        entry.generation &+= 1
        self.entries[identity] = entry
        self.carryingPerSlot[entry.location.topic, default: 1] -= 1
        self.enqueue(identity, generation: entry.generation, on: entry.location.topic)
    }

    /// Takes the messages on `slot` to carry now, oldest first: those there since `cutoff` or earlier, then, while
    /// the slot holds more than `bound` that are not already being carried, the oldest others. Marks them carrying.
    mutating func due(on slot: Int32, cutoff: Timestamp?, bound: Int?) -> [HeldRef] {
        var taken: [HeldRef] = []
        while let first = self.queues[slot]?.first {
            guard let entry = self.entries[first.identity], entry.generation == first.generation,
                entry.location.topic == slot, !entry.carrying
            else {
                self.queues[slot]!.removeFirst()
                continue
            }
            let old = cutoff.map { entry.since <= $0 } ?? false
            let over = bound.map { self.heldPerSlot[slot, default: 0] - self.carryingPerSlot[slot, default: 0] > $0 }
            guard old || over == true else { break }
            self.queues[slot]!.removeFirst()
            self.entries[first.identity]!.carrying = true
            self.carryingPerSlot[slot, default: 0] += 1
            taken.append(first.identity)
        }
        return taken
    }

    /// The slots that hold messages.
    var slots: [Int32] { self.heldPerSlot.filter { $0.value > 0 }.keys.sorted() }

    private mutating func enqueue(_ identity: HeldRef, generation: UInt32, on slot: Int32) {
        self.heldPerSlot[slot, default: 0] += 1
        self.queues[slot, default: []].append(Queued(identity: identity, generation: generation))
        // Stale entries are dropped in bulk once they outnumber the live ones, so a queue stays proportional to
        // what its slot holds, however many messages passed through it.
        let queued = self.queues[slot]!.count
        if queued > 1_024, queued > 2 * self.heldPerSlot[slot, default: 0] {
            self.queues[slot] = Deque(
                self.queues[slot]!.filter { queued in
                    guard let entry = self.entries[queued.identity] else { return false }
                    return entry.generation == queued.generation && entry.location.topic == slot
                }
            )
        }
    }
}
